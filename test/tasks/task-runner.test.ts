import type { Database } from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createEchoTask,
  createIdGenerator,
  idForIdempotencyKey,
  HybridLogicalClock,
  IdempotencyKeyReusedError,
  LimitExceededError,
  RetryBackoff,
  TaskAttemptError,
  TaskFinishedError,
  TaskInputError,
  TaskRunner,
  TaskService,
  TaskTypeRegistry,
  UnknownTaskTypeError,
  type TaskHandler,
} from '../../lambdas/core/index.js';
import type { JsonValue, TaskRecord } from '../../lambdas/ports/index.js';
import { toAppLogger } from '../../local-fallback/logging/index.js';
import {
  openDatabase,
  SqliteTaskQueue,
  SqliteTaskStore,
} from '../../local-fallback/storage/index.js';

const AGENT = 'agent-a';
const BACKOFF = { initialDelayMs: 1000, maxDelayMs: 60_000 };

/** Creates a test task type whose attempts run `behaviour`. */
function taskType(
  type: string,
  behaviour: (attempt: number, signal: AbortSignal) => Promise<JsonValue>,
  timeoutMs = 5000,
): TaskHandler {
  return {
    type,
    timeoutMs,
    validateInput: () => undefined,
    run: (_input, context) => behaviour(context.attempt, context.signal),
  };
}

/** Resolves when `signal` aborts, so an attempt runs until it is timed out or cancelled. */
const untilAborted = (_attempt: number, signal: AbortSignal) =>
  new Promise<JsonValue>((_resolve, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason)),
  );

