import type { SQSRecord } from 'aws-lambda';
import { decodeBody, encodeReceipt } from '../adapters/sqs/message.js';
import type { SqsTaskQueue } from '../adapters/sqs/task-queue.js';
import type { LeasedTaskMessage, TaskMessage, TaskQueue } from '../ports/index.js';

/**
 * The task queue of the task worker when Lambda's SQS event source delivers the messages. Lambda deletes each message whose record the handler reports as processed, so
 * `complete` only marks the message. `release` and `extendLease` change the visibility through
 * the {@link SqsTaskQueue}, and a released message must be reported as failed, so that Lambda
 * leaves it to SQS, which delivers it again when the release delay ends.
 */
export class SqsDeliveryQueue implements TaskQueue {
  private readonly released = new Set<string>();

  constructor(private readonly queue: SqsTaskQueue) {}

  /**
   * Returns the delivery of an event record, with a receipt the {@link SqsTaskQueue} accepts;
   * null when the body is not a task message this project wrote.
   */
  deliveryOf(record: SQSRecord): LeasedTaskMessage | null {
    const body = decodeBody(record.body);
    if (!body) return null;
    const receiveCount = Number(record.attributes.ApproximateReceiveCount);
    return {
      agentId: body.agentId,
      taskId: body.taskId,
      receipt: encodeReceipt({
        messageId: record.messageId,
        handle: record.receiptHandle,
        agentId: body.agentId,
        taskId: body.taskId,
      }),
      receiveCount: Number.isInteger(receiveCount) && receiveCount > 0 ? receiveCount : 1,
    };
  }

  /**
   * Tells whether the worker released this delivery, and removes it from the released set.
   *
   * @returns true when the message must be reported as failed, so that Lambda keeps it.
   */
  takeReleased(receipt: string): boolean {
    return this.released.delete(receipt);
  }

  enqueue(message: TaskMessage, delayMs: number): Promise<void> {
    return this.queue.enqueue(message, delayMs);
  }

  /** @throws {Error} always: Lambda receives the messages of the task worker. */
  async receive(): Promise<LeasedTaskMessage[]> {
    throw new Error('The SQS event source delivers task messages in Lambda; receive is unused.');
  }

  /** Marks the delivery done; Lambda deletes the message once the handler reports it. */
  async complete(): Promise<boolean> {
    return true;
  }

  async release(receipt: string, delayMs: number): Promise<boolean> {
    const released = await this.queue.release(receipt, delayMs);
    this.released.add(receipt);
    return released;
  }

  extendLease(receipt: string, leaseMs: number): Promise<boolean> {
    return this.queue.extendLease(receipt, leaseMs);
  }

  cancel(message: TaskMessage): Promise<void> {
    return this.queue.cancel(message);
  }
}
