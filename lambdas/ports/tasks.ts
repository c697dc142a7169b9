import type { Page } from './memory-store.js';
import type { JsonValue } from './records.js';

/**
 * Lifecycle state of a task. `queued` and `running` are unfinished; the others are final.
 * `failed` means an attempt failed in a way a retry cannot fix, and `dead_letter` means every
 * allowed attempt failed or was interrupted.
 */
export type TaskStatus =
  'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'dead_letter';

/** Failure of a task attempt, as stored on the task and returned by the API. */
export interface TaskFailure {
  /** Stable machine-readable code, such as `task_timed_out` or `http_status_503`. */
  readonly code: string;
  readonly message: string;
}

/** A task: a unit of work of a registered type, run by a worker outside the request. */
export interface TaskRecord {
  readonly agentId: string;
  readonly id: string;
  /** Name of the registered task type, such as `echo` or `http`. */
  readonly type: string;
  readonly input: JsonValue;
  readonly status: TaskStatus;
  /** Attempts started so far, the running one included. */
  readonly attempts: number;
  readonly maxAttempts: number;
  /** Output of the successful attempt; null until then. */
  readonly result: JsonValue | null;
  /** Failure of the latest failed attempt; null when none failed or the task succeeded. */
  readonly error: TaskFailure | null;
  /** Caller-chosen key, unique among the agent's tasks; null when none was given. */
  readonly idempotencyKey: string | null;
  /** Earliest start of the next attempt (ISO 8601): the requested time, then each retry's. */
  readonly runAt: string;
  /** True once a cancel arrived while the task was running; the worker stops it. */
  readonly cancelRequested: boolean;
  /** End of the running attempt's lease (ISO 8601); null unless running. */
  readonly leaseExpiresAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Start of the latest attempt; null before the first. */
  readonly startedAt: string | null;
  /** Time the task reached a final state; null before. */
  readonly finishedAt: string | null;
  /** Hybrid logical clock version of the last change. */
  readonly version: string;
}

/** Outcome of {@link TaskStore.create}, a tagged union on `outcome`. */
export type TaskCreateResult =
  | { readonly outcome: 'created'; readonly task: TaskRecord }
  /** The agent has a task with the same idempotency key, which is returned unchanged. */
  | { readonly outcome: 'duplicate'; readonly task: TaskRecord }
  /** The agent already has `maxUnfinished` queued or running tasks; nothing was stored. */
  | { readonly outcome: 'limit_reached'; readonly unfinished: number };

/** Filter of a task list. */
export interface TaskListFilter {
  readonly status?: TaskStatus;
}

/**
 * Storage of task records, one namespace per agent. It contains the state of every task, while
 * a {@link TaskQueue} only delivers task ids to workers. Records so stay readable and listable
 * whatever queue delivers them.
 */
export interface TaskStore {
  /**
   * Stores a new task. The idempotency key check, the count of unfinished tasks and the insert
   * happen atomically, so concurrent submissions can neither duplicate a key nor pass the limit.
   * A duplicate key wins over the limit, so a repeated submission always gets its task back.
   */
  create(task: TaskRecord, maxUnfinished: number): Promise<TaskCreateResult>;
  /** Returns the task, or null. */
  get(agentId: string, id: string): Promise<TaskRecord | null>;
  /**
   * Replaces a task when the stored version equals `expectedVersion` (compare-and-set).
   *
   * @returns false, changing nothing, when the task is missing or has another version.
   */
  replace(task: TaskRecord, expectedVersion: string): Promise<boolean>;
  /** Lists an agent's tasks in id order (creation order), at most `limit`, after id `after`. */
  list(
    agentId: string,
    filter: TaskListFilter,
    page: { limit: number; after: string | null },
  ): Promise<Page<TaskRecord>>;
  /**
   * Lists the tasks of every agent that a crash may have left without a message, oldest change
   * first: queued tasks last changed and due before `before` (ISO 8601), and running tasks whose
   * lease ended before it.
   */
  listStale(before: string, limit: number): Promise<TaskRecord[]>;
}

/** Content of a queue message: the address of a task record. */
export interface TaskMessage {
  readonly agentId: string;
  readonly taskId: string;
}

/** A message handed to one worker until its lease ends. */
export interface LeasedTaskMessage extends TaskMessage {
  /** Handle of this delivery. Only the latest delivery's receipt is accepted. */
  readonly receipt: string;
  /** Deliveries of this message so far, this one included. */
  readonly receiveCount: number;
}

/**
 * Delivery of task ids to workers, at least once, shaped after Amazon SQS so that an SQS adapter
 * can implement it: a lease is a visibility timeout, `release` and `extendLease` are
 * ChangeMessageVisibility and `complete` is DeleteMessage.
 *
 * Guarantees every adapter gives:
 * - A message is invisible while leased. When the lease ends without `complete`, the message is
 *   delivered again, also after the worker's process died. That is how a crashed task runs again.
 * - A receipt stops working once the message has been delivered again or completed, so a worker
 *   whose lease ran out cannot complete or release another worker's delivery.
 * - Delivery is at least once, so a message may arrive more than once. Workers must tolerate
 *   duplicates and decide by the task record, which is the source of truth for status and run
 *   time.
 */
export interface TaskQueue {
  /**
   * Adds a message that becomes visible `delayMs` from now. Enqueueing a task that already has
   * a message changes nothing on adapters that deduplicate by task id (SQLite, SQS FIFO). On the
   * others it adds a duplicate. An adapter with a shorter maximum delay (SQS: 15 minutes) may
   * deliver early, and the worker then postpones the message until the record's `runAt`.
   */
  enqueue(message: TaskMessage, delayMs: number): Promise<void>;
  /** Leases up to `maxMessages` visible messages for `leaseMs`, longest visible first. */
  receive(maxMessages: number, leaseMs: number): Promise<LeasedTaskMessage[]>;
  /**
   * Deletes the message of a finished task.
   *
   * @returns false when the receipt is no longer valid; the message then stays.
   */
  complete(receipt: string): Promise<boolean>;
  /**
   * Gives a message back: it becomes visible again `delayMs` from now. Workers call it after a
   * failed attempt with the retry delay, and to postpone a message that arrived early.
   *
   * @returns false when the receipt is no longer valid.
   */
  release(receipt: string, delayMs: number): Promise<boolean>;
  /**
   * Sets the lease of a delivery to end `leaseMs` from now, so a long attempt keeps its message.
   *
   * @returns false when the receipt is no longer valid.
   */
  extendLease(receipt: string, leaseMs: number): Promise<boolean>;
  /**
   * Removes the message of a cancelled task unless it is leased. Adapters that cannot remove a
   * message by task id (SQS) do nothing, and the worker drops the message when it arrives.
   */
  cancel(message: TaskMessage): Promise<void>;
}