describe('TaskService and TaskRunner', () => {
  let db: Database;
  let now: number;
  let store: SqliteTaskStore;
  let queue: SqliteTaskQueue;
  let service: TaskService;
  let runner: TaskRunner;

  beforeEach(() => {
    db = openDatabase(':memory:');
    now = Date.parse('2026-06-01T12:00:00Z');
    const clock = new HybridLogicalClock('test', () => now);
    const types = new TaskTypeRegistry()
      .register(createEchoTask())
      .register(taskType('broken', async () => Promise.reject(new Error('target down'))))
      .register(
        taskType('flaky', async (attempt) => {
          if (attempt < 3) throw new TaskAttemptError('flaky_failure', `attempt ${attempt}`);
          return { attempt };
        }),
      )
      .register(
        taskType('rejecting', async () => {
          throw new TaskAttemptError('bad_request', 'never works', { retryable: false });
        }),
      )
      .register(taskType('slow', untilAborted, 100))
      .register(taskType('waits', untilAborted, 30_000));
    store = new SqliteTaskStore(db);
    queue = new SqliteTaskQueue(db, { now: () => now });
    const deps = { store, queue, types, clock, now: () => now };
    service = new TaskService({
      ...deps,
      ids: createIdGenerator(),
      limits: { maxUnfinishedPerAgent: 3 },
    });
    runner = new TaskRunner({
      ...deps,
      logger: toAppLogger(pino({ level: 'silent' })),
      backoff: new RetryBackoff(BACKOFF),
      cancelPollMs: 10,
    });
  });
  afterEach(() => db.close());

  const submit = (type: string, input: JsonValue = null, extra = {}) =>
    service.submit(AGENT, { type, input, ...extra });
  /** Receives the next visible message and processes it. */
  const processNext = async () => {
    const [message] = await queue.receive(1, 10_000);
    if (!message) throw new Error('No visible message.');
    return runner.process(message);
  };
  const reload = async (task: TaskRecord) => (await store.get(AGENT, task.id))!;

  describe('submit', () => {
    it('returns the first task for a repeated idempotency key', async () => {
      const first = await submit('echo', { n: 1 }, { idempotencyKey: 'k1' });
      const again = await submit('echo', { n: 1 }, { idempotencyKey: 'k1' });
      expect(first.created).toBe(true);
      expect(again.created).toBe(false);
      expect(again.task.id).toBe(first.task.id);
      expect((await service.list(AGENT, undefined, 10, null)).items).toHaveLength(1);
      expect(await queue.receive(10, 1000)).toHaveLength(1);
    });

    it('derives the task id from the key', async () => {
      const { task } = await submit('echo', { n: 1 }, { idempotencyKey: 'k1' });

      // Any node computes the same id for this agent and key, so a retry there is this task.
      expect(task.id).toBe(idForIdempotencyKey(AGENT, 'task', 'k1'));
      expect(task.id).not.toBe(idForIdempotencyKey(AGENT, 'memory', 'k1'));
    });

    it('matches a repeated input regardless of key order', async () => {
      const first = await submit('echo', { a: 1, b: [1, 2] }, { idempotencyKey: 'k1' });
      const again = await submit('echo', { b: [1, 2], a: 1 }, { idempotencyKey: 'k1' });
      expect(again.task.id).toBe(first.task.id);
    });

    it.each([
      ['another input', 'echo', { n: 2 }],
      ['another type', 'broken', { n: 1 }],
    ])('rejects a reused key with %s', async (_case, type, input) => {
      await submit('echo', { n: 1 }, { idempotencyKey: 'k1' });
      await expect(submit(type, input, { idempotencyKey: 'k1' })).rejects.toBeInstanceOf(
        IdempotencyKeyReusedError,
      );
    });

    it('rejects a task past the per-agent limit', async () => {
      for (let i = 0; i < 3; i += 1) await submit('echo', i);
      const attempt = submit('echo', 4);
      await expect(attempt).rejects.toBeInstanceOf(LimitExceededError);
      await expect(attempt).rejects.toMatchObject({
        status: 429,
        code: 'task_limit_exceeded',
        retryAfterSeconds: 5,
      });
      expect((await service.list(AGENT, undefined, 10, null)).items).toHaveLength(3);
    });

    it('counts the limit per agent', async () => {
      for (let i = 0; i < 3; i += 1) await submit('echo', i);
      const other = await service.submit('agent-b', { type: 'echo', input: 1 });
      expect(other.created).toBe(true);
    });

    it('rejects an unknown type', async () => {
      await expect(submit('nope')).rejects.toBeInstanceOf(UnknownTaskTypeError);
    });

    it('rejects input the type does not accept', async () => {
      await expect(submit('echo', { delay_ms: -1 })).rejects.toBeInstanceOf(TaskInputError);
      expect((await service.list(AGENT, undefined, 10, null)).items).toHaveLength(0);
    });
  });

  describe('process', () => {
    it('runs a task to success', async () => {
      const { task } = await submit('echo', { hello: 'world' });
      expect(await processNext()).toBe('succeeded');
      const done = await reload(task);
      expect(done).toMatchObject({ status: 'succeeded', attempts: 1, result: { hello: 'world' } });
      expect(done.finishedAt).not.toBeNull();
      now += 60_000;
      expect(await queue.receive(10, 1000)).toEqual([]);
    });

    it('retries with growing backoff, then dead-letters', async () => {
      const { task } = await submit('broken', null, { maxAttempts: 3 });
      const bounds = [
        [500, 1000],
        [1000, 2000],
      ];
      for (const [low, high] of bounds) {
        expect(await processNext()).toBe('retry_scheduled');
        const waiting = await reload(task);
        const delay = Date.parse(waiting.runAt) - now;
        expect(waiting.status).toBe('queued');
        expect(delay).toBeGreaterThanOrEqual(low!);
        expect(delay).toBeLessThan(high!);
        now += delay - 1;
        expect(await queue.receive(10, 1000)).toEqual([]);
        now += 1;
      }
      expect(await processNext()).toBe('dead_letter');
      const dead = await reload(task);
      expect(dead).toMatchObject({ status: 'dead_letter', attempts: 3 });
      expect(dead.error).toEqual({ code: 'task_error', message: 'target down' });
    });

    it('succeeds on a later attempt', async () => {
      const { task } = await submit('flaky');
      for (let attempt = 1; attempt < 3; attempt += 1) {
        expect(await processNext()).toBe('retry_scheduled');
        now += 60_000;
      }
      expect(await processNext()).toBe('succeeded');
      expect(await reload(task)).toMatchObject({ status: 'succeeded', attempts: 3, error: null });
    });

    it('fails at once on an error that is not retryable', async () => {
      const { task } = await submit('rejecting');
      expect(await processNext()).toBe('failed');
      const failed = await reload(task);
      expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
      expect(failed.error?.code).toBe('bad_request');
    });

    it('times out an attempt and schedules a retry', async () => {
      const { task } = await submit('slow');
      expect(await processNext()).toBe('retry_scheduled');
      expect((await reload(task)).error).toEqual({
        code: 'task_timed_out',
        message: 'The attempt did not finish within 100 ms.',
      });
    });

    it('waits for run_at before running', async () => {
      const { task } = await submit('echo', 1, { runAtMs: now + 5000 });
      expect(await queue.receive(10, 1000)).toEqual([]);
      // A queue that delivers early (SQS caps delays at 15 minutes) gets the message back.
      await queue.enqueue({ agentId: AGENT, taskId: `${task.id}-early` }, 0);
      await store.create({ ...task, id: `${task.id}-early`, idempotencyKey: null }, 10);
      expect(await processNext()).toBe('deferred');
      now += 4999;
      expect(await queue.receive(10, 1000)).toEqual([]);
      now += 1;
      const ids = (await queue.receive(10, 1000)).map((message) => message.taskId).sort();
      expect(ids).toEqual([task.id, `${task.id}-early`]);
    });

    it('runs an interrupted attempt again', async () => {
      const { task } = await submit('echo', 'again');
      const [message] = await queue.receive(1, 10_000);
      await simulateInterruptedAttempt(task, 1);
      now += 10_000;
      expect(await runner.process({ ...message!, receipt: 'stale' })).toBe('succeeded');
      expect(await reload(task)).toMatchObject({ status: 'succeeded', attempts: 2 });
    });

    it('dead-letters a task whose last attempt was interrupted', async () => {
      const { task } = await submit('echo', 'once', { maxAttempts: 1 });
      await queue.receive(1, 1000);
      await simulateInterruptedAttempt(task, 1);
      now += 10_000;
      expect(await processNext()).toBe('dead_letter');
      expect((await reload(task)).error?.code).toBe('attempt_interrupted');
    });

    it('postpones a duplicate delivery while another worker holds the lease', async () => {
      const { task } = await submit('echo');
      await simulateInterruptedAttempt(task, 1, now + 20_000);
      expect(await processNext()).toBe('deferred');
      expect((await reload(task)).attempts).toBe(1);
    });

    it('drops the message of a finished task', async () => {
      const { task } = await submit('echo');
      expect(await processNext()).toBe('succeeded');
      await queue.enqueue({ agentId: AGENT, taskId: task.id }, 0);
      expect(await processNext()).toBe('dropped');
      expect(await queue.receive(10, 1000)).toEqual([]);
    });

    /** Marks the task running with `attempts`, as a worker that died mid-attempt leaves it. */
    async function simulateInterruptedAttempt(task: TaskRecord, attempts: number, leaseMs = now) {
      const current = await reload(task);
      const running = {
        ...current,
        status: 'running' as const,
        attempts,
        leaseExpiresAt: new Date(leaseMs).toISOString(),
        version: `${current.version}x`,
      };
      expect(await store.replace(running, current.version)).toBe(true);
    }
  });

  describe('cancel', () => {
    it('cancels a queued task and removes its message', async () => {
      const { task } = await submit('echo');
      const cancelled = await service.cancel(AGENT, task.id);
      expect(cancelled).toMatchObject({ status: 'cancelled', cancelRequested: false });
      expect(cancelled.finishedAt).not.toBeNull();
      expect(await queue.receive(10, 1000)).toEqual([]);
    });

    it('stops a running attempt', async () => {
      const { task } = await submit('waits');
      const processing = processNext();
      await until(async () => (await reload(task)).status === 'running');

      const requested = await service.cancel(AGENT, task.id);
      expect(requested).toMatchObject({ status: 'running', cancelRequested: true });
      expect(await processing).toBe('cancelled');
      expect(await reload(task)).toMatchObject({ status: 'cancelled', attempts: 1 });
    });

    it('returns a cancelled task unchanged', async () => {
      const { task } = await submit('echo');
      const first = await service.cancel(AGENT, task.id);
      expect(await service.cancel(AGENT, task.id)).toEqual(first);
    });

    it('rejects cancelling a finished task', async () => {
      const { task } = await submit('echo');
      await processNext();
      await expect(service.cancel(AGENT, task.id)).rejects.toBeInstanceOf(TaskFinishedError);
      expect((await reload(task)).status).toBe('succeeded');
    });
  });

  describe('requeueStale', () => {
    it('enqueues a queued task that lost its message', async () => {
      const { task } = await submit('echo');
      await queue.cancel({ agentId: AGENT, taskId: task.id });
      now += 61_000;
      expect(await service.requeueStale(60_000)).toBe(1);
      expect((await queue.receive(10, 1000)).map((message) => message.taskId)).toEqual([task.id]);
    });

    it('leaves recent tasks alone', async () => {
      await submit('echo');
      await queue.receive(10, 1000);
      now += 1000;
      expect(await service.requeueStale(60_000)).toBe(0);
    });
  });
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('Condition not met within 5 s.');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
