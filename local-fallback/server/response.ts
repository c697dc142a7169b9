import {
  STATUS_CODES,
  validateHeaderName,
  validateHeaderValue,
  type ServerResponse,
} from 'node:http';
import type { HappyError } from '../../lambdas/core/errors.js';
import { problemResponse, type ProblemContext } from '../../lambdas/handlers/http/problem.js';
import type { HttpResult } from '../../lambdas/handlers/http/types.js';
import { InvalidHandlerResultError, MethodNotAllowedError } from './errors.js';

/** A response ready to write: status, header fields in order, and body bytes. */
export interface OutgoingResponse {
  readonly statusCode: number;
  /** Header fields as name and value pairs; a name may repeat, as `set-cookie` does. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

/**
 * A handler result as written by Lambda functions for format 2.0. `multiValueHeaders` belongs
 * to format 1.0, but the edge writes it too when a handler returns it.
 */
type ResultWithMultiValueHeaders = HttpResult & {
  readonly multiValueHeaders?: Record<string, ReadonlyArray<boolean | number | string>>;
};

/** Headers that the server sets itself, so a handler's values for them are dropped. */
const SERVER_HEADERS = new Set([
  'connection',
  'content-length',
  'keep-alive',
  'transfer-encoding',
  'x-request-id',
]);

/** Statuses whose responses have no body and so no `content-length` (RFC 9110). */
const BODILESS_STATUSES = new Set([204, 304]);

/**
 * Converts what a handler returned into a response, following API Gateway for format 2.0: a
 * result without `statusCode` is a 200 whose JSON body is the result itself (a string is the
 * body as is), and `cookies` become `set-cookie` headers. `x-request-id` is added.
 *
 * @throws {InvalidHandlerResultError} when the status, a header or the body is invalid. API
 *   Gateway responds 500 to such a result as well.
 */
export function toOutgoingResponse(
  result: unknown,
  handler: string,
  requestId: string,
): OutgoingResponse {
  const structured = toStructuredResult(result, handler);
  const statusCode = structured.statusCode ?? 200;
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new InvalidHandlerResultError(handler, `status code ${String(statusCode)}`);
  }

  const headers = collectResponseHeaders(structured, handler);
  headers.push(['x-request-id', requestId]);
  return { statusCode, headers, body: decodeBody(structured, handler) };
}

/**
 * Builds the problem+json response for an error the server produces itself, in the shape of
 * the handlers' problem responses. A 405 also gets its `allow` header.
 */
export function serverProblem(error: HappyError, context: ProblemContext): HttpResult {
  const result = withStandardTitle(problemResponse(error, context));
  if (error instanceof MethodNotAllowedError) {
    return { ...result, headers: { ...result.headers, allow: error.allow.join(', ') } };
  }
  return result;
}

/**
 * Writes a response unless the client has gone or a response was already started. A response
 * to a request whose body was not read closes the connection, so the unread body is never
 * parsed as the next request. Returns whether it wrote.
 */
export function writeResponse(
  response: ServerResponse,
  outgoing: OutgoingResponse,
  closeConnection: boolean,
): boolean {
  if (response.headersSent || response.destroyed) return false;

  response.statusCode = outgoing.statusCode;
  for (const [name, value] of outgoing.headers) response.appendHeader(name, value);
  if (closeConnection) response.setHeader('connection', 'close');
  if (BODILESS_STATUSES.has(outgoing.statusCode)) {
    response.end();
  } else {
    response.setHeader('content-length', outgoing.body.length);
    response.end(outgoing.body);
  }
  return true;
}

function toStructuredResult(result: unknown, handler: string): ResultWithMultiValueHeaders {
  if (typeof result === 'string') {
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: result };
  }
  if (result === null || typeof result !== 'object') {
    throw new InvalidHandlerResultError(handler, `a value of type ${describeType(result)}`);
  }
  if (!('statusCode' in result)) {
    const body = JSON.stringify(result);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body };
  }
  return result as ResultWithMultiValueHeaders;
}

function collectResponseHeaders(result: ResultWithMultiValueHeaders, handler: string) {
  const headers: Array<[string, string]> = [];
  const add = (name: string, value: unknown): void => {
    const lowerName = name.toLowerCase();
    if (SERVER_HEADERS.has(lowerName)) return;
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new InvalidHandlerResultError(
        handler,
        `header "${name}" of type ${describeType(value)}`,
      );
    }
    try {
      validateHeaderName(lowerName);
      validateHeaderValue(lowerName, String(value));
    } catch {
      throw new InvalidHandlerResultError(
        handler,
        `header "${name}" with an invalid name or value`,
      );
    }
    headers.push([lowerName, String(value)]);
  };

  for (const [name, value] of Object.entries(result.headers ?? {})) add(name, value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    for (const value of Array.isArray(values) ? values : [values]) add(name, value);
  }
  for (const cookie of asArray(result.cookies, handler)) add('set-cookie', cookie);
  return headers;
}

function decodeBody(result: HttpResult, handler: string): Buffer {
  const { body } = result;
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body !== 'string') {
    throw new InvalidHandlerResultError(handler, `a body of type ${describeType(body)}`);
  }
  return result.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

function asArray(cookies: unknown, handler: string): readonly unknown[] {
  if (cookies === undefined || cookies === null) return [];
  if (!Array.isArray(cookies)) {
    throw new InvalidHandlerResultError(handler, `cookies of type ${describeType(cookies)}`);
  }
  return cookies;
}

/** Replaces the generic title `Error` with the standard reason phrase, such as for 414. */
function withStandardTitle(result: HttpResult): HttpResult {
  const body = JSON.parse(result.body ?? '{}') as { title?: string; status?: number };
  const phrase = body.status === undefined ? undefined : STATUS_CODES[body.status];
  if (body.title !== 'Error' || phrase === undefined) return result;
  return { ...result, body: JSON.stringify({ ...body, title: phrase }) };
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}
