/**
 * SQL of the replication schema (migration 3): the change log, the triggers that write it, the
 * file journal and the replication state.
 *
 * The change log keeps one row per entity: a trigger on each replicated table deletes the
 * entity's previous row and inserts a new one, so the row gets the next seq and the log never
 * has more rows than there are entities. A reader that missed the older row loses nothing,
 * because the feed serves the entity's current state. The triggers run inside the writing
 * statement, so a change is in the log exactly when its write commits, whichever code path wrote
 * it. SQLite has one writer at a time, so seqs become visible in commit order and a reader never
 * sees a seq before a smaller one that is still to commit.
 *
 * `origin` is the node id at the end of the version (`<15 digits>.<6 digits>.<node id>`, so from
 * character 24 on): the node that wrote this state, whoever applied it here.
 */

/** Builds the two triggers that log inserts and version changes of one table. */
function logTriggers(table: string, kind: string, refColumn: string): string {
  const body = `
    DELETE FROM change_log
      WHERE kind = '${kind}' AND agent_id = new.agent_id AND ref_id = new.${refColumn};
    INSERT INTO change_log (kind, agent_id, ref_id, version, origin)
      VALUES ('${kind}', new.agent_id, new.${refColumn}, new.version, substr(new.version, 24));`;
  return `
    CREATE TRIGGER ${table}_logged AFTER INSERT ON ${table} BEGIN ${body} END;
    CREATE TRIGGER ${table}_relogged AFTER UPDATE ON ${table}
      WHEN new.version IS NOT old.version BEGIN ${body} END;
    CREATE TRIGGER ${table}_unlogged AFTER DELETE ON ${table} BEGIN
      DELETE FROM change_log
        WHERE kind = '${kind}' AND agent_id = old.agent_id AND ref_id = old.${refColumn};
    END;`;
}

/** Logs the rows that existed before the change log, oldest version first. */
function backfill(table: string, kind: string, refColumn: string): string {
  return `
    INSERT INTO change_log (kind, agent_id, ref_id, version, origin)
      SELECT '${kind}', agent_id, ${refColumn}, version, substr(version, 24)
      FROM ${table} ORDER BY version;`;
}

/**
 * Migration 3. Files live on disk, outside any SQLite transaction, so the file journal mirrors
 * their metadata and is what the log follows. A file write first records its intent, then changes
 * the disk, then commits the journal row and drops the intent in one transaction. A crash in
 * between leaves an intent that the next start resolves against the disk, so a file write that
 * reached the disk always ends up in the log.
 */
export const REPLICATION_SCHEMA_SQL = `
  CREATE TABLE change_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('agent', 'memory', 'document', 'task', 'file')),
    agent_id TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    version TEXT NOT NULL,
    origin TEXT NOT NULL,
    UNIQUE (kind, agent_id, ref_id)
  ) STRICT;
  CREATE INDEX change_log_by_origin ON change_log (origin, seq);

  CREATE TABLE file_journal (
    agent_id TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL,
    PRIMARY KEY (agent_id, name)
  ) STRICT;

  CREATE TABLE file_intents (
    agent_id TEXT NOT NULL,
    name TEXT NOT NULL,
    intent TEXT NOT NULL,
    PRIMARY KEY (agent_id, name)
  ) STRICT;

  CREATE TABLE replication_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;
  INSERT INTO replication_state (name, value, updated_at)
    VALUES ('feed-id', lower(hex(randomblob(8))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

  ${backfill('agents', 'agent', 'agent_id')}
  ${backfill('memory', 'memory', 'id')}
  ${backfill('documents', 'document', 'id')}
  ${backfill('tasks', 'task', 'id')}
  ${logTriggers('agents', 'agent', 'agent_id')}
  ${logTriggers('memory', 'memory', 'id')}
  ${logTriggers('documents', 'document', 'id')}
  ${logTriggers('tasks', 'task', 'id')}
  ${logTriggers('file_journal', 'file', 'name')}
`;
