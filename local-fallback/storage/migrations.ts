import type { Database } from 'better-sqlite3';
import { REPLICATION_SCHEMA_SQL } from './replication-schema.js';

/** One schema change. Versions are applied in order, each exactly once. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/**
 * The schema of the edge store. Append new migrations; never edit an applied one.
 *
 * Search runs on one FTS5 table over memory records and documents, so BM25 scores of both kinds
 * come from the same corpus statistics and rank together. Triggers keep it in step with the
 * source tables inside the writing transaction, so a record is searchable once its write commits.
 * FTS rows use rowid 2n for memory row n and 2n+1 for document row n.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'agents, memory, documents and the search index',
    sql: `
      CREATE TABLE agents (
        agent_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        quotas TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version TEXT NOT NULL
      ) STRICT;

      CREATE TABLE memory (
        agent_id TEXT NOT NULL,
        id TEXT NOT NULL,
        user_id TEXT,
        session_id TEXT,
        key TEXT,
        content TEXT NOT NULL,
        value TEXT,
        metadata TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        expires_at TEXT,
        expires_at_ms INTEGER,
        version TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        UNIQUE (agent_id, id)
      ) STRICT;
      CREATE INDEX memory_by_key ON memory (agent_id, key) WHERE key IS NOT NULL AND deleted = 0;
      CREATE INDEX memory_by_user ON memory (agent_id, user_id, id);
      CREATE INDEX memory_by_session ON memory (agent_id, session_id, id);

      CREATE TABLE documents (
        agent_id TEXT NOT NULL,
        id TEXT NOT NULL,
        user_id TEXT,
        session_id TEXT,
        content TEXT NOT NULL,
        metadata TEXT NOT NULL,
        created_at TEXT NOT NULL,
        version TEXT NOT NULL,
        UNIQUE (agent_id, id)
      ) STRICT;

      CREATE VIRTUAL TABLE search_fts USING fts5 (
        content,
        agent_id UNINDEXED,
        kind UNINDEXED,
        ref_id UNINDEXED,
        user_id UNINDEXED,
        session_id UNINDEXED,
        metadata UNINDEXED,
        created_at UNINDEXED,
        expires_at_ms UNINDEXED,
        tokenize = 'porter unicode61 remove_diacritics 2'
      );

      CREATE TRIGGER memory_indexed AFTER INSERT ON memory WHEN new.deleted = 0 BEGIN
        INSERT INTO search_fts (rowid, content, agent_id, kind, ref_id, user_id, session_id,
          metadata, created_at, expires_at_ms)
        VALUES (2 * new.rowid, new.content, new.agent_id, 'memory', new.id, new.user_id,
          new.session_id, new.metadata, new.created_at, new.expires_at_ms);
      END;
      CREATE TRIGGER memory_reindexed AFTER UPDATE ON memory BEGIN
        DELETE FROM search_fts WHERE rowid = 2 * old.rowid;
        INSERT INTO search_fts (rowid, content, agent_id, kind, ref_id, user_id, session_id,
          metadata, created_at, expires_at_ms)
        SELECT 2 * new.rowid, new.content, new.agent_id, 'memory', new.id, new.user_id,
          new.session_id, new.metadata, new.created_at, new.expires_at_ms
        WHERE new.deleted = 0;
      END;
      CREATE TRIGGER memory_removed AFTER DELETE ON memory BEGIN
        DELETE FROM search_fts WHERE rowid = 2 * old.rowid;
      END;

      CREATE TRIGGER document_indexed AFTER INSERT ON documents BEGIN
        INSERT INTO search_fts (rowid, content, agent_id, kind, ref_id, user_id, session_id,
          metadata, created_at, expires_at_ms)
        VALUES (2 * new.rowid + 1, new.content, new.agent_id, 'document', new.id, new.user_id,
          new.session_id, new.metadata, new.created_at, NULL);
      END;
      CREATE TRIGGER document_reindexed AFTER UPDATE ON documents BEGIN
        DELETE FROM search_fts WHERE rowid = 2 * old.rowid + 1;
        INSERT INTO search_fts (rowid, content, agent_id, kind, ref_id, user_id, session_id,
          metadata, created_at, expires_at_ms)
        VALUES (2 * new.rowid + 1, new.content, new.agent_id, 'document', new.id, new.user_id,
          new.session_id, new.metadata, new.created_at, NULL);
      END;

      CREATE TABLE health_probe (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        written_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'task records and the task queue',
    // Timestamps are ISO 8601 strings from Date.toISOString, which sort in time order as text.
    // The queue keeps visibility times in epoch milliseconds, like the SQS attributes it mirrors.
    sql: `
      CREATE TABLE tasks (
        agent_id TEXT NOT NULL,
        id TEXT NOT NULL,
        type TEXT NOT NULL,
        input TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN
          ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead_letter')),
        attempts INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        result TEXT,
        error TEXT,
        idempotency_key TEXT,
        run_at TEXT NOT NULL,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        lease_expires_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        version TEXT NOT NULL,
        UNIQUE (agent_id, id)
      ) STRICT;
      CREATE UNIQUE INDEX tasks_by_idempotency_key ON tasks (agent_id, idempotency_key)
        WHERE idempotency_key IS NOT NULL;
      CREATE INDEX tasks_by_status ON tasks (agent_id, status, id);
      CREATE INDEX tasks_unfinished ON tasks (updated_at) WHERE status IN ('queued', 'running');

      CREATE TABLE task_queue (
        agent_id TEXT NOT NULL,
        task_id TEXT NOT NULL,
        visible_at_ms INTEGER NOT NULL,
        receipt TEXT UNIQUE,
        receive_count INTEGER NOT NULL DEFAULT 0,
        enqueued_at_ms INTEGER NOT NULL,
        PRIMARY KEY (agent_id, task_id)
      ) STRICT;
      CREATE INDEX task_queue_by_visibility ON task_queue (visible_at_ms);
    `,
  },
  {
    version: 3,
    description: 'change log, file journal and replication state',
    sql: REPLICATION_SCHEMA_SQL,
  },
];

/**
 * Applies the migrations that `db` has not seen yet, each in its own transaction. Running it
 * again applies nothing, so every start may call it.
 *
 * @returns the versions applied by this call.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[],
  );
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)',
  );

  const done: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.description, new Date().toISOString());
    })();
    done.push(migration.version);
  }
  return done;
}
