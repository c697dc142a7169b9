import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { BreakerReport } from '../../handlers/services.js';
import type { LeasedTaskMessage, TaskMessage, TaskQueue } from '../../ports/index.js';
import { requireIntegerInRange } from '../errors.js';
import type { BreakerReportSource, CircuitBreaker, GuardOptions } from '../resilience/index.js';
import { SqsGateway } from './gateway.js';
import { DeliveryLedger } from './ledger.js';
import {
  decodeBody,
  decodeReceipt,
  encodeBody,
  encodeReceipt,
  MAX_DELAY_SECONDS,
  MAX_VISIBILITY_SECONDS,
  taskKey,
  toSqsSeconds,
  type QueueMessageBody,
  type ReceiptParts,
} from './message.js';

/** Options of {@link SqsTaskQueue}. */
export interface SqsTaskQueueOptions {
  /** Client from `createSqsClient`. */
  readonly client: SQSClient;
  /** URL of a standard queue, such as `createTaskQueues` returns. */
  readonly queueUrl: string;
  /**
   * Long-polling wait of a receive that finds no message, in whole seconds from 0 to 20. It is
   * short so that a worker invocation can stop well within its time budget. @default 5
   */
  readonly waitTimeSeconds?: number;
  /**
   * Timeouts, retries and breaker of SQS calls. Every call is retried, because each one is safe
   * to repeat (see `SqsGateway`). The receive timeout adds `waitTimeSeconds`. @default 2000 ms
   * per attempt, 2 retries from 50 ms, breaker open after 5 failures in a row for 1000 ms
   */
  readonly guard?: GuardOptions;
  /** Breaker to use, such as a shared one. @default a breaker in this process named `sqs` */
  readonly breaker?: CircuitBreaker;
  /**
   * Time after a message is due during which enqueueing the same task again from this process
   * sends nothing, in ms. It matches the 5-minute deduplication interval of SQS FIFO queues.
   * A message lost within that time (a purged queue) is not replaced from this process until
   * it ends. @default 300000
   */
  readonly deduplicationWindowMs?: number;
  /** Entries of each table of the process-local ledger. @default 10000 */
  readonly ledgerMaxEntries?: number;
  /** Source of the current time in epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** A delivery accepted for a worker, with the time it was due for ordering. */
interface Accepted extends LeasedTaskMessage {
  readonly dueAt: number;
}

/** ReceiveMessage returns at most 10 messages per call. */
const SQS_MAX_BATCH = 10;

/**
 * The task queue on an Amazon SQS standard queue. A lease is the visibility timeout,
 * `release` and `extendLease` are ChangeMessageVisibility, `complete` is DeleteMessage, and the
 * receive count is `ApproximateReceiveCount`. Bodies carry only the task's address and due
 * time; the record lives in the task store. A dead-letter queue takes messages that fail
 * `maxReceiveCount` deliveries (see `createTaskQueues`).
 *
 * Time: SQS counts in whole seconds, so the adapter rounds every delay and lease up and keeps
 * the exact due time itself: in the body for a delay, and in its ledger for a lease or release.
 * A message that arrives before that time is hidden again and not delivered. A delay beyond the
 * 15 minutes SQS allows is a chain of sends: the message arrives early and is sent again with
 * the remaining delay (up to 15 minutes more), which also restarts its retention period.
 *
 * Where SQS falls short of the port, a process-local ledger (see `DeliveryLedger`) fills in:
 * stale receipts are rejected, a repeated enqueue within the deduplication window is skipped,
 * and a cancelled task's message is deleted when this instance receives it. Across processes,
 * SQS semantics apply. SQS judges a receipt from another process, and it accepts a stale
 * handle for DeleteMessage. Enqueues from two processes may add duplicates, and a cancel does
 * not remove a message that another process receives.
 *
 * NOTE: ordering is by due time only within one receive. SQS standard queues deliver in no
 * guaranteed order, so a message due earlier may come in a later receive.
 */
export class SqsTaskQueue implements TaskQueue, BreakerReportSource {
  private readonly gateway: SqsGateway;
  private readonly ledger: DeliveryLedger;
  private readonly now: () => number;
  private readonly waitTimeSeconds: number;
  private readonly deduplicationWindowMs: number;

