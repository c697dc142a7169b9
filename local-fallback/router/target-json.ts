import { classifyError } from './exchange.js';
import type { Target } from './target.js';

// Enough for a breaker list; a larger body is not what `GET /circuit-breakers` returns.
const MAX_JSON_BYTES = 256 * 1024;

/** JSON from a target, or `null` with the reason it could not be had. */
export type TargetJson =
  { readonly target: unknown } | { readonly target: null; readonly target_error: string };

/**
 * Fetches a JSON document from a target within the target's headers timeout. A refuse, hang or
 * error fault on the target makes it fail at once; a latency fault is not applied. Never rejects.
 */
export async function fetchTargetJson(target: Target, path: string): Promise<TargetJson> {
  const decision = target.faults.decide(target.role);
  if (decision.kind === 'refuse' || decision.kind === 'hang' || decision.kind === 'error') {
    return {
      target: null,
      target_error: `${target.role} has an active ${decision.kind} fault (${decision.faultId})`,
    };
  }

  try {
    const response = await target.pool.request({
      method: 'GET',
      path: target.path(path),
      signal: AbortSignal.timeout(target.config.headersTimeoutMs),
    });
    const text = await readText(response.body);
    if (response.statusCode !== 200) {
      return {
        target: null,
        target_error: `${target.role} responded with status ${response.statusCode}`,
      };
    }
    return { target: JSON.parse(text) as unknown };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    const message = timedOut ? 'timed out' : classifyError(error).message;
    return { target: null, target_error: `${target.role} ${message}` };
  }
}

async function readText(body: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_JSON_BYTES) {
      throw new Error(`body larger than ${MAX_JSON_BYTES} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
