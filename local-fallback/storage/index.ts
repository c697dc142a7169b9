export { openDatabase, type OpenDatabaseOptions } from './database.js';
export { migrate, MIGRATIONS, type Migration } from './migrations.js';
export { SqliteMemoryStore } from './memory-store.js';
export { SqliteSearchIndex, toMatchExpression, MAX_QUERY_TERMS } from './search-index.js';
export { SqliteAgentRegistry } from './agent-registry.js';
export { SqliteHealthProbe } from './health-probe.js';
export {
  FileSigningKeyProvider,
  defaultKeyFile,
  type FileSigningKeyOptions,
} from './signing-keys.js';
export { SqliteTaskStore } from './task-store.js';
export { SqliteTaskQueue, type SqliteTaskQueueOptions } from './task-queue.js';
export { DiskFileStore, FileIntegrityError, type DiskFileStoreOptions } from './disk-file-store.js';
export { commitTemporaryFile, writeTemporaryFile, TEMPORARY_FILE_PREFIX } from './atomic-file.js';
export { JournaledFileStore } from './file-journal.js';
export { SqliteReplicaStore, PURGE_HORIZON_STATE } from './replica-store.js';
export { purgeTombstones, type TombstonePurgeOptions } from './tombstone-purge.js';
