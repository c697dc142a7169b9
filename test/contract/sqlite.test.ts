import { openDatabase } from '../../local-fallback/storage/database.js';
import {
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
