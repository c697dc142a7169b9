import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createReplicatedStores,
  PURGE_HORIZON_STATE as PORTS_PURGE_STATE,
} from '../../lambdas/core/index.js';
import { openDatabase } from '../../local-fallback/storage/database.js';
import {
  DiskFileStore,
  PURGE_HORIZON_STATE,
  SqliteAgentRegistry,
  SqliteMemoryStore,
  SqliteSearchIndex,
  SqliteTaskQueue,
  SqliteTaskStore,
} from '../../local-fallback/storage/index.js';
import { describeAgentRegistryContract } from './agent-registry.contract.js';
import { describeMemoryStoreContract } from './memory-store.contract.js';
import { describeSearchIndexContract } from './search-index.contract.js';
import { describeTaskQueueContract } from './task-queue.contract.js';
import { describeTaskStoreContract } from './task-store.contract.js';
import { createReplica } from '../replication/support/replica.js';
import { MemoryChangeLog } from '../replication/support/memory-change-log.js';
import { describeReplicaStoreContract } from './replica-store.contract.js';

function freshDatabase() {
  const db = openDatabase(':memory:');
  return { db, dispose: async () => void db.close() };
}

describeMemoryStoreContract('SQLite', async () => {
  const { db, dispose } = freshDatabase();
  return { store: new SqliteMemoryStore(db), dispose };
});

describeSearchIndexContract('SQLite FTS5', async () => {
  const { db, dispose } = freshDatabase();
  return { index: new SqliteSearchIndex(db), store: new SqliteMemoryStore(db), dispose };
});

describeAgentRegistryContract('SQLite', async () => {
  const { db, dispose } = freshDatabase();
  return { registry: new SqliteAgentRegistry(db), dispose };
});

describeTaskStoreContract('SQLite', async () => {
  const { db, dispose } = freshDatabase();
  return { store: new SqliteTaskStore(db), dispose };
});

describeTaskQueueContract('SQLite', async () => {
  const { db, dispose } = freshDatabase();
  let now = Date.parse('2026-01-01T00:00:00Z');
  const queue = new SqliteTaskQueue(db, { now: () => now });
  return { queue, advance: (ms) => void (now += ms), dispose };
});

describeReplicaStoreContract('SQLite', async () => {
  const replica = createReplica('node-s');
  return {
    store: replica.store,
    memory: new SqliteMemoryStore(replica.db),
    setPurgeHorizon: (horizon) => replica.store.writeState(PURGE_HORIZON_STATE, horizon),
    dispose: async () => replica.dispose(),
  };
});

// The replica store over ports, on SQLite ports and a change log in memory: the same code the
// cloud path runs over OpenSearch, testable without engines.
describeReplicaStoreContract('ports over SQLite with a change log in memory', async () => {
  const { db, dispose } = freshDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'happy-port-replica-'));
  const changeLog = new MemoryChangeLog();
  const stores = createReplicatedStores({
    changeLog,
    memoryStore: new SqliteMemoryStore(db),
    searchIndex: new SqliteSearchIndex(db),
    agentRegistry: new SqliteAgentRegistry(db),
    taskStore: new SqliteTaskStore(db),
    fileStore: new DiskFileStore({ root: join(dir, 'files') }),
  });
  return {
    store: stores.replicaStore,
    memory: stores.memoryStore,
    setPurgeHorizon: (horizon) => changeLog.writeState(PORTS_PURGE_STATE, horizon),
    dispose: async () => {
      await dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
