import { setTimeout as sleep } from 'node:timers/promises';

import type { Dispatcher } from 'undici';

import { classifyError } from './exchange.js';
import type { CheckResult } from './health.js';
import type { Target } from './target.js';

// Only this much of a health check body is searched for `bodyContains`, so a huge or endless
// body cannot hold a check; 64 KiB leaves room for a verbose /health document.
const MAX_CHECK_BODY_BYTES = 64 * 1024;

type Verdict = Omit<CheckResult, 'latencyMs' | 'at'>;

/**
 * Runs one active health check of a target: a GET of the check path that passes when the
 * status is expected and the body contains the expected text, all within the check timeout.
 * Faults of the target apply as they do to traffic. Never rejects.
 */
export async function runHealthCheck(target: Target): Promise<CheckResult> {
  const started = performance.now();
  const verdict = await probe(target);
  return { ...verdict, latencyMs: Math.round(performance.now() - started), at: Date.now() };
}

async function probe(target: Target): Promise<Verdict> {
  const check = target.config.healthCheck;
  const decision = target.faults.decide(target.role);
  if (decision.kind === 'refuse') {
    return { ok: false, error: `connection failed (ECONNREFUSED, fault ${decision.faultId})` };
  }
  if (decision.kind === 'error') {
    return { ok: false, status: decision.status, error: `unexpected status ${decision.status}` };
  }

  const delayMs = decision.kind === 'delay' ? decision.ms : 0;
  if (decision.kind === 'hang' || delayMs >= check.timeoutMs) {
    await sleep(check.timeoutMs);
    return { ok: false, error: `timed out after ${check.timeoutMs} ms` };
  }
  await sleep(delayMs);
  return request(target, check.timeoutMs - delayMs);
}

async function request(target: Target, timeoutMs: number): Promise<Verdict> {
  const check = target.config.healthCheck;
  try {
    const response = await target.checkClient.request({
      method: 'GET',
      path: target.path(check.path),
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const body = check.bodyContains === undefined ? '' : await readCapped(response.body);
    if (check.bodyContains === undefined) {
      await response.body.dump();
    }
    return judge(response.statusCode, body, check.expectedStatus, check.bodyContains);
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    return {
      ok: false,
      error: timedOut ? `timed out after ${check.timeoutMs} ms` : classifyError(error).message,
    };
  }
}

function judge(
  status: number,
  body: string,
  expectedStatus: readonly number[],
  bodyContains: string | undefined,
): Verdict {
  if (!expectedStatus.includes(status)) {
    return { ok: false, status, error: `unexpected status ${status}` };
  }
  if (bodyContains !== undefined && !body.includes(bodyContains)) {
    return { ok: false, status, error: `body does not contain ${JSON.stringify(bodyContains)}` };
  }
  return { ok: true, status };
}

async function readCapped(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    chunks.push(buffer);
    size += buffer.length;
    if (size >= MAX_CHECK_BODY_BYTES) {
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_CHECK_BODY_BYTES).toString('utf8');
}
