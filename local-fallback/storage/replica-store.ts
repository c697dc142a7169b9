import type { Database, Statement } from 'better-sqlite3';
import { originOfVersion, versionOfChange } from '../../lambdas/core/replication-changes.js';
import type {
  ApplyOutcome,
  Change,
  ChangePage,
  ChangeQuery,
  FeedEntry,
  ReplicaStore,
} from '../../lambdas/ports/index.js';
import type { JournaledFileStore } from './file-journal.js';
import {
  AGENT_ROWS,
  DOCUMENT_ROWS,
  MEMORY_ROWS,
  TASK_ROWS,
  selectSql,
  upsertSql,
  type Row,
  type RowMapping,
} from './replica-rows.js';

/** Name of the replication state entry that contains the tombstone purge horizon. */
export const PURGE_HORIZON_STATE = 'purge-horizon';

interface LogRow {
  seq: number;
  kind: Change['kind'];
  agent_id: string;
  ref_id: string;
}

/** A log row with the entity it names, read in the same snapshot. */
interface SnapshotEntry {
  readonly seq: number;
  readonly change: Change | null;
  /** A live file, whose content is read from disk after the snapshot. */
  readonly liveFile?: { agentId: string; name: string; size: number };
}

interface Snapshot {
  readonly snapshot: SnapshotEntry[];
  /** True when every row after the cursor that matched the query is in `snapshot`. */
  readonly complete: boolean;
  readonly head: number;
}

type SqliteKind = Exclude<Change['kind'], 'file'>;

const MAPPINGS: Record<SqliteKind, RowMapping<unknown>> = {
  agent: AGENT_ROWS as RowMapping<unknown>,
  memory: MEMORY_ROWS as RowMapping<unknown>,
  document: DOCUMENT_ROWS as RowMapping<unknown>,
  task: TASK_ROWS as RowMapping<unknown>,
};

/**
 * The replication side of the SQLite store: the change feed over the change log that triggers
 * write (see replication-schema.ts), the last-writer-wins apply, and the replication state.
 */
export class SqliteReplicaStore implements ReplicaStore {
  private readonly upserts = new Map<SqliteKind, Statement>();
  private readonly selects = new Map<SqliteKind, Statement>();
  private readonly logStatements: Record<'all' | 'exclude' | 'only', Statement>;
  private readonly selectHead: Statement;
  private readonly countAll: Statement;
  private readonly countOwn: Statement;
  private readonly selectState: Statement;
  private readonly upsertState: Statement;
  private readonly readSnapshot: (query: ChangeQuery) => Snapshot;
  private readonly applyAtomically: (changes: readonly Change[], horizon: string) => ApplyOutcome[];

