import type { ServerResponse } from 'node:http';

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
  | 'internal_error';

/** RFC 9457 problem details with the project's stable `code`. */
export interface Problem {
  readonly status: number;
  readonly code: ProblemCode;
  readonly title: string;
  readonly detail: string;
  readonly [extension: string]: unknown;
}

/** Media type of problem details (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Writes a problem document as the whole response. `type` is a URN built from `code`, and
 * `service` is `router` so a client can tell it from a target's own errors. Does nothing when
 * the response headers are already sent.
 */
export function sendProblem(
  res: ServerResponse,
  problem: Problem,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    return;
  }

  const body = JSON.stringify({
    type: `urn:happy-os:problem:${problem.code}`,
    ...problem,
    service: 'router',
  });
  res.writeHead(problem.status, {
    ...headers,
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
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