  /** @throws {AdapterConfigError} when an option is out of range. */
  constructor(options: SqsTaskQueueOptions) {
    this.waitTimeSeconds = requireIntegerInRange(
      'waitTimeSeconds',
      options.waitTimeSeconds ?? 5,
      0,
      20,
    );
    this.deduplicationWindowMs = requireIntegerInRange(
      'deduplicationWindowMs',
      options.deduplicationWindowMs ?? 300_000,
      0,
      86_400_000,
    );
    const maxEntries = options.ledgerMaxEntries ?? 10_000;
    this.ledger = new DeliveryLedger(
      requireIntegerInRange('ledgerMaxEntries', maxEntries, 1, 1_000_000),
    );
    this.now = options.now ?? Date.now;
    this.gateway = new SqsGateway({ ...options, waitTimeSeconds: this.waitTimeSeconds });
  }

  /** @throws {DependencyUnavailableError} when SQS fails or the breaker is open. */
  async enqueue(message: TaskMessage, delayMs: number): Promise<void> {
    const key = taskKey(message);
    const nowMs = this.now();
    if (this.ledger.isPending(key, nowMs)) return;

    const dueAt = nowMs + Math.max(0, delayMs);
    await this.gateway.send(encodeBody(message, dueAt), toSqsSeconds(delayMs, MAX_DELAY_SECONDS));
    this.ledger.markPending(key, dueAt + this.deduplicationWindowMs);
  }

  /**
   * Leases up to `maxMessages` due messages, in as many ReceiveMessage calls of up to 10 as it
   * takes. Only the first call waits for messages (long polling).
   *
   * @throws {DependencyUnavailableError} when SQS fails or the breaker is open.
   */
  async receive(maxMessages: number, leaseMs: number): Promise<LeasedTaskMessage[]> {
    if (maxMessages < 1) return [];
    const visibility = toSqsSeconds(leaseMs, MAX_VISIBILITY_SECONDS);
    const accepted: Accepted[] = [];
    // Early and cancelled messages use up a call without being delivered; two spare calls let
    // a receive look past them.
    const maxCalls = Math.ceil(maxMessages / SQS_MAX_BATCH) + 2;

    for (let call = 0; call < maxCalls && accepted.length < maxMessages; call += 1) {
      const batchSize = Math.min(SQS_MAX_BATCH, maxMessages - accepted.length);
      const wait = call === 0 ? this.waitTimeSeconds : 0;
      const messages = await this.gateway.receive(batchSize, visibility, wait);
      for (const message of messages) {
        const delivery = await this.accept(message, leaseMs);
        if (delivery) accepted.push(delivery);
      }
      if (messages.length < batchSize) break;
    }
    return accepted.sort((a, b) => a.dueAt - b.dueAt).map(({ dueAt: _dueAt, ...rest }) => rest);
  }

  /** @throws {DependencyUnavailableError} when SQS fails or the breaker is open. */
  async complete(receipt: string): Promise<boolean> {
    const target = this.resolve(receipt);
    if (!target) return false;
    const deleted = await this.gateway.delete(target.handle);
    if (deleted) this.ledger.complete(target.messageId);
    return deleted;
  }

  /** @throws {DependencyUnavailableError} when SQS fails or the breaker is open. */
  async release(receipt: string, delayMs: number): Promise<boolean> {
    const target = this.resolve(receipt);
    if (!target) return false;
    const nowMs = this.now();
    const delay = Math.max(0, delayMs);
    if (delay > MAX_DELAY_SECONDS * 1000) return this.releaseBySending(target, nowMs + delay);

    const seconds = toSqsSeconds(delay, MAX_DELAY_SECONDS);
    const changed = await this.gateway.changeVisibility(target.handle, seconds);
    if (changed) this.ledger.setVisibleAt(target.messageId, nowMs + delay);
    return changed;
  }

  /**
   * NOTE: SQS limits the visibility of one delivery to 12 hours in total, so a longer lease
   * ends after 12 hours, and SQS rejects an extension past that limit: it returns false.
   *
   * @throws {DependencyUnavailableError} when SQS fails or the breaker is open.
   */
  async extendLease(receipt: string, leaseMs: number): Promise<boolean> {
    const target = this.resolve(receipt);
    if (!target) return false;
    const nowMs = this.now();
    const seconds = toSqsSeconds(leaseMs, MAX_VISIBILITY_SECONDS);
    const changed = await this.gateway.changeVisibility(target.handle, seconds);
    if (changed) {
      const leaseEnd = nowMs + Math.min(Math.max(0, leaseMs), MAX_VISIBILITY_SECONDS * 1000);
      this.ledger.setVisibleAt(target.messageId, leaseEnd);
    }
    return changed;
  }

