import type { Database, Statement } from 'better-sqlite3';
import type {
  Page,
  TaskCreateResult,
  TaskListFilter,
  TaskRecord,
  TaskStatus,
  TaskStore,
} from '../../lambdas/ports/index.js';

interface TaskRow {
  agent_id: string;
  id: string;
  type: string;
  input: string;
  status: TaskStatus;
  attempts: number;
  max_attempts: number;
  result: string | null;
  error: string | null;
  idempotency_key: string | null;
  run_at: string;
  cancel_requested: number;
  lease_expires_at: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  version: string;
}

const COLUMNS = [
  'agent_id',
  'id',
  'type',
  'input',
  'status',
  'attempts',
  'max_attempts',
  'result',
  'error',
  'idempotency_key',
  'run_at',
  'cancel_requested',
  'lease_expires_at',
  'created_at',
  'updated_at',
  'started_at',
  'finished_at',
  'version',
] as const;

/** Task records in SQLite (table `tasks`, see migrations.ts). */
export class SqliteTaskStore implements TaskStore {
  private readonly insert: Statement;
  private readonly replaceIfVersion: Statement;
  private readonly selectOne: Statement;
  private readonly selectByKey: Statement;
  private readonly countUnfinished: Statement;
  private readonly selectStale: Statement;
  private readonly createAtomically: (row: TaskRow, maxUnfinished: number) => TaskCreateResult;
  /** List statements by their SQL; there are four filter combinations. */
  private readonly listStatements = new Map<string, Statement>();

  constructor(private readonly db: Database) {
    const names = COLUMNS.join(', ');
    const values = COLUMNS.map((column) => `@${column}`).join(', ');
    const updates = COLUMNS.filter((column) => column !== 'agent_id' && column !== 'id')
      .map((column) => `${column} = @${column}`)
      .join(', ');
    this.insert = db.prepare(`INSERT INTO tasks (${names}) VALUES (${values})`);
    this.replaceIfVersion = db.prepare(
      `UPDATE tasks SET ${updates} WHERE agent_id = @agent_id AND id = @id AND version = @expected`,
    );
    this.selectOne = db.prepare('SELECT * FROM tasks WHERE agent_id = ? AND id = ?');
    this.selectByKey = db.prepare('SELECT * FROM tasks WHERE agent_id = ? AND idempotency_key = ?');
    this.countUnfinished = db
      .prepare(`SELECT count(*) FROM tasks WHERE agent_id = ? AND status IN ('queued', 'running')`)
      .pluck();
    this.selectStale = db.prepare(`
      SELECT * FROM tasks
      WHERE (status = 'queued' AND updated_at < @before AND run_at < @before)
        OR (status = 'running' AND lease_expires_at < @before)
      ORDER BY updated_at LIMIT @limit`);
    // IMMEDIATE takes the write lock before the reads, so no other connection can insert a
    // task with the same key, or one that passes the limit, between check and insert.
    this.createAtomically = db.transaction(this.createRow.bind(this)).immediate;
  }

  async create(task: TaskRecord, maxUnfinished: number): Promise<TaskCreateResult> {
    return this.createAtomically(toRow(task), maxUnfinished);
  }

  async get(agentId: string, id: string): Promise<TaskRecord | null> {
    const row = this.selectOne.get(agentId, id) as TaskRow | undefined;
    return row ? fromRow(row) : null;
  }

  async replace(task: TaskRecord, expectedVersion: string): Promise<boolean> {
    return this.replaceIfVersion.run({ ...toRow(task), expected: expectedVersion }).changes > 0;
  }

  async list(
    agentId: string,
    filter: TaskListFilter,
    page: { limit: number; after: string | null },
  ): Promise<Page<TaskRecord>> {
    const conditions = ['agent_id = @agent'];
    if (filter.status !== undefined) conditions.push('status = @status');
    if (page.after !== null) conditions.push('id > @after');
    const sql = `SELECT * FROM tasks WHERE ${conditions.join(' AND ')} ORDER BY id LIMIT @fetch`;
    // Fetching one row past the page shows whether another page follows.
    let statement = this.listStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.listStatements.set(sql, statement);
    }
    const rows = statement.all({
      agent: agentId,
      status: filter.status,
      after: page.after,
      fetch: page.limit + 1,
    }) as TaskRow[];
    return { items: rows.slice(0, page.limit).map(fromRow), more: rows.length > page.limit };
  }

  async listStale(before: string, limit: number): Promise<TaskRecord[]> {
    return (this.selectStale.all({ before, limit }) as TaskRow[]).map(fromRow);
  }

  private createRow(row: TaskRow, maxUnfinished: number): TaskCreateResult {
    if (row.idempotency_key !== null) {
      const existing = this.selectByKey.get(row.agent_id, row.idempotency_key) as
        TaskRow | undefined;
      if (existing) return { outcome: 'duplicate', task: fromRow(existing) };
    }
    const unfinished = this.countUnfinished.get(row.agent_id) as number;
    if (unfinished >= maxUnfinished) return { outcome: 'limit_reached', unfinished };

    this.insert.run(row);
    return { outcome: 'created', task: fromRow(row) };
  }
}

function toRow(task: TaskRecord): TaskRow {
  return {
    agent_id: task.agentId,
    id: task.id,
    type: task.type,
    input: JSON.stringify(task.input),
    status: task.status,
    attempts: task.attempts,
    max_attempts: task.maxAttempts,
    result: task.result === null ? null : JSON.stringify(task.result),
    error: task.error === null ? null : JSON.stringify(task.error),
    idempotency_key: task.idempotencyKey,
    run_at: task.runAt,
    cancel_requested: task.cancelRequested ? 1 : 0,
    lease_expires_at: task.leaseExpiresAt,
    created_at: task.createdAt,
    updated_at: task.updatedAt,
    started_at: task.startedAt,
    finished_at: task.finishedAt,
    version: task.version,
  };
}

function fromRow(row: TaskRow): TaskRecord {
  return {
    agentId: row.agent_id,
    id: row.id,
    type: row.type,
    input: JSON.parse(row.input),
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    result: row.result === null ? null : JSON.parse(row.result),
    error: row.error === null ? null : JSON.parse(row.error),
    idempotencyKey: row.idempotency_key,
    runAt: row.run_at,
    cancelRequested: row.cancel_requested === 1,
    leaseExpiresAt: row.lease_expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    version: row.version,
  };
}
