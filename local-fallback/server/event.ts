import { isUtf8 } from 'node:buffer';
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { HttpEvent } from '../../lambdas/handlers/http/types.js';
import type { RequestTarget, RouteMatch } from './routes.js';

/** Inputs of {@link buildHttpEvent} for one request. */
export interface EventSource {
  readonly request: IncomingMessage;
  /** Request body; empty when the request has none. */
  readonly body: Buffer;
  readonly target: RequestTarget;
  readonly match: RouteMatch;
  readonly requestId: string;
  /** Time the request arrived, in milliseconds since the Unix epoch. */
  readonly receivedAt: number;
}

/** Fixed parts of every event's `requestContext`. */
export interface EventSettings {
  readonly accountId: string;
  readonly apiId: string;
}

/** Hop-by-hop headers (RFC 9110, section 7.6.1), which a gateway does not forward. */
const HOP_BY_HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Incoming request ids that are reused as is: short, and safe in logs and headers. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:=-]{0,63}$/;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Builds the API Gateway HTTP API event, payload format 2.0, that API Gateway would send to a
 * Lambda function for this request.
 *
 * `rawPath` and `requestContext.http.path` carry the percent-decoded path, because HTTP APIs
 * pass the path decoded. Users of HTTP APIs report this, and the AWS documentation does not
 * specify it.
 * `rawQueryString` stays as received.
 */
export function buildHttpEvent(source: EventSource, settings: EventSettings): HttpEvent {
  const { request, target, match } = source;
  const { headers, cookies } = collectHeaders(request.rawHeaders);
  const sourceIp = sourceIpOf(request);
  addGatewayHeaders(headers, sourceIp, request.socket.localPort, source.receivedAt);
  const domainName = domainNameOf(headers.host);

  return {
    version: '2.0',
    routeKey: match.routeKey,
    rawPath: target.decodedPath,
    rawQueryString: target.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...optional('queryStringParameters', parseQueryString(target.rawQueryString)),
    requestContext: {
      accountId: settings.accountId,
      apiId: settings.apiId,
      domainName,
      domainPrefix: isIP(domainName) ? domainName : (domainName.split('.')[0] ?? domainName),
      http: {
        method: request.method ?? 'GET',
        path: target.decodedPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: source.requestId,
      routeKey: match.routeKey,
      stage: '$default',
      time: formatRequestTime(new Date(source.receivedAt)),
      timeEpoch: source.receivedAt,
    },
    ...optional('pathParameters', match.pathParameters ? { ...match.pathParameters } : undefined),
    ...encodeBody(source.body, headers['content-type']),
  };
}

/**
 * Returns the request id of a request: the incoming `x-request-id` when it is a short token of
 * letters, digits and `._:=-`, otherwise a new UUID.
 */
export function resolveRequestId(header: string | string[] | undefined): string {
  if (typeof header === 'string' && SAFE_REQUEST_ID.test(header)) return header;
  return randomUUID();
}

/**
 * Formats a time as `requestContext.time` does, such as `04/Dec/2026:16:00:00 +0000` (UTC).
 */
export function formatRequestTime(date: Date): string {
  const pad = (value: number): string => String(value).padStart(2, '0');
  const day = `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}`;
  const hours = pad(date.getUTCHours());
  const clock = `${hours}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${day}:${clock} +0000`;
}

/**
 * Tells whether a body of this content type is passed as text: `text/*`, JSON and `+json`, XML
 * and `+xml`, form-urlencoded and JavaScript, in UTF-8 or US-ASCII. Anything else, a missing
 * content type included, is passed base64-encoded.
 */
export function isTextualContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [mediaType = '', ...parameters] = contentType.toLowerCase().split(';');
  const charset = parameters
    .map((parameter) => parameter.trim())
    .find((parameter) => parameter.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && !['utf-8', 'utf8', 'us-ascii'].includes(charset)) return false;

  const type = mediaType.trim();
  return (
    type.startsWith('text/') ||
    /^application\/(json|xml|javascript|x-www-form-urlencoded)$/.test(type) ||
    /\+(json|xml)$/.test(type)
  );
}

/**
 * Parses a query string into `queryStringParameters`: keys and values decoded as
 * form-urlencoded (`+` is a space), repeated keys joined with commas. Returns undefined when
 * the query has no parameters.
 */
export function parseQueryString(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  // A Map, then Object.fromEntries, so a key such as `__proto__` becomes an own property as in
  // the JSON event API Gateway sends, instead of changing the object's prototype.
  const parameters = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    const previous = parameters.get(key);
    parameters.set(key, previous === undefined ? value : `${previous},${value}`);
  }
  return parameters.size > 0 ? Object.fromEntries(parameters) : undefined;
}

/** Lower-cases header names, joins repeated headers with commas and takes out the cookies. */
function collectHeaders(rawHeaders: readonly string[]): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    const value = rawHeaders[index + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(...splitCookies(value));
    } else if (!HOP_BY_HOP_HEADERS.has(name)) {
      const previous = headers[name];
      headers[name] = previous === undefined ? value : `${previous},${value}`;
    }
  }
  return { headers, cookies };
}

function splitCookies(header: string): string[] {
  return header
    .split(';')
    .map((cookie) => cookie.trim())
    .filter((cookie) => cookie !== '');
}

/**
 * Adds the headers API Gateway adds: the client address appended to `x-forwarded-for`, and
 * `x-forwarded-proto`, `x-forwarded-port` and an X-Ray style `x-amzn-trace-id` unless a proxy
 * in front (the health router) already set them.
 */
function addGatewayHeaders(
  headers: Record<string, string>,
  sourceIp: string,
  localPort: number | undefined,
  receivedAt: number,
): void {
  const forwardedFor = headers['x-forwarded-for'];
  headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${sourceIp}` : sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  if (localPort !== undefined) headers['x-forwarded-port'] ??= String(localPort);
  headers['x-amzn-trace-id'] ??= traceIdAt(receivedAt);
}

/** Returns a trace id in the X-Ray format: version, start time in hex seconds, 96 random bits. */
function traceIdAt(epochMs: number): string {
  const seconds = Math.floor(epochMs / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${seconds}-${randomBytes(12).toString('hex')}`;
}

function sourceIpOf(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '';
  // An IPv4 client of a dual-stack listener shows up as an IPv4-mapped IPv6 address.
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function domainNameOf(host: string | undefined): string {
  if (!host) return 'localhost';
  try {
    const hostname = new URL(`http://${host}`).hostname;
    return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  } catch {
    return 'localhost';
  }
}

/**
 * Returns the `body` and `isBase64Encoded` fields: no `body` for an empty body, text for a
 * textual content type holding valid UTF-8, and base64 otherwise, so no byte is ever lost.
 */
function encodeBody(
  body: Buffer,
  contentType: string | undefined,
): { body?: string; isBase64Encoded: boolean } {
  if (body.length === 0) return { isBase64Encoded: false };
  if (isTextualContentType(contentType) && isUtf8(body)) {
    return { body: body.toString('utf8'), isBase64Encoded: false };
  }
  return { body: body.toString('base64'), isBase64Encoded: true };
}

/** Returns `{ [key]: value }`, or nothing when the value is undefined, so no key is written. */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
