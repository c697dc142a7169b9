import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { HybridLogicalClock, ReplicationService } from '../../../lambdas/core/index.js';
import {
  DiskFileStore,
  JournaledFileStore,
  openDatabase,
  SqliteReplicaStore,
} from '../../../local-fallback/storage/index.js';

/** A store of one node with its replication service, on a throwaway database and folder. */
export interface TestReplica {
  readonly db: Database;
  readonly files: JournaledFileStore;
  readonly store: SqliteReplicaStore;
  readonly service: ReplicationService;
  readonly clock: HybridLogicalClock;
  dispose(): void;
}

/** Creates a replica for `nodeId` in a new temporary folder. */
export function createReplica(nodeId: string, wallClock?: () => number): TestReplica {
  const dir = mkdtempSync(join(tmpdir(), `happy-replica-${nodeId}-`));
  const db = openDatabase(':memory:', { synchronous: 'NORMAL' });
  const files = new JournaledFileStore(db, new DiskFileStore({ root: join(dir, 'files') }));
  const store = new SqliteReplicaStore(db, files);
  const clock = new HybridLogicalClock(nodeId, wallClock);
  const service = new ReplicationService({ store, clock });
  return {
    db,
    files,
    store,
    service,
    clock,
    dispose: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Tables whose rows make up the replicated state, with the columns that order them. */
const STATE_TABLES: Record<string, string> = {
  agents: 'agent_id',
  memory: 'agent_id, id',
  documents: 'agent_id, id',
  tasks: 'agent_id, id',
  file_journal: 'agent_id, name',
};

/**
 * Dumps the replicated state of a replica as bytes: every column of every row of the state
 * tables in key order, the search index entries, and the SHA-256 of each live file on disk.
 * Row ids and the change log are left out, because they record the order of arrival.
 */
export async function dumpState(replica: TestReplica): Promise<Buffer> {
  const parts: unknown[] = [];
  for (const [table, order] of Object.entries(STATE_TABLES)) {
    const rows = replica.db.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all();
    parts.push([table, rows]);
  }
  const fts = replica.db
    .prepare(
      `SELECT kind, agent_id, ref_id, content, user_id, session_id, metadata, created_at
       FROM search_fts ORDER BY kind, agent_id, ref_id`,
    )
    .all();
  parts.push(['search_fts', fts]);
  const live = replica.db
    .prepare('SELECT agent_id, name FROM file_journal WHERE deleted = 0 ORDER BY agent_id, name')
    .all() as { agent_id: string; name: string }[];
  for (const file of live) {
    const stored = await replica.files.get(file.agent_id, file.name);
    parts.push(['disk', file.name, stored?.file.sha256 ?? null, stored?.file.version ?? null]);
  }
  return Buffer.from(JSON.stringify(parts), 'utf8');
}
