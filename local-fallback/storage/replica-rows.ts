import type { Agent, MemoryRecord, SearchDocument, TaskRecord } from '../../lambdas/ports/index.js';

/** A row as better-sqlite3 binds and returns it. */
export type Row = Record<string, string | number | null>;

/** Mapping of one replicated kind onto its table. */
export interface RowMapping<T> {
  readonly table: string;
  /** Column that, with `agent_id`, identifies a row. */
  readonly refColumn: string;
  readonly columns: readonly string[];
  toRow(entity: T): Row;
  fromRow(row: Row): T;
}

const text = (row: Row, column: string) => row[column] as string;
const nullableText = (row: Row, column: string) => row[column] as string | null;
const json = (value: unknown) => JSON.stringify(value);
const parsed = (row: Row, column: string) =>
  row[column] === null ? null : JSON.parse(row[column] as string);

/** Agents (table `agents`). */
export const AGENT_ROWS: RowMapping<Agent> = {
  table: 'agents',
  refColumn: 'agent_id',
  columns: ['agent_id', 'name', 'status', 'quotas', 'created_at', 'updated_at', 'version'],
  toRow: (agent) => ({
    agent_id: agent.agentId,
    name: agent.name,
    status: agent.status,
    quotas: json(agent.quotas),
    created_at: agent.createdAt,
    updated_at: agent.updatedAt,
    version: agent.version,
  }),
  fromRow: (row) => ({
    agentId: text(row, 'agent_id'),
    name: text(row, 'name'),
    status: text(row, 'status') as Agent['status'],
    quotas: parsed(row, 'quotas'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
    version: text(row, 'version'),
  }),
};

/** Memory records (table `memory`), tombstones included. */
export const MEMORY_ROWS: RowMapping<MemoryRecord> = {
  table: 'memory',
  refColumn: 'id',
  columns: [
    ...['agent_id', 'id', 'user_id', 'session_id', 'key', 'content', 'value', 'metadata'],
    ...['created_at', 'updated_at', 'expires_at', 'expires_at_ms', 'version', 'deleted'],
  ],
  toRow: (record) => ({
    agent_id: record.agentId,
    id: record.id,
    user_id: record.userId,
    session_id: record.sessionId,
    key: record.key,
    content: record.content,
    value: record.value === null ? null : json(record.value),
    metadata: json(record.metadata),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    expires_at: record.expiresAt,
    expires_at_ms: record.expiresAt === null ? null : Date.parse(record.expiresAt),
    version: record.version,
    deleted: record.deleted ? 1 : 0,
  }),
  fromRow: (row) => ({
    agentId: text(row, 'agent_id'),
    id: text(row, 'id'),
    userId: nullableText(row, 'user_id'),
    sessionId: nullableText(row, 'session_id'),
    key: nullableText(row, 'key'),
    content: text(row, 'content'),
    value: parsed(row, 'value'),
    metadata: parsed(row, 'metadata'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
    expiresAt: nullableText(row, 'expires_at'),
    version: text(row, 'version'),
    deleted: row.deleted === 1,
  }),
};

/** Plain search documents (table `documents`). */
export const DOCUMENT_ROWS: RowMapping<SearchDocument> = {
  table: 'documents',
  refColumn: 'id',
  columns: [
    'agent_id',
    'id',
    'user_id',
    'session_id',
    'content',
    'metadata',
    'created_at',
    'version',
  ],
  toRow: (document) => ({
    agent_id: document.agentId,
    id: document.id,
    user_id: document.userId,
    session_id: document.sessionId,
    content: document.content,
    metadata: json(document.metadata),
    created_at: document.createdAt,
    version: document.version,
  }),
  fromRow: (row) => ({
    agentId: text(row, 'agent_id'),
    id: text(row, 'id'),
    userId: nullableText(row, 'user_id'),
    sessionId: nullableText(row, 'session_id'),
    content: text(row, 'content'),
    metadata: parsed(row, 'metadata'),
    createdAt: text(row, 'created_at'),
    version: text(row, 'version'),
  }),
};

/** Task records (table `tasks`). */
export const TASK_ROWS: RowMapping<TaskRecord> = {
  table: 'tasks',
  refColumn: 'id',
  columns: [
    ...['agent_id', 'id', 'type', 'input', 'status', 'attempts', 'max_attempts', 'result'],
    ...['error', 'idempotency_key', 'run_at', 'cancel_requested', 'lease_expires_at'],
    ...['created_at', 'updated_at', 'started_at', 'finished_at', 'version'],
  ],
  toRow: (task) => ({
    agent_id: task.agentId,
    id: task.id,
    type: task.type,
    input: json(task.input),
    status: task.status,
    attempts: task.attempts,
    max_attempts: task.maxAttempts,
    result: task.result === null ? null : json(task.result),
    error: task.error === null ? null : json(task.error),
    idempotency_key: task.idempotencyKey,
    run_at: task.runAt,
    cancel_requested: task.cancelRequested ? 1 : 0,
    lease_expires_at: task.leaseExpiresAt,
    created_at: task.createdAt,
    updated_at: task.updatedAt,
    started_at: task.startedAt,
    finished_at: task.finishedAt,
    version: task.version,
  }),
  fromRow: (row) => ({
    agentId: text(row, 'agent_id'),
    id: text(row, 'id'),
    type: text(row, 'type'),
    input: parsed(row, 'input'),
    status: text(row, 'status') as TaskRecord['status'],
    attempts: row.attempts as number,
    maxAttempts: row.max_attempts as number,
    result: parsed(row, 'result'),
    error: parsed(row, 'error'),
    idempotencyKey: nullableText(row, 'idempotency_key'),
    runAt: text(row, 'run_at'),
    cancelRequested: row.cancel_requested === 1,
    leaseExpiresAt: nullableText(row, 'lease_expires_at'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
    startedAt: nullableText(row, 'started_at'),
    finishedAt: nullableText(row, 'finished_at'),
    version: text(row, 'version'),
  }),
};

/**
 * Builds the last-writer-wins upsert of a mapping: the row is inserted, or replaces the stored
 * row only when its version is newer. `changes` is 0 when the stored version won.
 */
export function upsertSql(mapping: RowMapping<unknown>): string {
  const { table, refColumn, columns } = mapping;
  const keyColumns = new Set(['agent_id', refColumn]);
  const updates = columns
    .filter((column) => !keyColumns.has(column))
    .map((column) => `${column} = excluded.${column}`)
    .join(', ');
  const conflictTarget = refColumn === 'agent_id' ? 'agent_id' : `agent_id, ${refColumn}`;
  return `
    INSERT INTO ${table} (${columns.join(', ')})
    VALUES (${columns.map((column) => `@${column}`).join(', ')})
    ON CONFLICT (${conflictTarget}) DO UPDATE SET ${updates}
    WHERE excluded.version > ${table}.version`;
}

/** Builds the select of one row of a mapping by agent id and ref. */
export function selectSql(mapping: RowMapping<unknown>): string {
  return `SELECT * FROM ${mapping.table} WHERE agent_id = ? AND ${mapping.refColumn} = ?`;
}
