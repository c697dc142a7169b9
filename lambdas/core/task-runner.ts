import type {
  AppLogger,
  LeasedTaskMessage,
  TaskQueue,
  TaskRecord,
  TaskStore,
} from '../ports/index.js';
import type { HybridLogicalClock } from './clock.js';
import { runAttempt, type AttemptResult } from './task-attempt.js';
import { isFinalStatus, reviseTask } from './task-records.js';
import { RetryBackoff } from './task-retry.js';
import type { TaskHandler, TaskTypeRegistry } from './task-types.js';

/** Result of one call of {@link TaskRunner.process}: what happened to its message. */
export type TaskRunOutcome =
  'dropped' | 'deferred' | 'succeeded' | 'failed' | 'cancelled' | 'retry_scheduled' | 'dead_letter';

/** Dependencies and settings of {@link TaskRunner}. */
export interface TaskRunnerDeps {
  readonly store: TaskStore;
  readonly queue: TaskQueue;
  readonly types: TaskTypeRegistry;
  readonly clock: HybridLogicalClock;
  readonly logger: AppLogger;
  /** @default a {@link RetryBackoff} with its defaults */
  readonly backoff?: RetryBackoff;
  /**
   * Time added to a type's timeout to form the lease, so the message stays leased while the
   * worker records the outcome after the deadline. @default 2000
   */
  readonly leaseMarginMs?: number;
  /** Interval at which a running attempt checks its task for a cancel request. @default 500 */
  readonly cancelPollMs?: number;
  readonly now?: () => number;
}

/** A change to record and what to do with the message afterwards. */
interface Decision {
  readonly outcome: TaskRunOutcome;
  readonly changes: Partial<TaskRecord>;
  /** Milliseconds until the message is due again; undefined deletes it. */
  readonly releaseAfterMs?: number;
}

/** Compare-and-set rounds when recording an outcome; each lost round means a cancel arrived. */
const MAX_SETTLE_ROUNDS = 5;

/**
 * Processes delivered task messages: claims the task, runs one attempt under the type's timeout
 * while watching for a cancel, and records the outcome. Failures are retried with backoff until
 * `maxAttempts` is spent; the task then goes to `dead_letter`. The task record decides
 * everything, so a duplicate or early delivery is dropped or postponed, never run twice at once.
 */
export class TaskRunner {
  private readonly deps: TaskRunnerDeps;
  private readonly now: () => number;
  private readonly backoff: RetryBackoff;
  private readonly leaseMarginMs: number;
  private readonly cancelPollMs: number;

  constructor(deps: TaskRunnerDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
    this.backoff = deps.backoff ?? new RetryBackoff();
    this.leaseMarginMs = deps.leaseMarginMs ?? 2000;
    this.cancelPollMs = deps.cancelPollMs ?? 500;
  }

  /** Handles one delivery of a message and returns what it did. */
  async process(message: LeasedTaskMessage): Promise<TaskRunOutcome> {
    const task = await this.deps.store.get(message.agentId, message.taskId);
    if (!task || isFinalStatus(task.status)) {
      await this.deps.queue.complete(message.receipt);
      return 'dropped';
    }
    const waitMs = this.waitBeforeRun(task);
    if (waitMs > 0) {
      await this.deps.queue.release(message.receipt, waitMs);
      return 'deferred';
    }

    const early = this.decideBeforeRun(task);
    if (early) return this.settle(task, message, () => early);

    const handler = this.deps.types.get(task.type);
    const claimed = await this.claim(task, handler);
    if (!claimed) {
      await this.deps.queue.release(message.receipt, 0);
      return 'deferred';
    }
    await this.deps.queue.extendLease(message.receipt, handler.timeoutMs + this.leaseMarginMs);

    const attempt = await runAttempt(claimed, handler, this.deps.store, {
      cancelPollMs: this.cancelPollMs,
      logger: this.deps.logger,
    });
    return this.settle(claimed, message, (current) => this.decideAfterRun(current, attempt));
  }

  /** Milliseconds until the task may run: its run time, or the end of another worker's lease. */
  private waitBeforeRun(task: TaskRecord): number {
    const nowMs = this.now();
    const runAtWait = Date.parse(task.runAt) - nowMs;
    const leaseWait =
      task.status === 'running' && task.leaseExpiresAt
        ? Date.parse(task.leaseExpiresAt) - nowMs
        : 0;
    return Math.max(runAtWait, leaseWait, 0);
  }

