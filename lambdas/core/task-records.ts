import type { JsonValue, TaskRecord, TaskStatus } from '../ports/index.js';
import type { HybridLogicalClock } from './clock.js';

/** Statuses after which a task never changes again. */
export const FINAL_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'dead_letter',
]);

/** Tells whether a task has reached a final status. */
export function isFinalStatus(status: TaskStatus): boolean {
  return FINAL_TASK_STATUSES.has(status);
}

/** Returns a copy of `task` with `changes`, a new `updatedAt` and a new version. */
export function reviseTask(
  task: TaskRecord,
  changes: Partial<TaskRecord>,
  clock: HybridLogicalClock,
  nowMs: number,
): TaskRecord {
  return {
    ...task,
    ...changes,
    updatedAt: new Date(nowMs).toISOString(),
    version: clock.now(),
  };
}

/**
 * Tells whether a repeated submission asks for the same task: same type and the same input,
 * compared as JSON with object keys sorted, so key order does not matter.
 */
export function isSameSubmission(task: TaskRecord, type: string, input: JsonValue): boolean {
  return task.type === type && canonicalJson(task.input) === canonicalJson(input);
}

function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
