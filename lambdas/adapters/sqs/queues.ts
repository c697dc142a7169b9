import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { AdapterConfigError, requireIntegerInRange } from '../errors.js';

/** Options of {@link createTaskQueues}. */
export interface TaskQueuesOptions {
  /** Name of the task queue; the dead-letter queue is named `<queueName>-dlq`. */
  readonly queueName: string;
  /**
   * Deliveries after which SQS moves a message to the dead-letter queue. The task runner
   * dead-letters a task itself after at most 10 attempts, and deferred deliveries add a few
   * more, so 20 leaves the dead-letter queue to messages that no worker can handle. @default 20
   */
  readonly maxReceiveCount?: number;
  /** Time SQS keeps an undelivered message, in seconds. @default 1209600 (14 days, the maximum) */
  readonly messageRetentionSeconds?: number;
}

/** URLs of a task queue and its dead-letter queue. */
export interface TaskQueueUrls {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

/** SQS queue names: 1 to 80 letters, digits, hyphens and underscores. */
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,76}$/;

/**
 * Creates a standard task queue and its dead-letter queue, linked by a redrive policy. It
 * serves tests and rehearsals against moto or LocalStack, because deployed stacks create the
 * queues with CDK.
 * CreateQueue returns the existing queue when the attributes match, so calling this again is
 * safe.
 *
 * @throws {AdapterConfigError} when the name or a number is invalid.
 * @throws the SQS client's error when a call fails.
 */
export async function createTaskQueues(
  client: SQSClient,
  options: TaskQueuesOptions,
): Promise<TaskQueueUrls> {
  if (!QUEUE_NAME.test(options.queueName)) {
    throw new AdapterConfigError(
      'queueName',
      `expected 1 to 76 letters, digits, "-" or "_", received "${options.queueName}".`,
    );
  }
  const maxReceiveCount = requireIntegerInRange(
    'maxReceiveCount',
    options.maxReceiveCount ?? 20,
    1,
    1000,
  );
  const retention = String(
    requireIntegerInRange(
      'messageRetentionSeconds',
      options.messageRetentionSeconds ?? 1_209_600,
      60,
      1_209_600,
    ),
  );

  const deadLetterQueueUrl = await createQueue(client, `${options.queueName}-dlq`, {
    MessageRetentionPeriod: '1209600',
  });
  const arn = await queueArn(client, deadLetterQueueUrl);
  const queueUrl = await createQueue(client, options.queueName, {
    MessageRetentionPeriod: retention,
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount }),
  });
  return { queueUrl, deadLetterQueueUrl };
}

/** Deletes a task queue and its dead-letter queue, as {@link createTaskQueues} made them. */
export async function deleteTaskQueues(client: SQSClient, urls: TaskQueueUrls): Promise<void> {
  await client.send(new DeleteQueueCommand({ QueueUrl: urls.queueUrl }));
  await client.send(new DeleteQueueCommand({ QueueUrl: urls.deadLetterQueueUrl }));
}

async function createQueue(
  client: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  const output = await client.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  if (!output.QueueUrl) throw new Error(`CreateQueue returned no URL for queue "${name}".`);
  return output.QueueUrl;
}

async function queueArn(client: SQSClient, queueUrl: string): Promise<string> {
  const output = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = output.Attributes?.QueueArn;
  if (!arn) throw new Error(`GetQueueAttributes returned no QueueArn for ${queueUrl}.`);
  return arn;
}
