import type { JsonValue, TaskQueue, TaskRecord, TaskStatus, TaskStore } from '../ports/index.js';
import type { HybridLogicalClock } from './clock.js';
import { LimitExceededError, ResourceConflictError, ResourceNotFoundError } from './errors.js';
import { idForIdempotencyKey, KEYED_CREATE_BACKDATE_MS, type IdGenerator } from './ids.js';
import { decodePageCursor, encodePageCursor } from './page-cursor.js';
import { IdempotencyKeyReusedError, TaskFinishedError } from './task-errors.js';
import { isFinalStatus, isSameSubmission, reviseTask } from './task-records.js';
import type { TaskTypeRegistry } from './task-types.js';

/** Limits of the task service. */
export interface TaskLimits {
  /** Maximum queued and running tasks of one agent; a submission past it gets 429. @default 100 */
  readonly maxUnfinishedPerAgent?: number;
  /** Attempts of a task whose submission sets none. @default 3 */
  readonly defaultMaxAttempts?: number;
}

/** A new task as a caller describes it. */
export interface TaskSubmission {
  readonly type: string;
  readonly input: JsonValue;
  readonly idempotencyKey?: string | null;
  /** Earliest start, in milliseconds since the Unix epoch. @default now */
  readonly runAtMs?: number;
  /** Attempts allowed before the task goes to the dead letter state. @default 3 */
  readonly maxAttempts?: number;
}

/** A submitted task and whether this submission created it. */
export interface TaskSubmitResult {
  readonly task: TaskRecord;
  /** False when an earlier submission with the same idempotency key created it. */
  readonly created: boolean;
}

/** One page of tasks and the cursor of the next page, null on the last page. */
export interface TaskPage {
  readonly items: TaskRecord[];
  readonly nextCursor: string | null;
}

/** Dependencies of {@link TaskService}. */
export interface TaskServiceDeps {
  readonly store: TaskStore;
  readonly queue: TaskQueue;
  readonly types: TaskTypeRegistry;
  readonly clock: HybridLogicalClock;
  readonly ids: IdGenerator;
  readonly now?: () => number;
  readonly limits?: TaskLimits;
}

const CURSOR_PREFIX = 't1';
/** Compare-and-set rounds before a cancel gives up: each lost round means a worker moved on. */
const MAX_CANCEL_ROUNDS = 5;
/** Stale tasks enqueued again per call of {@link TaskService.requeueStale}. */
const REQUEUE_BATCH = 100;

/** Submits, reads, lists and cancels an agent's tasks; workers run them (see TaskRunner). */
export class TaskService {
  private readonly deps: TaskServiceDeps;
  private readonly now: () => number;
  private readonly maxUnfinished: number;
  private readonly defaultMaxAttempts: number;

  constructor(deps: TaskServiceDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
    this.maxUnfinished = deps.limits?.maxUnfinishedPerAgent ?? 100;
    this.defaultMaxAttempts = deps.limits?.defaultMaxAttempts ?? 3;
  }

  /** Names of the task types this service accepts. */
  types(): string[] {
    return this.deps.types.types();
  }

  /**
   * Stores a queued task and enqueues its message. A submission that repeats the idempotency key
   * of an earlier one returns that task instead, and enqueues it again when it is still queued,
   * which repairs a message lost to a crash between store and queue.
   *
   * @throws {UnknownTaskTypeError} or {TaskInputError} (400) for a bad type or input.
   * @throws {IdempotencyKeyReusedError} (409) when the key belongs to a different request.
   * @throws {LimitExceededError} `task_limit_exceeded` (429) when the agent has the maximum of
   *   queued and running tasks.
   */
  async submit(agentId: string, submission: TaskSubmission): Promise<TaskSubmitResult> {
    this.deps.types.get(submission.type).validateInput(submission.input);

    const record = this.newRecord(agentId, submission);
    const result = await this.deps.store.create(record, this.maxUnfinished);
    if (result.outcome === 'limit_reached') throw this.limitError(agentId, result.unfinished);

    const task = result.task;
    if (
      result.outcome === 'duplicate' &&
      !isSameSubmission(task, submission.type, submission.input)
    ) {
      throw new IdempotencyKeyReusedError(task.idempotencyKey ?? '', task.id);
    }
    if (task.status === 'queued') await this.enqueue(task);
    return { task, created: result.outcome === 'created' };
  }

  /**
   * Returns a task.
   *
   * @throws {ResourceNotFoundError} `task_not_found`.
   */
  async get(agentId: string, id: string): Promise<TaskRecord> {
    const task = await this.deps.store.get(agentId, id);
    if (!task) {
      throw new ResourceNotFoundError('task_not_found', `No task with id "${id}".`, {
        field: 'path.id',
        hint: 'List the tasks with GET /api/v1/{agent}/tasks.',
      });
    }
    return task;
  }

