import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { CloudNode } from './cloud-node.js';
import type { AwsPartsFactory } from './cloud-aws.js';
import { parseCloudEnvironment, requireAwsParts, type FunctionNeeds } from './environment.js';
import { createFunctionRuntime, type FunctionRuntime } from './runtime.js';

/** The Lambda handler of the task worker; `close` ends its connections, as for the API. */
export type WorkerEntryHandler = ((
  event: SQSEvent,
  context: Context,
) => Promise<SQSBatchResponse>) & { close(): Promise<void> };

/** Options of {@link createWorkerEntry}. */
export interface WorkerEntryOptions {
  /** Environment variables to read. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Factory of the SQS and S3 parts: `createAwsParts`, which the worker always needs. */
  readonly awsParts?: AwsPartsFactory;
  /**
   * Interval of the search for stale tasks, and their minimum age, in ms. Each instance
   * searches at most this often, at the start of an invocation. @default 60000, as the edge
   */
  readonly requeueIntervalMs?: number;
}

/** A message that the worker gives back to SQS instead of letting Lambda delete it. */
export class TaskMessageKeptError extends Error {
  constructor(messageId: string, reason: string) {
    super(`Message ${messageId} stays in the queue: ${reason}.`);
    this.name = 'TaskMessageKeptError';
  }
}

/**
 * Builds the handler of the task worker, which Lambda's SQS event source feeds. Each record is
 * one task message; the core task runner processes the records of a batch in parallel. The
 * response lists the records that Lambda must not delete (partial batch response): messages
 * the runner released for a later attempt or run time, unreadable bodies, and records whose
 * processing failed. SQS delivers those again after their visibility timeout.
 *
 * @throws {CloudEnvironmentError} when the environment is invalid.
 */
export function createWorkerEntry(
  needs: FunctionNeeds,
  options: WorkerEntryOptions = {},
): WorkerEntryHandler {
  requireAwsParts(needs, options.awsParts);
  const environment = parseCloudEnvironment(options.env ?? process.env, needs);
  const runtime = createFunctionRuntime(environment, options.awsParts);
  const processor = new BatchProcessor(EventType.SQS);
  const requeue = new StaleTaskRequeue(runtime, options.requeueIntervalMs ?? 60_000);

  const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    runtime.logger.addContext(context);
    const node = await runtime.node.get();
    await requeue.runWhenDue(node);
    const record = (item: SQSRecord) => processRecord(node, runtime, item);
    try {
      // A batch of deferred messages fails as a whole by design, so it must not throw.
      return await processPartialResponse(event, record, processor, {
        context,
        throwOnFullBatchFailure: false,
      });
    } finally {
      const services = await node.services().catch(() => undefined);
      runtime.reportBreakers(services?.breakers?.() ?? []);
    }
  };
  return Object.assign(handler, { close: () => runtime.node.close() });
}

async function processRecord(node: CloudNode, runtime: FunctionRuntime, record: SQSRecord) {
  const delivery = node.tasks.delivery;
  if (!delivery) throw new Error('The task worker has no task queue: TASK_QUEUE_URL is not set.');
  const message = delivery.deliveryOf(record);
  if (!message) {
    runtime.logger.warn('A queue message is not a task message; SQS moves it to the DLQ later.', {
      messageId: record.messageId,
    });
    throw new TaskMessageKeptError(record.messageId, 'its body is not a task message');
  }
  const outcome = await node.tasks.runner.process(message);
  if (delivery.takeReleased(message.receipt)) {
    throw new TaskMessageKeptError(record.messageId, `the task was ${outcome}`);
  }
  return outcome;
}

/**
 * Requeues stale tasks at most once per interval per instance, as the edge's worker pool does.
 *
 * NOTE: the worker runs only when a message arrives, so a task whose message was lost waits
 * for the next message of any task. An invocation on a schedule would bound that wait.
 */
class StaleTaskRequeue {
  private lastRunMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly runtime: FunctionRuntime,
    private readonly intervalMs: number,
  ) {}

  async runWhenDue(node: CloudNode): Promise<void> {
    const nowMs = Date.now();
    if (nowMs - this.lastRunMs < this.intervalMs) return;
    this.lastRunMs = nowMs;
    try {
      const count = await node.tasks.service.requeueStale(this.intervalMs);
      if (count > 0) this.runtime.logger.warn('Enqueued stale tasks again.', { count });
    } catch (error) {
      this.runtime.logger.error('Enqueueing stale tasks again failed.', { error: String(error) });
    }
  }
}