  constructor(
    private readonly db: Database,
    private readonly files: JournaledFileStore,
  ) {
    for (const [kind, mapping] of Object.entries(MAPPINGS) as [SqliteKind, RowMapping<unknown>][]) {
      this.upserts.set(kind, db.prepare(upsertSql(mapping)));
      this.selects.set(kind, db.prepare(selectSql(mapping)));
    }
    const log = 'SELECT seq, kind, agent_id, ref_id FROM change_log WHERE seq > @after';
    this.logStatements = {
      all: db.prepare(`${log} ORDER BY seq LIMIT @fetch`),
      exclude: db.prepare(`${log} AND origin <> @origin ORDER BY seq LIMIT @fetch`),
      only: db.prepare(`${log} AND origin = @origin ORDER BY seq LIMIT @fetch`),
    };
    this.selectHead = db.prepare('SELECT coalesce(max(seq), 0) FROM change_log').pluck();
    this.countAll = db.prepare('SELECT count(*) FROM change_log WHERE seq > ?').pluck();
    this.countOwn = db
      .prepare('SELECT count(*) FROM change_log WHERE seq > ? AND origin = ?')
      .pluck();
    this.selectState = db.prepare('SELECT value FROM replication_state WHERE name = ?').pluck();
    this.upsertState = db.prepare(`
      INSERT INTO replication_state (name, value, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);
    this.readSnapshot = db.transaction((query: ChangeQuery) => this.snapshotOf(query));
    this.applyAtomically = db.transaction((changes: readonly Change[], horizon: string) =>
      changes.map((change) => this.applyRow(change, horizon)),
    );
  }

  async feedId(): Promise<string> {
    return this.selectState.get('feed-id') as string;
  }

  async headSeq(): Promise<number> {
    return this.selectHead.get() as number;
  }

  async readChanges(query: ChangeQuery): Promise<ChangePage> {
    const { snapshot, complete, head } = this.readSnapshot(query);
    const entries = await this.completeEntries(snapshot, query);
    const nextSeq = complete ? Math.max(head, query.after) : (snapshot.at(-1)?.seq ?? query.after);
    return { entries, nextSeq, more: !complete, headSeq: head };
  }

  async countChanges(query: { after: number; onlyOrigin?: string }): Promise<number> {
    if (query.onlyOrigin === undefined) return this.countAll.get(query.after) as number;
    return this.countOwn.get(query.after, query.onlyOrigin) as number;
  }

  async applyChanges(changes: readonly Change[]): Promise<ApplyOutcome[]> {
    const horizon = (await this.readState(PURGE_HORIZON_STATE)) ?? '';
    const outcomes = this.applyAtomically(changes, horizon);
    // Files live on disk, outside the transaction; each put is atomic on its own.
    for (const [index, change] of changes.entries()) {
      if (change.kind !== 'file') continue;
      const result = await this.files.put(change.file, change.content);
      outcomes[index] = result.applied ? 'applied' : 'ignored';
    }
    return outcomes;
  }

  async readState(name: string): Promise<string | null> {
    return (this.selectState.get(name) as string | undefined) ?? null;
  }

  async writeState(name: string, value: string): Promise<void> {
    this.upsertState.run(name, value, new Date().toISOString());
  }

  /** Reads log rows and their entities up to the limit and the content budget. */
  private snapshotOf(query: ChangeQuery): Snapshot {
    const filter =
      query.onlyOrigin !== undefined
        ? 'only'
        : query.excludeOrigin !== undefined
          ? 'exclude'
          : 'all';
    const rows = this.logStatements[filter].all({
      after: query.after,
      origin: query.onlyOrigin ?? query.excludeOrigin,
      // One row past the page shows whether more follow.
      fetch: query.limit + 1,
    }) as LogRow[];

    const snapshot: SnapshotEntry[] = [];
    let contentBytes = 0;
    for (const row of rows.slice(0, query.limit)) {
      const entry = this.readEntity(row);
      const size = entry.liveFile?.size ?? 0;
      if (snapshot.length > 0 && contentBytes + size > query.maxContentBytes) break;
      contentBytes += size;
      snapshot.push(entry);
    }
    const head = this.selectHead.get() as number;
    return { snapshot, complete: snapshot.length === rows.length, head };
  }

  private readEntity(row: LogRow): SnapshotEntry {
    if (row.kind === 'file') {
      const file = this.files.journalEntry(row.agent_id, row.ref_id);
      if (!file) return { seq: row.seq, change: null };
      if (file.deleted) {
        return { seq: row.seq, change: { kind: 'file', file, content: new Uint8Array(0) } };
      }
      const liveFile = { agentId: row.agent_id, name: row.ref_id, size: file.size };
      return { seq: row.seq, change: null, liveFile };
    }
    const mapping = MAPPINGS[row.kind];
    const found = this.selects.get(row.kind)?.get(row.agent_id, row.ref_id) as Row | undefined;
    return { seq: row.seq, change: found ? toChange(row.kind, mapping.fromRow(found)) : null };
  }

  /** Reads the content of live files and drops entries the query filters out. */
  private async completeEntries(snapshot: SnapshotEntry[], query: ChangeQuery) {
    const entries: FeedEntry[] = [];
    for (const entry of snapshot) {
      let change = entry.change;
      if (entry.liveFile) {
        // The disk may hold a newer version than the journal; a later log row repeats it.
        const stored = await this.files.get(entry.liveFile.agentId, entry.liveFile.name);
        change = stored ? { kind: 'file', file: stored.file, content: stored.content } : null;
      }
      if (!change) continue;
      const origin = originOfVersion(versionOfChange(change));
      if (query.onlyOrigin !== undefined && origin !== query.onlyOrigin) continue;
      if (query.excludeOrigin !== undefined && origin === query.excludeOrigin) continue;
      entries.push({ seq: entry.seq, origin, change });
    }
    return entries;
  }

  private applyRow(change: Change, horizon: string): ApplyOutcome {
    if (change.kind === 'file') return 'ignored';
    const row = MAPPINGS[change.kind].toRow(entityOf(change));
    const version = row.version as string;
    if (change.kind === 'memory' && version < horizon) {
      // The tombstone that may have deleted this record is purged, so the write cannot be judged.
      const existing = this.selects.get('memory')?.get(row.agent_id, row.id);
      if (!existing) return 'expired';
    }
    try {
      return (this.upserts.get(change.kind)?.run(row).changes ?? 0) > 0 ? 'applied' : 'ignored';
    } catch (error) {
      // A uniqueness rule beyond the primary key, such as one idempotency key per agent's tasks.
      if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) return 'conflict';
      throw error;
    }
  }
}

function toChange(kind: SqliteKind, entity: unknown): Change {
  switch (kind) {
    case 'agent':
      return { kind, agent: entity as Extract<Change, { kind: 'agent' }>['agent'] };
    case 'memory':
      return { kind, record: entity as Extract<Change, { kind: 'memory' }>['record'] };
    case 'document':
      return { kind, document: entity as Extract<Change, { kind: 'document' }>['document'] };
    case 'task':
      return { kind, task: entity as Extract<Change, { kind: 'task' }>['task'] };
  }
}

function entityOf(change: Exclude<Change, { kind: 'file' }>): unknown {
  switch (change.kind) {
    case 'agent':
      return change.agent;
    case 'memory':
      return change.record;
    case 'document':
      return change.document;
    case 'task':
      return change.task;
  }
}
