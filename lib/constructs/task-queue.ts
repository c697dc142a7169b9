import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Properties of {@link TaskQueue}. */
export interface TaskQueueProps {
  /** Key that encrypts the messages. */
  readonly encryptionKey: IKey;
  /** Time limit of one task worker invocation. */
  readonly workerTimeout: Duration;
  /**
   * Deliveries of one message before it moves to the dead-letter queue. Task attempts and their
   * backoff are the worker's business; this only catches messages the worker cannot process.
   * @default 3
   */
  readonly maxReceiveCount?: number;
}

/**
 * The queue of tasks to run in the cloud and its dead-letter queue, both encrypted with
 * `encryptionKey`, reachable only over TLS and retained when their stack is deleted.
 */
export class TaskQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: TaskQueueProps) {
    super(scope, id);
    const common = {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...common,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      ...common,
      // AWS advises a visibility timeout of six times the consumer's timeout, so a message is
      // not handed to a second worker while the first one may still be retrying it.
      visibilityTimeout: Duration.seconds(props.workerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 3 },
    });
  }
}