  /**
   * Marks the task cancelled in this process unless its message is leased here, so this
   * instance deletes the message when it arrives. SQS cannot delete a message by task id, so
   * another instance still delivers it and the worker drops it by the task record.
   */
  async cancel(message: TaskMessage): Promise<void> {
    const key = taskKey(message);
    if (this.ledger.isLeased(key, this.now())) return;
    this.ledger.markCancelled(key);
  }

  /** Returns the breaker's state for `GET /circuit-breakers`. */
  report(): BreakerReport {
    return this.gateway.report();
  }

  /** Decides what to do with a received message; returns it when it goes to the worker. */
  private async accept(message: Message, leaseMs: number): Promise<Accepted | null> {
    const body = decodeBody(message.Body);
    const { MessageId: messageId, ReceiptHandle: handle } = message;
    // A message this adapter did not write stays hidden for the lease, and SQS moves it to
    // the dead-letter queue after `maxReceiveCount` deliveries.
    if (!body || !messageId || !handle) return null;
    if (await this.holdBack(body, messageId, handle)) return null;

    const dueAt = Math.max(body.dueAt, this.ledger.dueAt(messageId) ?? 0);
    const receipt = encodeReceipt({ ...body, messageId, handle });
    const visibleAt = this.now() + leaseMs;
    this.ledger.recordDelivery(messageId, { receipt, handle, taskKey: taskKey(body), visibleAt });
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount);
    return {
      agentId: body.agentId,
      taskId: body.taskId,
      receipt,
      receiveCount: Number.isInteger(receiveCount) && receiveCount > 0 ? receiveCount : 1,
      dueAt,
    };
  }

  /**
   * Deletes the message of a task cancelled in this process, or hides a message that arrived
   * before it is due.
   *
   * @returns true when the message is not for a worker now.
   */
  private async holdBack(body: QueueMessageBody, messageId: string, handle: string) {
    if (this.ledger.isCancelled(taskKey(body))) {
      await this.gateway.delete(handle);
      return true;
    }
    const nowMs = this.now();
    const leaseDue = this.ledger.dueAt(messageId);
    if (leaseDue !== undefined && leaseDue > nowMs) {
      await this.hideAgain(messageId, handle, leaseDue - nowMs);
      return true;
    }
    if (body.dueAt > nowMs) {
      await this.sendAgain(body, handle, body.dueAt - nowMs);
      return true;
    }
    return false;
  }

  /**
   * Hides again a message that SQS showed before the end of a lease or release made in this
   * process. The worker's receipt keeps working: the ledger maps it to the new handle.
   */
  private async hideAgain(messageId: string, handle: string, remainingMs: number): Promise<void> {
    const seconds = toSqsSeconds(remainingMs, MAX_VISIBILITY_SECONDS);
    if (await this.gateway.changeVisibility(handle, seconds)) {
      this.ledger.replaceHandle(messageId, handle);
    }
  }

  /**
   * Sends a copy of a message that arrived before its due time, with the remaining delay, then
   * deletes the early one. Sending first means a failure in between leaves a duplicate, never
   * a lost task. The copy starts with a receive count of 0 and a fresh retention period.
   */
  private async sendAgain(body: QueueMessageBody, handle: string, remainingMs: number) {
    await this.gateway.send(
      encodeBody(body, body.dueAt),
      toSqsSeconds(remainingMs, MAX_DELAY_SECONDS),
    );
    await this.gateway.delete(handle);
  }

  /**
   * Releases a message for longer than SQS can delay it: checks the receipt by hiding the
   * message, sends a copy due at `dueAt`, and deletes the original.
   */
  private async releaseBySending(target: ReceiptParts, dueAt: number): Promise<boolean> {
    if (!(await this.gateway.changeVisibility(target.handle, MAX_DELAY_SECONDS))) return false;
    await this.gateway.send(encodeBody(target, dueAt), MAX_DELAY_SECONDS);
    await this.gateway.delete(target.handle);
    this.ledger.retire(target.messageId);
    return true;
  }

  /** Returns the parts of a receipt with its current handle, or null when it is stale. */
  private resolve(receipt: string): ReceiptParts | null {
    const parts = decodeReceipt(receipt);
    if (!parts) return null;
    const status = this.ledger.lookup(parts.messageId, receipt);
    if (status.kind === 'stale') return null;
    return status.kind === 'current' ? { ...parts, handle: status.delivery.handle } : parts;
  }
}