  /** Decides a task that must not run again: cancelled, of an unknown type, or out of attempts. */
  private decideBeforeRun(task: TaskRecord): Decision | null {
    if (task.cancelRequested) return this.finish('cancelled', {});
    if (!this.deps.types.types().includes(task.type)) {
      const failure = { code: 'unknown_task_type', message: `No task type "${task.type}".` };
      return this.finish('failed', { error: failure });
    }
    if (task.attempts >= task.maxAttempts) {
      // Only an interrupted attempt gets here: a failed last attempt is dead-lettered at once.
      const failure = {
        code: 'attempt_interrupted',
        message: `Attempt ${task.attempts} of ${task.maxAttempts} was interrupted before it finished.`,
      };
      return this.finish('dead_letter', { error: failure });
    }
    return null;
  }

  private async claim(task: TaskRecord, handler: TaskHandler): Promise<TaskRecord | null> {
    const nowMs = this.now();
    const changes: Partial<TaskRecord> = {
      status: 'running',
      attempts: task.attempts + 1,
      startedAt: new Date(nowMs).toISOString(),
      leaseExpiresAt: new Date(nowMs + handler.timeoutMs + this.leaseMarginMs).toISOString(),
    };
    const claimed = reviseTask(task, changes, this.deps.clock, nowMs);
    return (await this.deps.store.replace(claimed, task.version)) ? claimed : null;
  }

  private decideAfterRun(current: TaskRecord, attempt: AttemptResult): Decision {
    if (current.cancelRequested || attempt.kind === 'cancelled') {
      return this.finish('cancelled', {});
    }
    if (attempt.kind === 'succeeded') {
      return this.finish('succeeded', { result: attempt.result, error: null });
    }
    if (!attempt.retryable) return this.finish('failed', { error: attempt.failure });
    if (current.attempts >= current.maxAttempts) {
      return this.finish('dead_letter', { error: attempt.failure });
    }

    const delayMs = this.backoff.delayAfter(current.attempts);
    const runAt = new Date(this.now() + delayMs).toISOString();
    return {
      outcome: 'retry_scheduled',
      changes: { status: 'queued', error: attempt.failure, runAt, leaseExpiresAt: null },
      releaseAfterMs: delayMs,
    };
  }

  private finish(
    status: 'succeeded' | 'failed' | 'cancelled' | 'dead_letter',
    changes: Partial<TaskRecord>,
  ): Decision {
    const finishedAt = new Date(this.now()).toISOString();
    return { outcome: status, changes: { ...changes, status, finishedAt, leaseExpiresAt: null } };
  }

  /**
   * Records the decision for the current state of the task, then completes or releases the
   * message. The record is written first, so a crash in between leaves a message whose next
   * delivery the record explains (dropped when final, run when due).
   */
  private async settle(
    task: TaskRecord,
    message: LeasedTaskMessage,
    decide: (current: TaskRecord) => Decision,
  ): Promise<TaskRunOutcome> {
    let current: TaskRecord | null = task;
    for (let round = 0; round < MAX_SETTLE_ROUNDS && current; round += 1) {
      if (isFinalStatus(current.status)) break;
      const decision = decide(current);
      const next = reviseTask(current, decision.changes, this.deps.clock, this.now());
      if (await this.deps.store.replace(next, current.version)) {
        await this.applyToQueue(message.receipt, decision);
        this.log(next, decision);
        return decision.outcome;
      }
      current = await this.deps.store.get(task.agentId, task.id);
    }
    await this.deps.queue.complete(message.receipt);
    return 'dropped';
  }

  private async applyToQueue(receipt: string, decision: Decision): Promise<void> {
    if (decision.releaseAfterMs === undefined) await this.deps.queue.complete(receipt);
    else await this.deps.queue.release(receipt, decision.releaseAfterMs);
  }

  private log(task: TaskRecord, decision: Decision): void {
    const fields = {
      taskId: task.id,
      agentId: task.agentId,
      type: task.type,
      attempt: task.attempts,
      outcome: decision.outcome,
      errorCode: task.error?.code,
    };
    if (decision.outcome === 'succeeded' || decision.outcome === 'cancelled') {
      this.deps.logger.info('Task finished.', fields);
    } else {
      this.deps.logger.warn('Task attempt failed.', fields);
    }
  }
}
