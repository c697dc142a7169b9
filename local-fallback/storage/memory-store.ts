import type { Database, Statement } from 'better-sqlite3';
import type {
  MemoryListFilter,
  MemoryRecord,
  MemoryStore,
  Page,
  PutResult,
} from '../../lambdas/ports/index.js';

interface MemoryRow {
  agent_id: string;
  id: string;
  user_id: string | null;
  session_id: string | null;
  key: string | null;
  content: string;
  value: string | null;
  metadata: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  version: string;
  deleted: number;
}

const LIVE = 'deleted = 0 AND (expires_at_ms IS NULL OR expires_at_ms > @now)';

/** Memory records in SQLite; the search index follows through triggers (see migrations.ts). */
export class SqliteMemoryStore implements MemoryStore {
  private readonly upsert: Statement;
  private readonly selectAny: Statement;
  private readonly selectLive: Statement;
  private readonly selectByKey: Statement;
  private readonly countLive: Statement;
  /** List statements by their SQL; there are at most 16 filter combinations. */
  private readonly listStatements = new Map<string, Statement>();

  constructor(private readonly db: Database) {
    this.upsert = db.prepare(`
      INSERT INTO memory (agent_id, id, user_id, session_id, key, content, value, metadata,
        created_at, updated_at, expires_at, expires_at_ms, version, deleted)
      VALUES (@agent_id, @id, @user_id, @session_id, @key, @content, @value, @metadata,
        @created_at, @updated_at, @expires_at, @expires_at_ms, @version, @deleted)
      ON CONFLICT (agent_id, id) DO UPDATE SET
        user_id = excluded.user_id, session_id = excluded.session_id, key = excluded.key,
        content = excluded.content, value = excluded.value, metadata = excluded.metadata,
        created_at = excluded.created_at, updated_at = excluded.updated_at,
        expires_at = excluded.expires_at, expires_at_ms = excluded.expires_at_ms,
        version = excluded.version, deleted = excluded.deleted
      WHERE excluded.version > memory.version`);
    this.selectAny = db.prepare('SELECT * FROM memory WHERE agent_id = ? AND id = ?');
    this.selectLive = db.prepare(
      `SELECT * FROM memory WHERE agent_id = @agent AND id = @id AND ${LIVE}`,
    );
    this.selectByKey = db.prepare(`
      SELECT * FROM memory WHERE agent_id = @agent AND key = @key AND ${LIVE}
      ORDER BY version DESC LIMIT 1`);
    this.countLive = db.prepare(`SELECT count(*) FROM memory WHERE agent_id = @agent AND ${LIVE}`);
  }

  async put(record: MemoryRecord): Promise<PutResult> {
    const write = this.db.transaction((row: MemoryRow & { expires_at_ms: number | null }) => {
      const applied = this.upsert.run(row).changes > 0;
      const current = this.selectAny.get(row.agent_id, row.id) as MemoryRow;
      return { applied, current: fromRow(current) };
    });
    return write(toRow(record));
  }

  async get(agentId: string, id: string, nowMs: number): Promise<MemoryRecord | null> {
    const row = this.selectLive.get({ agent: agentId, id, now: nowMs }) as MemoryRow | undefined;
    return row ? fromRow(row) : null;
  }

  async getByKey(agentId: string, key: string, nowMs: number): Promise<MemoryRecord | null> {
    const row = this.selectByKey.get({ agent: agentId, key, now: nowMs }) as MemoryRow | undefined;
    return row ? fromRow(row) : null;
  }

  async list(
    agentId: string,
    filter: MemoryListFilter,
    page: { limit: number; after: string | null },
    nowMs: number,
  ): Promise<Page<MemoryRecord>> {
    const conditions = ['agent_id = @agent', LIVE];
    if (filter.userId !== undefined) conditions.push('user_id = @user');
    if (filter.sessionId !== undefined) conditions.push('session_id = @session');
    if (filter.keyPrefix !== undefined)
      conditions.push('substr(key, 1, length(@prefix)) = @prefix');
    if (page.after !== null) conditions.push('id > @after');

    const sql = `SELECT * FROM memory WHERE ${conditions.join(' AND ')} ORDER BY id LIMIT @fetch`;
    const rows = this.listStatement(sql).all({
      agent: agentId,
      now: nowMs,
      user: filter.userId,
      session: filter.sessionId,
      prefix: filter.keyPrefix,
      after: page.after,
      // Fetching one row past the page shows whether another page follows.
      fetch: page.limit + 1,
    }) as MemoryRow[];
    return { items: rows.slice(0, page.limit).map(fromRow), more: rows.length > page.limit };
  }

  private listStatement(sql: string): Statement {
    let statement = this.listStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.listStatements.set(sql, statement);
    }
    return statement;
  }

  async count(agentId: string, nowMs: number): Promise<number> {
    return this.countLive.pluck().get({ agent: agentId, now: nowMs }) as number;
  }
}

function toRow(record: MemoryRecord): MemoryRow & { expires_at_ms: number | null } {
  return {
    agent_id: record.agentId,
    id: record.id,
    user_id: record.userId,
    session_id: record.sessionId,
    key: record.key,
    content: record.content,
    value: record.value === null ? null : JSON.stringify(record.value),
    metadata: JSON.stringify(record.metadata),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    expires_at: record.expiresAt,
    expires_at_ms: record.expiresAt === null ? null : Date.parse(record.expiresAt),
    version: record.version,
    deleted: record.deleted ? 1 : 0,
  };
}

function fromRow(row: MemoryRow): MemoryRecord {
  return {
    agentId: row.agent_id,
    id: row.id,
    userId: row.user_id,
    sessionId: row.session_id,
    key: row.key,
    content: row.content,
    value: row.value === null ? null : JSON.parse(row.value),
    metadata: JSON.parse(row.metadata),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    version: row.version,
    deleted: row.deleted === 1,
  };
}
