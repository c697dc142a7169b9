import type { ServerResponse } from 'node:http';

import { FAILOVER_HEADER, REQUEST_ID_HEADER } from './headers.js';
import { sendProblem } from './problem.js';
import type { Target } from './target.js';
import type { TargetFailure } from './types.js';

/** One target that failed a request, for the problem document. */
export interface FailedAttempt {
  readonly target: Target;
  readonly failure: TargetFailure;
}

function describe(failed: FailedAttempt): string {
  return `${failed.target.role} (${failed.target.label}) ${failed.failure.message}`;
}

/** Writes the 503 `all_targets_down` problem, naming each target and why it failed. */
export function sendAllTargetsDown(
  res: ServerResponse,
  failures: readonly FailedAttempt[],
  requestId: string,
): void {
  const attempted = failures.filter((failed) => failed.failure.kind !== 'breaker_open');
  const headers: Record<string, string> = { 'retry-after': '1', [REQUEST_ID_HEADER]: requestId };
  if (attempted.length > 1) {
    headers[FAILOVER_HEADER] = 'retried';
  }
  sendProblem(
    res,
    {
      status: 503,
      code: 'all_targets_down',
      title: 'All targets are down',
      detail: `No target could serve the request: ${failures.map(describe).join('; ')}. Retry later.`,
      failures: failures.map((failed) => ({
        target: failed.target.role,
        label: failed.target.label,
        kind: failed.failure.kind,
        message: failed.failure.message,
        ...(failed.failure.status === undefined ? {} : { status: failed.failure.status }),
      })),
      request_id: requestId,
    },
    headers,
  );
}

/**
 * Writes the 502 `outcome_unknown` problem for a request that may have reached a target that
 * then failed, and that the router will not send again.
 */
export function sendOutcomeUnknown(
  res: ServerResponse,
  target: Target,
  failure: TargetFailure,
  requestId: string,
): void {
  sendProblem(
    res,
    {
      status: 502,
      code: 'outcome_unknown',
      title: 'Outcome of the request is unknown',
      detail:
        `The ${target.role} target (${target.label}) failed after the request was sent ` +
        `(${failure.message}), so it may or may not have been applied. The router does not send ` +
        'a request twice unless it is a GET, a HEAD or carries an Idempotency-Key header. Check ' +
        'whether the change was made, or retry with an Idempotency-Key header.',
      target: target.role,
      label: target.label,
      kind: failure.kind,
      request_id: requestId,
    },
    { [REQUEST_ID_HEADER]: requestId },
  );
}
