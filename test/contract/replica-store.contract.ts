import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entityOfChange, versionOfChange } from '../../lambdas/core/index.js';
import type {
  Change,
  ChangeQuery,
  FeedEntry,
  MemoryStore,
  ReplicaStore,
} from '../../lambdas/ports/index.js';
import { storedFile } from './file-store.contract.js';
import { agent, memoryRecord, searchDocument, versionAt } from './fixtures.js';
import { taskRecord } from './task-store.contract.js';

/** A fresh, empty store of one node and a way to dispose of it. */
export interface ReplicaStoreFixture {
  readonly store: ReplicaStore;
  /** The node's memory store, whose writes reach the change log like applied changes. */
  readonly memory: MemoryStore;
  /** Stores the tombstone purge horizon the way the adapter's purge does. */
  setPurgeHorizon(horizon: string): Promise<void>;
  dispose(): Promise<void>;
}

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

function memoryChange(id: string, step: number, node = 'node-a', deleted = false): Change {
  const record = memoryRecord({ id, content: `${id} at ${step}`, version: versionAt(step, node) });
  return { kind: 'memory', record: { ...record, deleted } };
}

function fileChange(name: string, content: Uint8Array, step: number, deleted = false): Change {
  const file = storedFile(name, content, { version: versionAt(step), deleted });
  return { kind: 'file', file, content };
}

/** One change of each kind at `step`, with content that differs per step. */
const CHANGE_OF_KIND: Record<Change['kind'], (step: number) => Change> = {
  memory: (step) => memoryChange('r1', step),
  document: (step) => ({
    kind: 'document',
    document: searchDocument({ id: 'd1', content: `at ${step}`, version: versionAt(step) }),
  }),
  agent: (step) => ({
    kind: 'agent',
    agent: { ...agent('agent-a', versionAt(step)), name: `${step}` },
  }),
  task: (step) => ({
    kind: 'task',
    task: taskRecord({ id: 't1', attempts: step, version: versionAt(step) }),
  }),
  file: (step) => fileChange('f.txt', bytes(`at ${step}`), step),
};

/** Returns a comparable form of a change: file content as hex, everything else as it is. */
function comparable(change: Change): unknown {
  if (change.kind !== 'file') return change;
  return { ...change, content: Buffer.from(change.content).toString('hex') };
}

const keyOf = (change: Change) => {
  const { agentId, id } = entityOfChange(change);
  return `${change.kind}/${agentId}/${id}`;
};
const idsOf = (entries: FeedEntry[]) => entries.map((entry) => entityOfChange(entry.change).id);