  /**
   * Lists tasks in creation order, optionally of one status.
   *
   * @param cursor the `nextCursor` of the previous page, or null for the first page.
   * @throws {RequestValidationError} `invalid_cursor` when the cursor was not issued here.
   */
  async list(
    agentId: string,
    status: TaskStatus | undefined,
    limit: number,
    cursor: string | null,
  ): Promise<TaskPage> {
    const after = cursor === null ? null : decodePageCursor(CURSOR_PREFIX, cursor);
    const page = await this.deps.store.list(agentId, { status }, { limit, after });
    const last = page.items.at(-1);
    const nextCursor = page.more && last ? encodePageCursor(CURSOR_PREFIX, last.id) : null;
    return { items: page.items, nextCursor };
  }

  /**
   * Cancels a task. A queued task becomes `cancelled` at once. A running task gets
   * `cancelRequested`, and its worker aborts the attempt and records `cancelled`. Cancelling a
   * cancelled task returns it unchanged.
   *
   * @throws {ResourceNotFoundError} `task_not_found`.
   * @throws {TaskFinishedError} (409) when the task finished in another state.
   * @throws {ResourceConflictError} `task_busy` (409) when workers kept changing the task.
   */
  async cancel(agentId: string, id: string): Promise<TaskRecord> {
    for (let round = 0; round < MAX_CANCEL_ROUNDS; round += 1) {
      const task = await this.get(agentId, id);
      if (task.status === 'cancelled' || task.cancelRequested) return task;
      if (isFinalStatus(task.status)) throw new TaskFinishedError(id, task.status);

      const nowMs = this.now();
      const changes: Partial<TaskRecord> =
        task.status === 'queued'
          ? { status: 'cancelled', finishedAt: new Date(nowMs).toISOString() }
          : { cancelRequested: true };
      const next = reviseTask(task, changes, this.deps.clock, nowMs);
      if (await this.deps.store.replace(next, task.version)) {
        if (next.status === 'cancelled') await this.deps.queue.cancel({ agentId, taskId: id });
        return next;
      }
    }
    throw new ResourceConflictError('task_busy', `Task ${id} changed during every cancel round.`, {
      field: 'path.id',
      hint: 'Retry the cancel.',
    });
  }

  /**
   * Enqueues again the queued tasks that were due and unchanged for more than `olderThanMs`, and
   * the running tasks whose lease ended that long ago. A crash between store and queue leaves
   * such tasks without a message. Workers call it at start and then periodically.
   *
   * @returns the number of tasks enqueued.
   */
  async requeueStale(olderThanMs: number): Promise<number> {
    const before = new Date(this.now() - olderThanMs).toISOString();
    const stale = await this.deps.store.listStale(before, REQUEUE_BATCH);
    for (const task of stale) await this.enqueue(task);
    return stale.length;
  }

  private newRecord(agentId: string, submission: TaskSubmission): TaskRecord {
    const nowMs = this.now();
    const timestamp = new Date(nowMs).toISOString();
    return {
      agentId,
      // The same id on every node for one key, so a retry on the other node is the same task.
      // NOTE: a type that both nodes run may still run once on each before replication merges
      // the two records. Deferring the types that have side effects to the cloud avoids that.
      id: submission.idempotencyKey
        ? idForIdempotencyKey(agentId, 'task', submission.idempotencyKey)
        : this.deps.ids(),
      type: submission.type,
      input: submission.input,
      status: 'queued',
      attempts: 0,
      maxAttempts: submission.maxAttempts ?? this.defaultMaxAttempts,
      result: null,
      error: null,
      idempotencyKey: submission.idempotencyKey ?? null,
      runAt: new Date(Math.max(nowMs, submission.runAtMs ?? nowMs)).toISOString(),
      cancelRequested: false,
      leaseExpiresAt: null,
      createdAt: timestamp,
      updatedAt: timestamp,
      startedAt: null,
      finishedAt: null,
      // A keyed task dates its first version back, as a keyed memory record does, so that a late
      // repeat of the submission on another node never replaces the task's later states.
      version: submission.idempotencyKey
        ? this.deps.clock.before(KEYED_CREATE_BACKDATE_MS)
        : this.deps.clock.now(),
    };
  }

  private async enqueue(task: TaskRecord): Promise<void> {
    const delayMs = Math.max(0, Date.parse(task.runAt) - this.now());
    await this.deps.queue.enqueue({ agentId: task.agentId, taskId: task.id }, delayMs);
  }

  private limitError(agentId: string, unfinished: number): LimitExceededError {
    return new LimitExceededError(
      'task_limit_exceeded',
      `Agent "${agentId}" has ${unfinished} queued or running tasks; the limit is ` +
        `${this.maxUnfinished}.`,
      {
        hint: 'Wait for tasks to finish or cancel some, then submit again.',
        // A suggested polling interval, because no task state shows when a slot frees up.
        retryAfterSeconds: 5,
      },
    );
  }
}
