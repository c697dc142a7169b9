import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryStore } from '../../lambdas/ports/index.js';
import { memoryRecord, T0, versionAt } from './fixtures.js';

/** A fresh, empty store and a way to dispose of it. */
export interface MemoryStoreFixture {
  readonly store: MemoryStore;
  dispose(): Promise<void>;
}

/** The behaviour every {@link MemoryStore} adapter must show. */
export function describeMemoryStoreContract(
  adapter: string,
  create: () => Promise<MemoryStoreFixture>,
): void {
  describe(`MemoryStore contract: ${adapter}`, () => {
    let fixture: MemoryStoreFixture;
    let store: MemoryStore;

    beforeEach(async () => {
      fixture = await create();
      store = fixture.store;
    });
    afterEach(async () => fixture.dispose());

    it('returns a stored record unchanged', async () => {
      const record = memoryRecord({ id: 'r1', metadata: { topic: 'food', stars: 4, ok: true } });
      await store.put(record);
      expect(await store.get('agent-a', 'r1', T0)).toEqual(record);
    });

    it('returns null for an unknown id', async () => {
      expect(await store.get('agent-a', 'missing', T0)).toBeNull();
    });

    it('keeps a newer version when an older one arrives later', async () => {
      await store.put(memoryRecord({ id: 'r1', content: 'new', version: versionAt(5) }));
      const result = await store.put(
        memoryRecord({ id: 'r1', content: 'old', version: versionAt(2) }),
      );
      expect(result.applied).toBe(false);
      expect(result.current.content).toBe('new');
    });

    it('ignores a repeated write of the same version', async () => {
      const record = memoryRecord({ id: 'r1', version: versionAt(3) });
      await store.put(record);
      const again = await store.put(record);
      expect(again.applied).toBe(false);
      expect(again.current).toEqual(record);
    });

    it('breaks version ties by node id', async () => {
      await store.put(
        memoryRecord({ id: 'r1', content: 'from b', version: versionAt(3, 'node-b') }),
      );
      await store.put(
        memoryRecord({ id: 'r1', content: 'from a', version: versionAt(3, 'node-a') }),
      );
      expect((await store.get('agent-a', 'r1', T0))?.content).toBe('from b');
    });

    it('hides a tombstone from reads', async () => {
      await store.put(memoryRecord({ id: 'r1', version: versionAt(1) }));
      await store.put(memoryRecord({ id: 'r1', version: versionAt(2), deleted: true }));
      expect(await store.get('agent-a', 'r1', T0)).toBeNull();
    });

    it('keeps a tombstone against an older write', async () => {
      await store.put(memoryRecord({ id: 'r1', version: versionAt(5), deleted: true }));
      const late = await store.put(memoryRecord({ id: 'r1', version: versionAt(4) }));
      expect(late.applied).toBe(false);
      expect(await store.get('agent-a', 'r1', T0)).toBeNull();
    });

    it('hides an expired record', async () => {
      const expiresAt = new Date(T0 + 1000).toISOString();
      await store.put(memoryRecord({ id: 'r1', expiresAt }));
      expect(await store.get('agent-a', 'r1', T0 + 999)).not.toBeNull();
      expect(await store.get('agent-a', 'r1', T0 + 1000)).toBeNull();
    });

    it('finds a record by key', async () => {
      await store.put(memoryRecord({ id: 'r1', key: 'favourite/colour', value: { hue: 'blue' } }));
      const found = await store.getByKey('agent-a', 'favourite/colour', T0);
      expect(found?.id).toBe('r1');
      expect(found?.value).toEqual({ hue: 'blue' });
    });

    it('keeps agents apart', async () => {
      await store.put(memoryRecord({ id: 'r1', agentId: 'agent-a', key: 'k' }));
      expect(await store.get('agent-b', 'r1', T0)).toBeNull();
      expect(await store.getByKey('agent-b', 'k', T0)).toBeNull();
      const page = await store.list('agent-b', {}, { limit: 10, after: null }, T0);
      expect(page.items).toEqual([]);
      expect(await store.count('agent-b', T0)).toBe(0);
    });

    it('lists in id order with pages', async () => {
      for (const id of ['r3', 'r1', 'r2']) await store.put(memoryRecord({ id }));
      const first = await store.list('agent-a', {}, { limit: 2, after: null }, T0);
      expect(first.items.map((record) => record.id)).toEqual(['r1', 'r2']);
      expect(first.more).toBe(true);
      const second = await store.list('agent-a', {}, { limit: 2, after: 'r2' }, T0);
      expect(second.items.map((record) => record.id)).toEqual(['r3']);
      expect(second.more).toBe(false);
    });

    it.each([
      ['user id', { userId: 'user-2' }, ['r2']],
      ['session id', { sessionId: 's1' }, ['r1']],
      ['key prefix', { keyPrefix: 'pref/' }, ['r1', 'r3']],
    ])('lists by %s', async (_name, filter, expected) => {
      await store.put(memoryRecord({ id: 'r1', sessionId: 's1', key: 'pref/a' }));
      await store.put(memoryRecord({ id: 'r2', userId: 'user-2', key: 'other' }));
      await store.put(memoryRecord({ id: 'r3', key: 'pref/b' }));
      const page = await store.list('agent-a', filter, { limit: 10, after: null }, T0);
      expect(page.items.map((record) => record.id)).toEqual(expected);
    });

    it('leaves tombstones and expired records out of lists and counts', async () => {
      await store.put(memoryRecord({ id: 'r1' }));
      await store.put(memoryRecord({ id: 'r2', deleted: true }));
      await store.put(memoryRecord({ id: 'r3', expiresAt: new Date(T0 - 1).toISOString() }));
      const page = await store.list('agent-a', {}, { limit: 10, after: null }, T0);
      expect(page.items.map((record) => record.id)).toEqual(['r1']);
      expect(await store.count('agent-a', T0)).toBe(1);
    });

    it('treats a key prefix literally', async () => {
      await store.put(memoryRecord({ id: 'r1', key: 'a%b' }));
      await store.put(memoryRecord({ id: 'r2', key: 'axb' }));
      const page = await store.list('agent-a', { keyPrefix: 'a%' }, { limit: 10, after: null }, T0);
      expect(page.items.map((record) => record.id)).toEqual(['r1']);
    });
  });
}