/** The behaviour every {@link ReplicaStore} adapter must show. */
export function describeReplicaStoreContract(
  adapter: string,
  create: () => Promise<ReplicaStoreFixture>,
): void {
  describe(`ReplicaStore contract: ${adapter}`, () => {
    let fixture: ReplicaStoreFixture;
    let store: ReplicaStore;

    const read = (query: Partial<ChangeQuery> = {}) =>
      store.readChanges({ after: 0, limit: 100, maxContentBytes: 1 << 20, ...query });

    /** Reads the feed from `after` to its end, page by page. */
    async function readAll(query: Partial<ChangeQuery> = {}) {
      const pages = [];
      let after = query.after ?? 0;
      for (let round = 0; round < 100; round += 1) {
        const page = await read({ ...query, after });
        pages.push(page);
        after = page.nextSeq;
        if (!page.more) return { pages, entries: pages.flatMap((each) => each.entries), after };
      }
      throw new Error('The feed did not end within 100 pages.');
    }

    /** Applies each change in a call of its own, so the log order is the order given. */
    async function applyEach(changes: Change[]) {
      const outcomes = [];
      for (const change of changes) outcomes.push(...(await store.applyChanges([change])));
      return outcomes;
    }

    beforeEach(async () => {
      fixture = await create();
      store = fixture.store;
    });
    afterEach(async () => fixture.dispose());

    it('has a fixed feed id of 16 hex digits', async () => {
      const feedId = await store.feedId();
      expect(feedId).toMatch(/^[0-9a-f]{16}$/);
      expect(await store.feedId()).toBe(feedId);
    });

    it('starts empty', async () => {
      expect(await store.headSeq()).toBe(0);
      expect(await read()).toEqual({ entries: [], nextSeq: 0, more: false, headSeq: 0 });
      expect(await store.countChanges({ after: 0 })).toBe(0);
    });

    it('serves changes in the order they were applied', async () => {
      await applyEach(['a', 'b', 'c'].map((id, index) => memoryChange(id, index + 1)));

      const page = await read();
      const seqs = page.entries.map((entry) => entry.seq);

      expect(idsOf(page.entries)).toEqual(['a', 'b', 'c']);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(3);
      expect(page.headSeq).toBe(seqs[2]);
      expect(page.nextSeq).toBe(page.headSeq);
    });

    it('moves a rewritten entity to the end', async () => {
      await applyEach([memoryChange('r1', 1), memoryChange('r2', 2), memoryChange('r1', 3)]);

      const page = await read();
      const versions = page.entries.map((entry) => versionOfChange(entry.change));

      expect(idsOf(page.entries)).toEqual(['r2', 'r1']);
      expect(versions).toEqual([versionAt(2), versionAt(3)]);
    });

    it('pages with nextSeq without gaps or repeats', async () => {
      await applyEach(['a', 'b', 'c', 'd', 'e'].map((id, index) => memoryChange(id, index + 1)));

      const { pages, entries, after } = await readAll({ limit: 2 });

      expect(pages.map((page) => page.entries.length)).toEqual([2, 2, 1]);
      expect(pages.map((page) => page.more)).toEqual([true, true, false]);
      expect(idsOf(entries)).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(after).toBe(await store.headSeq());
    });

    it('resumes after a seq', async () => {
      await applyEach([memoryChange('a', 1), memoryChange('b', 2)]);
      const first = await read();
      await applyEach([memoryChange('c', 3)]);

      const next = await read({ after: first.nextSeq });

      expect(idsOf(next.entries)).toEqual(['c']);
    });

    it('serves every write to a concurrent reader', async () => {
      const ids = Array.from({ length: 40 }, (_, index) => `w${String(index).padStart(2, '0')}`);
      const seen = new Map<string, string>();
      let after = 0;
      const readPage = async () => {
        const page = await read({ after, limit: 3 });
        for (const entry of page.entries)
          seen.set(keyOf(entry.change), versionOfChange(entry.change));
        after = page.nextSeq;
        return page;
      };
      let writing = true;
      const reader = (async () => {
        while (writing) await readPage();
      })();

      const queue = [...ids];
      const writer = async () => {
        for (let id = queue.shift(); id; id = queue.shift()) {
          await fixture.memory.put(memoryRecord({ id, version: versionAt(1, 'node-w') }));
        }
      };
      await Promise.all(Array.from({ length: 6 }, writer));
      writing = false;
      await reader;
      while ((await readPage()).more);

      expect([...seen.keys()].sort()).toEqual(ids.map((id) => `memory/agent-a/${id}`));
    });

    it('counts changes after a seq, also by origin', async () => {
      await applyEach([memoryChange('a', 1, 'node-a'), memoryChange('b', 2, 'node-b')]);
      await applyEach([memoryChange('c', 3, 'node-a')]);
      const firstSeq = (await read()).entries[0]?.seq ?? 0;

      expect(await store.countChanges({ after: 0 })).toBe(3);
      expect(await store.countChanges({ after: 0, onlyOrigin: 'node-a' })).toBe(2);
      expect(await store.countChanges({ after: firstSeq })).toBe(2);
      expect(await store.countChanges({ after: await store.headSeq() })).toBe(0);
    });

    it('filters by origin past skipped entries', async () => {
      await applyEach([
        memoryChange('a', 1, 'node-a'),
        memoryChange('b', 2, 'node-b'),
        memoryChange('c', 3, 'node-b'),
      ]);
      const head = await store.headSeq();

      const excluded = await read({ excludeOrigin: 'node-b' });
      const only = await read({ onlyOrigin: 'node-b' });
      const none = await read({ onlyOrigin: 'node-x' });

      expect(idsOf(excluded.entries)).toEqual(['a']);
      expect(excluded.nextSeq).toBe(head);
      expect(idsOf(only.entries)).toEqual(['b', 'c']);
      expect(only.entries.map((entry) => entry.origin)).toEqual(['node-b', 'node-b']);
      expect(none).toEqual({ entries: [], nextSeq: head, more: false, headSeq: head });
    });

    it.each(Object.keys(CHANGE_OF_KIND) as Change['kind'][])(
      'applies %s changes last-writer-wins',
      async (kind) => {
        const build = CHANGE_OF_KIND[kind];

        expect(await store.applyChanges([build(2)])).toEqual(['applied']);
        expect(await store.applyChanges([build(1)])).toEqual(['ignored']);
        expect(await store.applyChanges([build(2)])).toEqual(['ignored']);
        expect(await store.applyChanges([build(3)])).toEqual(['applied']);

        const page = await read();
        expect(page.entries.map((entry) => comparable(entry.change))).toEqual([
          comparable(build(3)),
        ]);
      },
    );

    it('ends equal for any apply order', async () => {
      const changes = [
        ...[1, 4, 2].map((step) => memoryChange('r1', step)),
        memoryChange('r2', 5, 'node-b', true),
        memoryChange('r2', 3, 'node-a'),
        ...[3, 1].map((step) => CHANGE_OF_KIND.task(step)),
        ...[2, 5].map((step) => CHANGE_OF_KIND.file(step)),
      ];
      await store.applyChanges(changes);
      const forward = (await readAll()).entries.map((entry) => entry.change);
      const other = await create();
      try {
        await other.store.applyChanges([...changes].reverse());
        await other.store.applyChanges(changes.slice(0, 3));
        const backward = (await readAllOf(other.store)).map((entry) => entry.change);

        expect(stateOf(backward)).toEqual(stateOf(forward));
        expect(stateOf(forward).size).toBe(4);
      } finally {
        await other.dispose();
      }
    });

    it('keeps a tombstone against an older write', async () => {
      const outcomes = await applyEach([
        memoryChange('r1', 5, 'node-a', true),
        memoryChange('r1', 4),
        fileChange('f.txt', new Uint8Array(0), 5, true),
        fileChange('f.txt', bytes('late'), 4),
      ]);

      const changes = (await read()).entries.map((entry) => entry.change);

      expect(outcomes).toEqual(['applied', 'ignored', 'applied', 'ignored']);
      expect(changes.map((change) => versionOfChange(change))).toEqual([
        versionAt(5),
        versionAt(5),
      ]);
      expect(changes[0]).toMatchObject({ kind: 'memory', record: { deleted: true } });
      expect(changes[1]).toMatchObject({ kind: 'file', file: { deleted: true } });
      expect(changes[1]).toMatchObject({ content: new Uint8Array(0) });
    });

    it('reports expired below the purge horizon', async () => {
      await applyEach([memoryChange('kept', 2)]);
      await fixture.setPurgeHorizon(versionAt(10));

      const outcomes = await applyEach([
        memoryChange('purged', 5),
        memoryChange('kept', 6),
        memoryChange('fresh', 11),
      ]);

      expect(outcomes).toEqual(['expired', 'applied', 'applied']);
      expect(idsOf((await read()).entries)).toEqual(['kept', 'fresh']);
    });

    it('reports conflict for a taken idempotency key', async () => {
      const first = taskRecord({ id: 't1', idempotencyKey: 'key-1', version: versionAt(1) });
      const second = taskRecord({ id: 't2', idempotencyKey: 'key-1', version: versionAt(2) });

      const outcomes = await applyEach([
        { kind: 'task', task: first },
        { kind: 'task', task: second },
      ]);

      expect(outcomes).toEqual(['applied', 'conflict']);
      expect(idsOf((await read()).entries)).toEqual(['t1']);
    });

    it('serves file content with its entry', async () => {
      const content = new Uint8Array([0, 1, 2, 0xff, 0x0a]);
      await applyEach([fileChange('data.bin', content, 1)]);

      const change = (await read()).entries[0]?.change;

      expect(change?.kind).toBe('file');
      expect(comparable(change as Change)).toMatchObject({ content: '000102ff0a' });
    });

    it('ends a page before the file content budget', async () => {
      await applyEach([
        fileChange('a.bin', new Uint8Array(400), 1),
        fileChange('b.bin', new Uint8Array(400), 2),
        fileChange('c.bin', new Uint8Array(400), 3),
        fileChange('d.bin', new Uint8Array(2000), 4),
        memoryChange('r1', 5),
      ]);

      const { pages } = await readAll({ maxContentBytes: 1000 });

      expect(pages.map((page) => idsOf(page.entries))).toEqual([
        ['a.bin', 'b.bin'],
        ['c.bin'],
        ['d.bin'],
        ['r1'],
      ]);
    });

    it('logs local memory writes', async () => {
      const record = memoryRecord({ id: 'local', version: versionAt(7, 'node-l') });
      await fixture.memory.put(record);

      const entries = (await read()).entries;

      expect(entries.map((entry) => entry.origin)).toEqual(['node-l']);
      expect(entries[0]?.change).toEqual({ kind: 'memory', record });
    });

    it('stores state values by name', async () => {
      expect(await store.readState('pull:upstream')).toBeNull();

      await store.writeState('pull:upstream', '0123456789abcdef.4');
      await store.writeState('drain:upstream', '7');
      await store.writeState('pull:upstream', '0123456789abcdef.9');

      expect(await store.readState('pull:upstream')).toBe('0123456789abcdef.9');
      expect(await store.readState('drain:upstream')).toBe('7');
    });
  });
}

/** Reads the whole feed of `store`. */
async function readAllOf(store: ReplicaStore): Promise<FeedEntry[]> {
  const entries: FeedEntry[] = [];
  let after = 0;
  for (let round = 0; round < 100; round += 1) {
    const page = await store.readChanges({ after, limit: 100, maxContentBytes: 1 << 20 });
    entries.push(...page.entries);
    after = page.nextSeq;
    if (!page.more) return entries;
  }
  throw new Error('The feed did not end within 100 pages.');
}

/** Returns the served state of each entity, keyed by kind, agent and id. */
function stateOf(changes: Change[]): Map<string, unknown> {
  return new Map(changes.map((change) => [keyOf(change), comparable(change)]));
}
