import type { HttpResult, ServiceName } from './types.js';

/** Builds a JSON response whose body also names the serving path. */
export function jsonResponse(
  statusCode: number,
  body: Record<string, unknown>,
  service: ServiceName,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ ...body, service }),
  };
}

/** Builds an empty response, such as 204 after a delete. */
export function emptyResponse(statusCode: number): HttpResult {
  return { statusCode, headers: {}, body: '' };
}
