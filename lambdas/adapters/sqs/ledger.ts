/** A delivery that this process handed to a worker. */
export interface Delivery {
  /** Receipt given to the worker. */
  readonly receipt: string;
  /** Current SQS receipt handle, which changes when the adapter hides an early redelivery. */
  readonly handle: string;
  readonly taskKey: string;
  /** End of the lease, or the end of the delay after a release, in epoch ms. */
  readonly visibleAt: number;
  readonly completed: boolean;
}

/** Status of a receipt in the ledger. */
export type ReceiptStatus =
  | { readonly kind: 'current'; readonly delivery: Delivery }
  /** A later delivery of the same message replaced it, or it was completed. */
  | { readonly kind: 'stale' }
  /** Issued by another process, or forgotten; only SQS can judge it. */
  | { readonly kind: 'unknown' };

/** A map that evicts its oldest entries beyond `maxEntries`. */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly maxEntries: number) {
    super();
  }

  override set(key: K, value: V): this {
    // Deleting first moves the key to the end of the insertion order, which eviction follows.
    super.delete(key);
    super.set(key, value);
    if (this.size > this.maxEntries) {
      const oldest = this.keys().next();
      if (!oldest.done) super.delete(oldest.value);
    }
    return this;
  }
}

/**
 * Bookkeeping of one `SqsTaskQueue` instance about the messages it sent and delivered: the
 * latest receipt of each message, the time each delivery is due back, the tasks it enqueued
 * recently and the tasks it cancelled. SQS returns success for DeleteMessage with an old receipt
 * handle, whether or not it deletes the message (SQS API reference, DeleteMessage). It
 * also cannot delete a message by task id, and a standard queue does not deduplicate. The
 * ledger is how the adapter gives those port guarantees.
 *
 * NOTE: the ledger lives in one process and evicts its oldest entries beyond `maxEntries`. A
 * receipt, enqueue or cancel from another process falls back to plain SQS behaviour, where the
 * task record decides: the worker drops a duplicate or a cancelled task's message.
 */
export class DeliveryLedger {
  private readonly deliveries: BoundedMap<string, Delivery>;
  private readonly latestByTask: BoundedMap<string, string>;
  private readonly pending: BoundedMap<string, number>;
  private readonly cancelled: BoundedMap<string, true>;

  constructor(maxEntries: number) {
    this.deliveries = new BoundedMap(maxEntries);
    this.latestByTask = new BoundedMap(maxEntries);
    this.pending = new BoundedMap(maxEntries);
    this.cancelled = new BoundedMap(maxEntries);
  }

  /** True when this process enqueued the task and the message is still expected to exist. */
  isPending(taskKey: string, nowMs: number): boolean {
    const expiresAt = this.pending.get(taskKey);
    return expiresAt !== undefined && expiresAt > nowMs;
  }

  /** Records an enqueue, so enqueueing the task again before `expiresAt` sends nothing. */
  markPending(taskKey: string, expiresAt: number): void {
    this.pending.set(taskKey, expiresAt);
    this.cancelled.delete(taskKey);
  }

  /** Records a cancel, so this process drops the task's message when it arrives. */
  markCancelled(taskKey: string): void {
    this.cancelled.set(taskKey, true);
    this.pending.delete(taskKey);
  }

  isCancelled(taskKey: string): boolean {
    return this.cancelled.has(taskKey);
  }

  /** True while a delivery of the task's message is leased to a worker. */
  isLeased(taskKey: string, nowMs: number): boolean {
    const messageId = this.latestByTask.get(taskKey);
    const delivery = messageId === undefined ? undefined : this.deliveries.get(messageId);
    return delivery !== undefined && !delivery.completed && delivery.visibleAt > nowMs;
  }

  /** Records a delivery, which makes the receipts of earlier deliveries of the message stale. */
  recordDelivery(messageId: string, delivery: Omit<Delivery, 'completed'>): void {
    this.deliveries.set(messageId, { ...delivery, completed: false });
    this.latestByTask.set(delivery.taskKey, messageId);
  }

  /** Returns the status of a receipt of message `messageId`. */
  lookup(messageId: string, receipt: string): ReceiptStatus {
    const delivery = this.deliveries.get(messageId);
    if (delivery === undefined) return { kind: 'unknown' };
    if (delivery.completed || delivery.receipt !== receipt) return { kind: 'stale' };
    return { kind: 'current', delivery };
  }

  /** Returns when a message is due back by this process's account, or undefined. */
  dueAt(messageId: string): number | undefined {
    const delivery = this.deliveries.get(messageId);
    return delivery === undefined || delivery.completed ? undefined : delivery.visibleAt;
  }

  /** Moves the time a delivered message is due back, after a release or a lease extension. */
  setVisibleAt(messageId: string, visibleAt: number): void {
    this.update(messageId, { visibleAt });
  }

  /** Records the handle of an early redelivery that the adapter hid again for the worker. */
  replaceHandle(messageId: string, handle: string): void {
    this.update(messageId, { handle });
  }

  /** Marks a delivery completed: its receipt stops working and the task may be enqueued again. */
  complete(messageId: string): void {
    const delivery = this.deliveries.get(messageId);
    if (delivery === undefined) return;
    this.update(messageId, { completed: true });
    this.pending.delete(delivery.taskKey);
  }

  /** Makes a delivery's receipt stale without touching the task's enqueue record. */
  retire(messageId: string): void {
    this.update(messageId, { completed: true });
  }

  private update(messageId: string, changes: Partial<Delivery>): void {
    const delivery = this.deliveries.get(messageId);
    if (delivery !== undefined) this.deliveries.set(messageId, { ...delivery, ...changes });
  }
}
