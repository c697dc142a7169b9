import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { HealthCheckResult, HealthProbe } from '../../ports/index.js';
import { DependencyGuard, type CircuitBreaker, type GuardOptions } from '../resilience/index.js';
import { isAwsFailure } from '../sqs/aws-failures.js';
import { PROBE_TIMEOUT_MS, runProbe } from '../sqs/health-probe.js';

/** Options of {@link S3HealthProbe}. */
export interface S3HealthProbeOptions {
  /** Client from `createS3Client`. */
  readonly client: S3Client;
  /** Bucket of the file store. */
  readonly bucket: string;
  /**
   * Breaker of the file store, shared with its `S3FileStore` (pass the same one as its
   * `breaker` option), so an open breaker shows in the check and the check can close it.
   */
  readonly breaker: CircuitBreaker;
  /** Timeout of the call; retries are never made. @default {@link PROBE_TIMEOUT_MS} */
  readonly guard?: Pick<GuardOptions, 'timeoutMs'>;
}

/**
 * Checks the files bucket with HeadBucket, which needs `s3:ListBucket` on the bucket. Only file
 * requests and the `memory.export` task need S3, so a failure reports `warn`: `/health` stays
 * 200 with status `degraded` and the router keeps traffic in the cloud.
 *
 * HeadBucket returns a bare 404 for a missing bucket, which `isAwsFailure` does not count,
 * because for HeadObject the same reply means a missing file. The check warns about it all the
 * same; only failures such as refused connections, 5xx and throttling move the breaker.
 */
export class S3HealthProbe implements HealthProbe {
  readonly name = 's3';
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly guard: DependencyGuard;

  /** @throws {AdapterConfigError} when the timeout is out of range. */
  constructor(options: S3HealthProbeOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.guard = new DependencyGuard('s3', {
      timeoutMs: options.guard?.timeoutMs ?? PROBE_TIMEOUT_MS,
      retries: 0,
      isFailure: isAwsFailure,
      breaker: options.breaker,
    });
  }

  async check(): Promise<HealthCheckResult> {
    const command = new HeadBucketCommand({ Bucket: this.bucket });
    return runProbe(this.name, 'file requests fail until it recovers', () =>
      this.guard.execute((signal) => this.client.send(command, { abortSignal: signal }), {
        repeatable: false,
      }),
    );
  }
}
