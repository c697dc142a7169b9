import { LocalCircuitBreaker, type BreakerReportSource } from '../adapters/resilience/index.js';
import { createS3Client } from '../adapters/s3/client.js';
import { S3FileStore } from '../adapters/s3/file-store.js';
import { S3HealthProbe } from '../adapters/s3/health-probe.js';
import type { AwsClientConfig } from '../adapters/sqs/aws-config.js';
import { isAwsFailure } from '../adapters/sqs/aws-failures.js';
import { createSqsClient } from '../adapters/sqs/client.js';
import { SqsHealthProbe } from '../adapters/sqs/health-probe.js';
import { SqsTaskQueue } from '../adapters/sqs/task-queue.js';
import type { FileStore, HealthProbe } from '../ports/index.js';
import { UnconfiguredFileStore } from './unconfigured.js';

/** Locations of the task queue and the files bucket, and the AWS client settings. */
export interface AwsPartsConfig {
  readonly aws: AwsClientConfig;
  /** URL of the task queue. @default none: task calls fail with a clear error */
  readonly taskQueueUrl?: string;
  /** Bucket of the files. @default none: file calls fail with a clear error */
  readonly filesBucket?: string;
  /** Maximum size of one file, in bytes. @default the file service's default, 1 MiB */
  readonly maxFileBytes?: number;
}

/** The SQS and S3 parts of a cloud node. */
export interface AwsParts {
  /** The task queue; undefined without `taskQueueUrl`. */
  readonly taskQueue: SqsTaskQueue | undefined;
  readonly fileStore: FileStore;
  /** Health checks of the queue and the bucket, as far as they are configured. */
  readonly probes: HealthProbe[];
  /** Breakers of the queue and the bucket, as far as they are configured. */
  readonly breakers: BreakerReportSource[];
  /** Closes the SDK clients' connections. */
  close(): void;
}

/** Builds the SQS and S3 parts of a node: {@link createAwsParts}, or a stand-in in tests. */
export type AwsPartsFactory = (config: AwsPartsConfig) => AwsParts;

/**
 * Builds the task queue and file store, each with a breaker that its health check shares.
 * Nothing connects until the first call.
 *
 * @throws {AdapterConfigError} when the region, an endpoint or an option is invalid.
 */
export function createAwsParts(config: AwsPartsConfig): AwsParts {
  const probes: HealthProbe[] = [];
  const breakers: BreakerReportSource[] = [];
  const closers: (() => void)[] = [];

  let taskQueue: SqsTaskQueue | undefined;
  if (config.taskQueueUrl !== undefined) {
    const client = createSqsClient(config.aws);
    const breaker = new LocalCircuitBreaker('sqs', { isFailure: isAwsFailure });
    taskQueue = new SqsTaskQueue({ client, queueUrl: config.taskQueueUrl, breaker });
    probes.push(new SqsHealthProbe({ client, queueUrl: config.taskQueueUrl, breaker }));
    breakers.push(breaker);
    closers.push(() => client.destroy());
  }

  let fileStore: FileStore = new UnconfiguredFileStore();
  if (config.filesBucket !== undefined) {
    const client = createS3Client(config.aws);
    const breaker = new LocalCircuitBreaker('s3', { isFailure: isAwsFailure });
    const bucket = config.filesBucket;
    fileStore = new S3FileStore({ client, bucket, breaker, maxFileBytes: config.maxFileBytes });
    probes.push(new S3HealthProbe({ client, bucket, breaker }));
    breakers.push(breaker);
    closers.push(() => client.destroy());
  }
  return { taskQueue, fileStore, probes, breakers, close: () => closers.forEach((c) => c()) };
}
