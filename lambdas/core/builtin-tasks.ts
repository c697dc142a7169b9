import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonValue } from '../ports/index.js';
import { checkFileName } from './file-names.js';
import type { FileService } from './files.js';
import { memoryRecordToJson, type MemoryService } from './memory.js';
import { TaskAttemptError, TaskInputError } from './task-errors.js';
import type { TaskHandler, TaskRunContext } from './task-types.js';

/** Maximum `delay_ms` of an `echo` task: 10 minutes. */
export const MAX_ECHO_DELAY_MS = 600_000;

/** Records read per page while exporting memory. */
const EXPORT_PAGE_SIZE = 100;

/**
 * Creates the `echo` task type: its result is its input. When the input is an object with a
 * `delay_ms` field, the attempt waits that long first, which makes timeouts, cancels and crashes
 * easy to try out.
 *
 * @param timeoutMs time one attempt may take. @default 30000
 */
export function createEchoTask(timeoutMs = 30_000): TaskHandler {
  return {
    type: 'echo',
    timeoutMs,
    validateInput: (input) => void delayOf(input),
    run: async (input, context) => {
      const delayMs = delayOf(input);
      if (delayMs > 0) await sleep(delayMs, undefined, { signal: context.signal });
      return input;
    },
  };
}

/** Dependencies of the `memory.export` task type. */
export interface MemoryExportTaskDeps {
  readonly memory: MemoryService;
  readonly files: FileService;
  /** Time one attempt may take. @default 60000 */
  readonly timeoutMs?: number;
}

/**
 * Creates the `memory.export` task type. It writes the agent's live memory records, optionally of
 * one user, to a file as JSON Lines (one record per line, in the public JSON form) through the
 * file service. Input: `{"name"?: file name, "user_id"?: string}`; the name defaults to
 * `memory-export-<task id>.jsonl`. Result: the file name, record count, size, SHA-256 and version.
 * An export larger than the maximum file size fails without a retry.
 */
export function createMemoryExportTask(deps: MemoryExportTaskDeps): TaskHandler {
  return {
    type: 'memory.export',
    timeoutMs: deps.timeoutMs ?? 60_000,
    validateInput: (input) => void exportOptionsOf(input),
    run: async (input, context) => {
      const options = exportOptionsOf(input);
      const lines = await exportLines(deps, context, options.userId, deps.files.maxFileBytes);
      const name = options.name ?? `memory-export-${context.taskId}.jsonl`;
      const content = Buffer.from(lines.join(''), 'utf8');
      const { file } = await deps.files.put(context.agentId, name, content, 'application/x-ndjson');
      return {
        file: file.name,
        records: lines.length,
        size: file.size,
        sha256: file.sha256,
        version: file.version,
      };
    },
  };
}

async function exportLines(
  deps: MemoryExportTaskDeps,
  context: TaskRunContext,
  userId: string | undefined,
  maxBytes: number,
): Promise<string[]> {
  const lines: string[] = [];
  let bytes = 0;
  let cursor: string | null = null;
  do {
    context.signal.throwIfAborted();
    const page = await deps.memory.list(context.agentId, { userId }, EXPORT_PAGE_SIZE, cursor);
    for (const record of page.items) {
      const line = `${JSON.stringify(memoryRecordToJson(record))}\n`;
      bytes += Buffer.byteLength(line, 'utf8');
      if (bytes > maxBytes) {
        throw new TaskAttemptError(
          'export_too_large',
          `The export exceeds the maximum file size of ${maxBytes} bytes.`,
          { retryable: false, hint: 'Export one user at a time with "user_id".' },
        );
      }
      lines.push(line);
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  return lines;
}

function delayOf(input: JsonValue): number {
  if (!isObject(input) || input.delay_ms === undefined) return 0;
  const delay = input.delay_ms;
  if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0) {
    throw new TaskInputError('"delay_ms" must be a whole number of milliseconds, 0 or more.', {
      field: 'body.input.delay_ms',
    });
  }
  if (delay > MAX_ECHO_DELAY_MS) {
    throw new TaskInputError(`"delay_ms" must be at most ${MAX_ECHO_DELAY_MS}.`, {
      field: 'body.input.delay_ms',
    });
  }
  return delay;
}

function exportOptionsOf(input: JsonValue): { name?: string; userId?: string } {
  if (input === null) return {};
  if (!isObject(input)) {
    throw new TaskInputError('The input must be an object or null.', {
      hint: 'Send {"name": "export.jsonl", "user_id": "demo"}, each field optional.',
    });
  }
  const unknown = Object.keys(input).filter((key) => key !== 'name' && key !== 'user_id');
  if (unknown.length > 0) {
    throw new TaskInputError(`Unknown input field "${unknown[0]}".`, {
      field: `body.input.${unknown[0]}`,
      hint: 'Only "name" and "user_id" are accepted.',
    });
  }
  const { name, user_id: userId } = input;
  if (name !== undefined) {
    if (typeof name !== 'string') {
      throw new TaskInputError('"name" must be a string.', { field: 'body.input.name' });
    }
    checkFileName(name, 'body.input.name');
  }
  if (userId !== undefined && typeof userId !== 'string') {
    throw new TaskInputError('"user_id" must be a string.', { field: 'body.input.user_id' });
  }
  return { name, userId };
}

function isObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
