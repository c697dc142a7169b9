import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskRecord, TaskStore } from '../../lambdas/ports/index.js';
import { T0, versionAt } from './fixtures.js';

/** A fresh, empty store and a way to dispose of it. */
export interface TaskStoreFixture {
  readonly store: TaskStore;
  dispose(): Promise<void>;
}

/** Builds a queued task with defaults for every field not given. */
export function taskRecord(overrides: Partial<TaskRecord> & { id: string }): TaskRecord {
  const at = new Date(T0).toISOString();
  return {
    agentId: 'agent-a',
    type: 'echo',
    input: { text: `input of ${overrides.id}` },
    status: 'queued',
    attempts: 0,
    maxAttempts: 3,
    result: null,
    error: null,
    idempotencyKey: null,
    runAt: at,
    cancelRequested: false,
    leaseExpiresAt: null,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    finishedAt: null,
    version: versionAt(1),
    ...overrides,
  };
}

const NO_LIMIT = 1000;

/** The behaviour every {@link TaskStore} adapter must show. */
export function describeTaskStoreContract(
  adapter: string,
  create: () => Promise<TaskStoreFixture>,
): void {
  describe(`TaskStore contract: ${adapter}`, () => {
    let fixture: TaskStoreFixture;
    let store: TaskStore;
    const ids = (tasks: TaskRecord[]) => tasks.map((task) => task.id);

    beforeEach(async () => {
      fixture = await create();
      store = fixture.store;
    });
    afterEach(async () => fixture.dispose());

    it('returns a created task unchanged', async () => {
      const task = taskRecord({ id: 't1', input: { nested: [1, 'two', null] } });
      expect(await store.create(task, NO_LIMIT)).toEqual({ outcome: 'created', task });
      expect(await store.get('agent-a', 't1')).toEqual(task);
    });

    it('returns null for an unknown id', async () => {
      expect(await store.get('agent-a', 'missing')).toBeNull();
    });

    it('returns the first task for a repeated idempotency key', async () => {
      const first = taskRecord({ id: 't1', idempotencyKey: 'k' });
      await store.create(first, NO_LIMIT);
      const result = await store.create(taskRecord({ id: 't2', idempotencyKey: 'k' }), NO_LIMIT);
      expect(result).toEqual({ outcome: 'duplicate', task: first });
      expect(await store.get('agent-a', 't2')).toBeNull();
    });

    it('scopes idempotency keys to one agent', async () => {
      await store.create(taskRecord({ id: 't1', idempotencyKey: 'k' }), NO_LIMIT);
      const other = taskRecord({ id: 't2', agentId: 'agent-b', idempotencyKey: 'k' });
      expect((await store.create(other, NO_LIMIT)).outcome).toBe('created');
    });

    it('rejects a task past the unfinished limit', async () => {
      await store.create(taskRecord({ id: 't1' }), 2);
      await store.create(taskRecord({ id: 't2', status: 'running' }), 2);
      const result = await store.create(taskRecord({ id: 't3' }), 2);
      expect(result).toEqual({ outcome: 'limit_reached', unfinished: 2 });
      expect(await store.get('agent-a', 't3')).toBeNull();
    });

    it('leaves finished tasks out of the limit', async () => {
      await store.create(taskRecord({ id: 't1', status: 'succeeded' }), 1);
      await store.create(taskRecord({ id: 't2', status: 'dead_letter' }), 1);
      expect((await store.create(taskRecord({ id: 't3' }), 1)).outcome).toBe('created');
    });

    it('returns a duplicate even at the limit', async () => {
      await store.create(taskRecord({ id: 't1', idempotencyKey: 'k' }), 1);
      const again = await store.create(taskRecord({ id: 't2', idempotencyKey: 'k' }), 1);
      expect(again.outcome).toBe('duplicate');
    });

    it('replaces a task whose version matches', async () => {
      await store.create(taskRecord({ id: 't1', version: versionAt(1) }), NO_LIMIT);
      const running = taskRecord({ id: 't1', status: 'running', version: versionAt(2) });
      expect(await store.replace(running, versionAt(1))).toBe(true);
      expect(await store.get('agent-a', 't1')).toEqual(running);
    });

    it('keeps a task whose version differs', async () => {
      await store.create(taskRecord({ id: 't1', version: versionAt(3) }), NO_LIMIT);
      const stale = taskRecord({ id: 't1', status: 'cancelled', version: versionAt(4) });
      expect(await store.replace(stale, versionAt(2))).toBe(false);
      expect((await store.get('agent-a', 't1'))?.status).toBe('queued');
    });

    it('replaces nothing for an unknown task', async () => {
      expect(await store.replace(taskRecord({ id: 'nope' }), versionAt(1))).toBe(false);
    });

    it('lists in id order with pages', async () => {
      for (const id of ['t3', 't1', 't2']) await store.create(taskRecord({ id }), NO_LIMIT);
      const first = await store.list('agent-a', {}, { limit: 2, after: null });
      expect(ids(first.items)).toEqual(['t1', 't2']);
      expect(first.more).toBe(true);
      const second = await store.list('agent-a', {}, { limit: 2, after: 't2' });
      expect(ids(second.items)).toEqual(['t3']);
      expect(second.more).toBe(false);
    });

    it('lists by status', async () => {
      await store.create(taskRecord({ id: 't1', status: 'succeeded' }), NO_LIMIT);
      await store.create(taskRecord({ id: 't2' }), NO_LIMIT);
      await store.create(taskRecord({ id: 't3', status: 'succeeded' }), NO_LIMIT);
      const page = await store.list('agent-a', { status: 'succeeded' }, { limit: 10, after: null });
      expect(ids(page.items)).toEqual(['t1', 't3']);
    });

    it('keeps agents apart', async () => {
      await store.create(taskRecord({ id: 't1', agentId: 'agent-a' }), NO_LIMIT);
      expect(await store.get('agent-b', 't1')).toBeNull();
      const page = await store.list('agent-b', {}, { limit: 10, after: null });
      expect(page.items).toEqual([]);
    });

    it('lists stale tasks of every agent, oldest first', async () => {
      const at = (ms: number) => new Date(T0 + ms).toISOString();
      const create = (overrides: Partial<TaskRecord> & { id: string }) =>
        store.create(taskRecord({ runAt: at(0), ...overrides }), NO_LIMIT);
      await create({ id: 't1', updatedAt: at(300) });
      await create({ id: 't2', updatedAt: at(100), agentId: 'agent-b' });
      await create({ id: 't3', updatedAt: at(200), status: 'running', leaseExpiresAt: at(400) });
      await create({ id: 't4', updatedAt: at(50), status: 'failed' });
      await create({ id: 't5', updatedAt: at(900) });
      await create({ id: 't6', updatedAt: at(10), runAt: at(600) });
      await create({ id: 't7', updatedAt: at(20), status: 'running', leaseExpiresAt: at(700) });

      expect(ids(await store.listStale(at(500), 10))).toEqual(['t2', 't3', 't1']);
      expect(ids(await store.listStale(at(500), 1))).toEqual(['t2']);
    });
  });
}
