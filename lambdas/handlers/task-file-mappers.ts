import type { StoredFile, TaskRecord } from '../ports/index.js';

/** Converts a task to its public JSON form. */
export function taskToJson(task: TaskRecord): Record<string, unknown> {
  return {
    id: task.id,
    agent_id: task.agentId,
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
    created_at: task.createdAt,
    updated_at: task.updatedAt,
    started_at: task.startedAt,
    finished_at: task.finishedAt,
    version: task.version,
  };
}

/** Converts a file's metadata to its public JSON form. */
export function fileToJson(file: StoredFile): Record<string, unknown> {
  return {
    name: file.name,
    agent_id: file.agentId,
    content_type: file.contentType,
    size: file.size,
    sha256: file.sha256,
    etag: etagOf(file),
    created_at: file.createdAt,
    updated_at: file.updatedAt,
    version: file.version,
  };
}

/** Returns the strong ETag of a file, which is its SHA-256 in quotes. */
export function etagOf(file: StoredFile): string {
  return `"${file.sha256}"`;
}
