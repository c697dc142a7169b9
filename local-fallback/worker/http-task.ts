import type { LookupFunction } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { HappyError } from '../../lambdas/core/errors.js';
import { TaskAttemptError, TaskInputError } from '../../lambdas/core/task-errors.js';
import type { TaskHandler } from '../../lambdas/core/task-types.js';
import type { JsonValue } from '../../lambdas/ports/index.js';
import { createCheckedLookup, HttpAllowList } from './address-policy.js';

/** Options of the `http` task type. */
export interface HttpTaskOptions {
  /** Hosts tasks may send to, as `host` or `host:port`. @default [] (every target is rejected) */
  readonly allowedHosts?: readonly string[];
  /** Time one attempt may take, connection and response included. @default 10000 */
  readonly timeoutMs?: number;
  /** Largest response body kept, in bytes; a larger one fails the task. @default 65536 */
  readonly maxResponseBytes?: number;
  /** DNS resolver whose answers are checked before connecting. @default `dns.lookup` */
  readonly lookup?: LookupFunction;
}

/** The `http` task type, plus a way to close its connection pool. */
export interface HttpTaskHandler extends TaskHandler {
  close(): Promise<void>;
}

const inputSchema = z.strictObject({
  url: z.string().min(1).max(2048),
  body: z.json().optional(),
});

/** Statuses worth another attempt: the target may recover from them. */
const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * Creates the `http` task type. It POSTs the task's `body` as JSON to `url` and returns the
 * response status, content type and body. Input: `{"url": "...", "body"?: any JSON}`.
 *
 * Only hosts on the allow-list are reached, and never a link-local or metadata address, checked
 * on the URL and again on every address DNS returns. Redirects are not followed. Each request
 * carries `idempotency-key: <task id>`, because a retried attempt POSTs again. Statuses 408,
 * 425, 429 and 5xx, connection errors and timeouts are retried; other 4xx fail the task; 2xx
 * and 3xx succeed.
 *
 * @throws {Error} when an allow-list entry is invalid or names a blocked address.
 */
export function createHttpTask(options: HttpTaskOptions = {}): HttpTaskHandler {
  const allowList = new HttpAllowList(options.allowedHosts ?? []);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxResponseBytes = options.maxResponseBytes ?? 65_536;
  const dispatcher = new Agent({
    connect: { lookup: createCheckedLookup(options.lookup), timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  return {
    type: 'http',
    timeoutMs,
    validateInput: (input) => void allowList.check(parseInput(input).url),
    run: async (input, context) => {
      const { url, body } = parseInput(input);
      const target = allowList.check(url);
      const response = await send(target, body ?? null, context.taskId, dispatcher, context.signal);
      return readResult(response, maxResponseBytes);
    },
    close: () => dispatcher.close(),
  };
}

function parseInput(input: JsonValue): z.output<typeof inputSchema> {
  const parsed = inputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = ['body.input', ...(issue?.path ?? []).map(String)].join('.');
  throw new TaskInputError(`${path}: ${issue?.message ?? 'is invalid'}.`, {
    field: path,
    hint: 'Send {"url": "http://allowed-host/path", "body": {...}}.',
  });
}

async function send(
  target: URL,
  body: JsonValue,
  taskId: string,
  dispatcher: Dispatcher,
  signal: AbortSignal,
): Promise<Dispatcher.ResponseData> {
  try {
    return await request(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'happy-os-task',
        'idempotency-key': taskId,
      },
      body: JSON.stringify(body),
      dispatcher,
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw error;
    const blocked = findBlocked(error);
    if (blocked) {
      throw new TaskAttemptError('http_address_blocked', blocked.message, { retryable: false });
    }
    const code = (error as { code?: string }).code ?? 'unknown';
    throw new TaskAttemptError('http_request_failed', `The request failed (${code}).`, {
      cause: error,
    });
  }
}

async function readResult(
  response: Dispatcher.ResponseData,
  maxBytes: number,
): Promise<Record<string, JsonValue>> {
  const content = await readLimited(response.body, maxBytes);
  const status = response.statusCode;
  if (status >= 400) {
    throw new TaskAttemptError(`http_status_${status}`, `The target responded ${status}.`, {
      retryable: RETRYABLE_STATUSES.has(status) || status >= 500,
    });
  }

  const contentType = String(response.headers['content-type'] ?? '');
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    return { status, content_type: contentType, body: text.decode(content) };
  } catch {
    // Not UTF-8: keep the bytes intact as base64.
    const base64 = Buffer.from(content).toString('base64');
    return { status, content_type: contentType, body: base64, body_encoding: 'base64' };
  }
}

async function readLimited(body: Dispatcher.ResponseData['body'], maxBytes: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new TaskAttemptError(
        'http_response_too_large',
        `The response body exceeds ${maxBytes} bytes.`,
        { retryable: false },
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Finds the error of a blocked address in an error or its causes. */
function findBlocked(error: unknown): Error | null {
  for (let current = error; current instanceof Error; current = current.cause) {
    if ((current as { code?: string }).code === 'ERR_HAPPY_ADDRESS_BLOCKED') return current;
    if (current instanceof HappyError) return null;
  }
  return null;
}
