import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { HttpEvent, HttpResult } from '../handlers/http/types.js';

/** An event of either API Gateway payload format. */
export type ApiEvent = HttpEvent | APIGatewayProxyEvent;
/** A result of either API Gateway payload format. */
export type ApiResult = HttpResult | APIGatewayProxyResult;

/**
 * Converts a REST API event (payload format 1.0, the LocalStack target) into the HTTP API event
 * (format 2.0) the handlers read. The route key is the method and the resource path, header
 * names are lower-cased and repeated values joined with commas, and cookies move from the
 * `cookie` header into `cookies`, as an HTTP API passes them.
 */
export function toHttpEvent(event: APIGatewayProxyEvent): HttpEvent {
  const headers = joinedHeaders(event);
  const cookieHeader = headers.cookie;
  delete headers.cookie;
  const context = event.requestContext;
  const timeEpoch = context.requestTimeEpoch ?? Date.now();
  const routeKey = `${event.httpMethod} ${event.resource}`;
  const query = joinedQuery(event);
  const domainName = context.domainName ?? headers.host ?? '';

  return {
    version: '2.0',
    routeKey,
    rawPath: event.path,
    rawQueryString: rawQueryOf(event),
    ...(cookieHeader ? { cookies: cookieHeader.split(/;\s*/).filter((c) => c !== '') } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: context.accountId,
      apiId: context.apiId,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: event.httpMethod,
        path: event.path,
        protocol: context.protocol ?? 'HTTP/1.1',
        sourceIp: context.identity?.sourceIp ?? '',
        userAgent: context.identity?.userAgent ?? headers['user-agent'] ?? '',
      },
      requestId: context.requestId,
      routeKey,
      stage: context.stage,
      time: formatRequestTime(new Date(timeEpoch)),
      timeEpoch,
    },
    ...(event.pathParameters ? { pathParameters: definedOnly(event.pathParameters) } : {}),
    ...(event.body === null ? {} : { body: event.body }),
    isBase64Encoded: event.isBase64Encoded,
  };
}

/** Converts an HTTP API result (format 2.0) into a REST API result (format 1.0). */
export function toRestResult(result: HttpResult): APIGatewayProxyResult {
  const headers: Record<string, string | number | boolean> = { ...result.headers };
  return {
    statusCode: result.statusCode ?? 200,
    headers,
    ...(result.cookies && result.cookies.length > 0
      ? { multiValueHeaders: { 'set-cookie': result.cookies } }
      : {}),
    body: result.body ?? '',
    isBase64Encoded: result.isBase64Encoded ?? false,
  };
}

/** Tells whether an event is in payload format 2.0. */
export function isHttpEvent(event: ApiEvent): event is HttpEvent {
  return (event as HttpEvent).version === '2.0';
}

function joinedHeaders(event: APIGatewayProxyEvent): Record<string, string> {
  const joined = new Map<string, string[]>();
  const add = (name: string, values: readonly (string | undefined)[]) => {
    const key = name.toLowerCase();
    const list = joined.get(key) ?? [];
    for (const value of values) if (value !== undefined) list.push(value);
    joined.set(key, list);
  };
  // multiValueHeaders repeats every header of `headers`, so `headers` only fills in when a
  // caller (such as a test event) sends no multiValueHeaders.
  const multi = event.multiValueHeaders ?? {};
  for (const [name, values] of Object.entries(multi)) add(name, values ?? []);
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (!joined.has(name.toLowerCase())) add(name, [value]);
  }
  const headers: Record<string, string> = {};
  for (const [name, values] of joined) headers[name] = values.join(name === 'cookie' ? '; ' : ',');
  return headers;
}

function joinedQuery(event: APIGatewayProxyEvent): Record<string, string> | undefined {
  const pairs = queryPairs(event);
  if (pairs.length === 0) return undefined;
  const joined = new Map<string, string>();
  for (const [name, value] of pairs) {
    const previous = joined.get(name);
    joined.set(name, previous === undefined ? value : `${previous},${value}`);
  }
  return Object.fromEntries(joined);
}

function rawQueryOf(event: APIGatewayProxyEvent): string {
  return new URLSearchParams(queryPairs(event)).toString();
}

/** Returns the query parameters as name and value pairs, repeated names included. */
function queryPairs(event: APIGatewayProxyEvent): [string, string][] {
  const multi = event.multiValueQueryStringParameters;
  if (multi) {
    return Object.entries(multi).flatMap(([name, values]) =>
      (values ?? []).map((value): [string, string] => [name, value]),
    );
  }
  return Object.entries(event.queryStringParameters ?? {}).flatMap(([name, value]) =>
    value === undefined ? [] : [[name, value] as [string, string]],
  );
}

function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Formats a time as `requestContext.time` of format 2.0, such as `04/Dec/2026:16:00:00 +0000`. */
function formatRequestTime(date: Date): string {
  const pad = (value: number): string => String(value).padStart(2, '0');
  const day = `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}`;
  const clock = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${day}:${clock} +0000`;
}
