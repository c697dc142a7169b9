import type { JsonValue, TaskFailure, TaskRecord, TaskStatus } from '../../ports/index.js';

/** A task record as stored in the tasks index (snake_case, like the API). */
export interface TaskSource {
  readonly kind: 'task';
  readonly agent_id: string;
  readonly id: string;
  readonly type: string;
  readonly input: JsonValue;
  readonly status: TaskStatus;
  readonly attempts: number;
  readonly max_attempts: number;
  readonly result: JsonValue | null;
  readonly error: TaskFailure | null;
  readonly idempotency_key: string | null;
  readonly run_at: string;
  readonly cancel_requested: boolean;
  readonly lease_expires_at: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly version: string;
}

/**
 * The claim of one idempotency key: the id of the task it belongs to and that task as first
 * submitted, so that a later submission can finish a creation that stopped half-way.
 */
export interface KeySource {
  readonly kind: 'key';
  readonly agent_id: string;
  readonly idempotency_key: string;
  readonly task_id: string;
  readonly pending_task: TaskSource;
}

/** One reservation of an unfinished-task slot: the task id and when it was reserved. */
export interface Slot {
  readonly id: string;
  /** Time of the reservation, in epoch ms. */
  readonly at: number;
}

/** The unfinished-task slots of one agent. */
export interface SlotsSource {
  readonly kind: 'slots';
  readonly agent_id: string;
  readonly slots: Slot[];
}

/** Tells whether a task status is unfinished, so that the task takes a slot. */
export function isUnfinished(status: TaskStatus): boolean {
  return status === 'queued' || status === 'running';
}

/**
 * Returns the `_id` of a task, key or slots document. The agent id pattern excludes `|`, so
 * the parts cannot run into each other.
 *
 * @throws {Error} when the agent id contains `|`.
 */
export function taskDocumentId(kind: 'task' | 'key' | 'slots', agentId: string, id = ''): string {
  if (agentId.includes('|')) {
    throw new Error(`Invalid agent id "${agentId}": it must not contain "|".`);
  }
  return kind === 'slots' ? `slots|${agentId}` : `${kind}|${agentId}|${id}`;
}

/** Converts a task record to its stored form. */
export function taskSource(task: TaskRecord): TaskSource {
  return {
    kind: 'task',
    agent_id: task.agentId,
    id: task.id,
    type: task.type,
    input: task.input,
    status: task.status,
    attempts: task.attempts,
    max_attempts: task.maxAttempts,
    result: task.result,
    error: task.error,
    idempotency_key: task.idempotencyKey,
    run_at: task.runAt,
    cancel_requested: task.cancelRequested,
    lease_expires_at: task.leaseExpiresAt,
    created_at: task.createdAt,
    updated_at: task.updatedAt,
    started_at: task.startedAt,
    finished_at: task.finishedAt,
    version: task.version,
  };
}

/** Converts a stored task back, field for field. */
export function taskFromSource(source: TaskSource): TaskRecord {
  return {
    agentId: source.agent_id,
    id: source.id,
    type: source.type,
    input: source.input,
    status: source.status,
    attempts: source.attempts,
    maxAttempts: source.max_attempts,
    result: source.result,
    error: source.error,
    idempotencyKey: source.idempotency_key,
    runAt: source.run_at,
    cancelRequested: source.cancel_requested,
    leaseExpiresAt: source.lease_expires_at,
    createdAt: source.created_at,
    updatedAt: source.updated_at,
    startedAt: source.started_at,
    finishedAt: source.finished_at,
    version: source.version,
  };
}
