import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createReplicatedStores,
  type ReplicatedStores,
  versionOfChange,
} from '../../lambdas/core/index.js';
import type { Change, MemoryRecord, MemoryStore } from '../../lambdas/ports/index.js';
import {
  DiskFileStore,
  openDatabase,
  SqliteAgentRegistry,
  SqliteMemoryStore,
  SqliteSearchIndex,
  SqliteTaskStore,
} from '../../local-fallback/storage/index.js';
import { storedFile } from '../contract/file-store.contract.js';
import { agent, memoryRecord, searchDocument, versionAt } from '../contract/fixtures.js';
import { taskRecord } from '../contract/task-store.contract.js';
import { MemoryChangeLog } from './support/memory-change-log.js';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/** Memory store that fails every put of one record id, as a dependency outage would. */
class FailingMemoryStore extends SqliteMemoryStore {
  constructor(
    db: Database,
    private readonly failingId: string,
  ) {
    super(db);
  }

  override async put(record: MemoryRecord) {
    if (record.id === this.failingId) throw new Error(`put of ${record.id} failed`);
    return super.put(record);
  }
}

describe('replica store over ports', () => {
  let db: Database;
  let dir: string;
  let files: DiskFileStore;
  let stores: ReplicatedStores;

  function build(memoryStore: MemoryStore = new SqliteMemoryStore(db)) {
    return createReplicatedStores({
      changeLog: new MemoryChangeLog(),
      memoryStore,
      searchIndex: new SqliteSearchIndex(db),
      agentRegistry: new SqliteAgentRegistry(db),
      taskStore: new SqliteTaskStore(db),
      fileStore: files,
    });
  }

  const readAll = () =>
    stores.replicaStore.readChanges({ after: 0, limit: 100, maxContentBytes: 1 << 20 });

  beforeEach(() => {
    db = openDatabase(':memory:', { synchronous: 'NORMAL' });
    dir = mkdtempSync(join(tmpdir(), 'happy-ports-replica-'));
    files = new DiskFileStore({ root: join(dir, 'files') });
    stores = build();
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes one entity to the plain ports, never appended, as when a crash came in between. */
  const unloggedWrites: Record<string, () => Promise<Change>> = {
    memory: async () => {
      const record = memoryRecord({ id: 'r1', version: versionAt(3) });
      await new SqliteMemoryStore(db).put(record);
      return { kind: 'memory', record };
    },
    agent: async () => {
      const stored = agent('agent-a', versionAt(3));
      await new SqliteAgentRegistry(db).create(stored);
      return { kind: 'agent', agent: stored };
    },
    task: async () => {
      const task = taskRecord({ id: 't1', version: versionAt(3) });
      await new SqliteTaskStore(db).create(task, 10);
      return { kind: 'task', task };
    },
    file: async () => {
      const content = bytes('kept');
      const file = storedFile('f.txt', content, { version: versionAt(3) });
      await files.put(file, content);
      return { kind: 'file', file, content };
    },
  };

  it.each(Object.keys(unloggedWrites))('repairs a %s entry a crash left out', async (kind) => {
    const change = await unloggedWrites[kind]!();

    const outcomes = await stores.replicaStore.applyChanges([change]);
    const logged = (await readAll()).entries.map((entry) => versionOfChange(entry.change));

    expect(outcomes).toEqual(['ignored']);
    expect(logged).toEqual([versionAt(3)]);
  });

  it('serves the newer file the store keeps', async () => {
    const old = storedFile('f.txt', bytes('old'), { version: versionAt(1) });
    await stores.fileStore.put(old, bytes('old'));
    const newer = storedFile('f.txt', bytes('newer'), { version: versionAt(2) });
    await files.put(newer, bytes('newer'));

    const change = (await readAll()).entries[0]?.change as Extract<Change, { kind: 'file' }>;

    expect(change.file).toEqual(newer);
    expect(Buffer.from(change.content).toString('utf8')).toBe('newer');
  });

  it('leaves out a file deleted since its entry', async () => {
    const live = storedFile('f.txt', bytes('live'), { version: versionAt(1) });
    await stores.fileStore.put(live, bytes('live'));
    const tombstone = storedFile('f.txt', new Uint8Array(0), {
      version: versionAt(2),
      deleted: true,
    });
    await files.put(tombstone, new Uint8Array(0));

    const page = await readAll();

    expect(page.entries).toEqual([]);
    expect(page.nextSeq).toBe(1);
  });

  it('raises the error of a failed apply', async () => {
    stores = build(new FailingMemoryStore(db, 'bad'));
    const changes: Change[] = [
      { kind: 'memory', record: memoryRecord({ id: 'good' }) },
      { kind: 'memory', record: memoryRecord({ id: 'bad' }) },
    ];

    await expect(stores.replicaStore.applyChanges(changes)).rejects.toThrow('put of bad failed');
  });

  it('appends local writes of every port', async () => {
    const task = taskRecord({ id: 't1', version: versionAt(1) });
    await stores.memoryStore.put(memoryRecord({ id: 'r1', version: versionAt(1) }));
    await stores.searchIndex.indexDocuments([searchDocument({ id: 'd1' })]);
    await stores.agentRegistry.create(agent('agent-a', versionAt(1)));
    await stores.agentRegistry.update(agent('agent-a', versionAt(2)));
    await stores.taskStore.create(task, 10);
    await stores.taskStore.replace({ ...task, version: versionAt(2) }, task.version);
    await stores.fileStore.put(storedFile('f.txt', bytes('x')), bytes('x'));

    const versions = (await readAll()).entries.map((entry) => [
      entry.change.kind,
      versionOfChange(entry.change),
    ]);

    expect(versions).toEqual([
      ['memory', versionAt(1)],
      ['document', versionAt(1)],
      ['agent', versionAt(2)],
      ['task', versionAt(2)],
      ['file', versionAt(1)],
    ]);
  });

  it('leaves failed compare-and-set writes out of the log', async () => {
    const task = taskRecord({ id: 't1', version: versionAt(1) });
    await stores.taskStore.create(task, 10);

    const replaced = await stores.taskStore.replace({ ...task, version: versionAt(3) }, 'other');
    const logged = (await readAll()).entries.map((entry) => versionOfChange(entry.change));

    expect(replaced).toBe(false);
    expect(logged).toEqual([versionAt(1)]);
  });
});
