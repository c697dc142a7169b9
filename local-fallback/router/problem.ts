import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { REQUEST_ID_HEADER } from './headers.js';

/** Stable `code` values of the problem documents the router itself writes. */
export type ProblemCode =
  | 'all_targets_down'
  | 'outcome_unknown'
  | 'unauthorized'
  | 'admin_disabled'
  | 'invalid_request'
  | 'not_found'
  | 'method_not_allowed'
  | 'upgrade_not_supported'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'internal_error';

/** RFC 9457 problem details with the project's stable `code`. */
export interface Problem {
  readonly status: number;
  readonly code: ProblemCode;
  readonly title: string;
  readonly detail: string;
  /** Next step for the client. @default one line per code, see {@link HINTS} */
  readonly hint?: string;
  readonly [extension: string]: unknown;
}

/** Default `hint` of each code, the same advice the handlers give for their own problems. */
const HINTS: Record<ProblemCode, string> = {
  all_targets_down: 'Retry after the number of seconds in Retry-After.',
  outcome_unknown:
    'Read the resource back before repeating the write, or repeat it with an Idempotency-Key.',
  unauthorized: 'Use the value of HAPPY_ADMIN_TOKEN, or the token printed at first start.',
  admin_disabled: 'Start the router with an admin token to use /router/*.',
  invalid_request: 'Fix the request as the detail says and send it again.',
  not_found: 'Check the path; GET /router/status lists the admin resources.',
  method_not_allowed: 'Use a method from the Allow header.',
  upgrade_not_supported: 'Connect to the target directly for WebSocket traffic.',
  payload_too_large: 'Send a smaller body.',
  unsupported_media_type: 'Send the body as application/json.',
  internal_error: 'Retry later; report the request id if it keeps failing.',
};

/** Media type of problem details (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Writes a problem document as the whole response. `type` is a URN built from `code`, and
 * `service` is `router`, unless the problem sets it, so a client can tell it from a target's
 * own errors. `instance` is the
 * request path and `request_id` the request's `x-request-id`, or a new one echoed in that header,
 * unless the problem sets them. Does nothing when the response headers are already sent.
 */
export function sendProblem(
  res: ServerResponse,
  problem: Problem,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    return;
  }

  const requestId = requestIdOf(res, problem, headers);
  const body = JSON.stringify({
    type: `urn:happy-os:problem:${problem.code}`,
    instance: pathOf(res),
    hint: HINTS[problem.code],
    ...problem,
    request_id: requestId,
    service: typeof problem.service === 'string' ? problem.service : 'router',
  });
  res.writeHead(problem.status, {
    ...headers,
    [REQUEST_ID_HEADER]: requestId,
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

function requestIdOf(
  res: ServerResponse,
  problem: Problem,
  headers: Record<string, string>,
): string {
  if (typeof problem.request_id === 'string') return problem.request_id;
  const received = headers[REQUEST_ID_HEADER] ?? res.req.headers[REQUEST_ID_HEADER];
  return typeof received === 'string' && received !== '' ? received : randomUUID();
}

// The path without the query string, which may carry values the client did not mean to echo.
function pathOf(res: ServerResponse): string {
  const url = res.req.url ?? '/';
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}

/** Writes a JSON response with `content-type: application/json`. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}
