import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import { HappyError } from '../../lambdas/core/errors.js';
import type { HttpResult } from '../../lambdas/handlers/http/types.js';
import { toAppLogger } from '../../local-fallback/logging/index.js';
import { composeSqliteNode, type SqliteNode } from '../../local-fallback/server/compose.js';
import { createInstanceId, createLambdaContext } from '../../local-fallback/server/context.js';
import { buildHttpEvent, resolveRequestId } from '../../local-fallback/server/event.js';
import {
  serverProblem,
  toOutgoingResponse,
  type OutgoingResponse,
} from '../../local-fallback/server/response.js';
import { createRouteMatcher, parseRequestTarget } from '../../local-fallback/server/routes.js';
import { closeServer, createEdgeServer, listen } from '../../local-fallback/server/server.js';
import { defaultKeyFile } from '../../local-fallback/storage/index.js';

/** One request, the same for every transport. */
export interface TransportRequest {
  readonly method: string;
  /**
   * Request path, percent-encoded where needed, such as `/api/v1/agent-a/memory/01J…`. It is
   * sent as written: dot segments such as `..` or `%2e%2e` are not resolved.
   */
  readonly path: string;
  /** Query parameters, form-urlencoded into the request target. */
  readonly query?: Record<string, string>;
  /** Extra header fields. A `content-type` here replaces the default `application/json`. */
  readonly headers?: Record<string, string>;
  /** Body value, sent JSON-encoded. */
  readonly body?: unknown;
  /** Body text (UTF-8) or bytes, sent as is instead of `body`. */
  readonly rawBody?: string | Uint8Array;
  /** Bearer token, sent as `authorization: Bearer <token>`. */
  readonly token?: string;
}

/** One response, the same for every transport. */
export interface TransportResponse {
  readonly status: number;
  /** Header fields with lower-case names. Repeated fields are joined with `, `. */
  readonly headers: Record<string, string>;
  /** Parsed JSON body, or null when the body is empty. */
  readonly json: unknown;
  /** Body text as received, decoded as UTF-8. */
  readonly text: string;
  /** Body bytes as received. A response to HEAD has none. */
  readonly bytes: Buffer;
}

/** A way to deliver requests to a composed node. */
export interface Transport {
  readonly name: 'direct' | 'http';
  send(request: TransportRequest): Promise<TransportResponse>;
  /** Closes the transport's server and connections, but leaves the node open. */
  close(): Promise<void>;
}

/** A node composed on SQLite in a temporary folder, for one suite. */
export interface TestNode {
  readonly node: SqliteNode;
  readonly adminToken: string;
  readonly dataDir: string;
  /** File of the private key that signs this node's agent tokens. */
  readonly keyFile: string;
  /** Stops the task workers if they run, closes the database and removes the folder. */
  close(): Promise<void>;
}

/** Settings of {@link createTestNode}. */
export interface TestNodeOptions {
  /** @default 'happy_admin_test_token_0123456789' */
  readonly adminToken?: string;
  /** Maximum size of a stored file, in bytes. @default 1048576, as on the edge service */
  readonly maxFileBytes?: number;
  /** Starts the task worker pool, as `npm start` does. @default false */
  readonly startWorkers?: boolean;
}

/** Lambda settings of the edge server's defaults, so both transports build the same events. */
const EVENT_SETTINGS = { accountId: '000000000000', apiId: 'happyedge' };
const CONTEXT_SETTINGS = { accountId: '000000000000', region: 'local' };
/** The edge server's default handler timeout, as `getRemainingTimeInMillis` reports it. */
const HANDLER_TIMEOUT_MS = 30_000;

/** Composes a fresh node on SQLite in a new folder under the system's temporary folder. */
export function createTestNode(options: TestNodeOptions = {}): TestNode {
  const adminToken = options.adminToken ?? 'happy_admin_test_token_0123456789';
  const dataDir = mkdtempSync(join(tmpdir(), 'happy-edge-test-'));
  const logger = toAppLogger(pino({ level: 'silent' }));
  const config = {
    service: 'edge' as const,
    dataDir,
    nodeId: 'edge',
    adminToken,
    maxFileBytes: options.maxFileBytes,
  };
  const node = composeSqliteNode(config, logger);
  if (options.startWorkers) node.workers.start();
  return {
    node,
    adminToken,
    dataDir,
    keyFile: defaultKeyFile(dataDir),
    close: async () => {
      if (options.startWorkers) await node.workers.stop();
      node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Creates a transport that builds the API Gateway event the edge server would build for the
 * request (same route matcher, same event builder) and calls the route's handler function.
 * Routing errors (404, 405, malformed paths) get the problem responses the server sends. The
 * result becomes a response as the server writes it: with `content-length`, and without a body
 * for HEAD.
 */
export function directTransport(node: SqliteNode): Transport {
  const matcher = createRouteMatcher();
  const instanceId = createInstanceId();

  const send = async (input: TransportRequest): Promise<TransportResponse> => {
    const url = targetOf(input);
    const body = bodyOf(input);
    const headers = headersOf(input, body);
    const requestId = resolveRequestId(headers['x-request-id']);
    const receivedAt = Date.now();

    let result: HttpResult;
    let handler = 'edge';
    // The server names the decoded path in its own problems once the path could be parsed.
    let instance = '';
    try {
      const target = parseRequestTarget(url);
      instance = target.decodedPath;
      const match = matcher(input.method, target.segments);
      handler = match.handler;
      const message = incomingMessage(input.method, headers);
      const source = { request: message, body, target, match, requestId, receivedAt };
      const event = buildHttpEvent(source, EVENT_SETTINGS);
      const context = createLambdaContext(
        { handler: match.handler, requestId, receivedAt, timeoutMs: HANDLER_TIMEOUT_MS },
        { ...CONTEXT_SETTINGS, instanceId },
      );
      result = await node.handlers[match.handler](event, context);
    } catch (error) {
      if (!(error instanceof HappyError)) throw error;
      result = serverProblem(error, { service: 'edge', requestId, instance });
    }
    return fromHandlerResult(input.method, toOutgoingResponse(result, handler, requestId));
  };
  return { name: 'direct', send, close: async () => undefined };
}

/**
 * Creates a transport that serves the node with `createEdgeServer` on a free loopback port and
 * sends each request through undici. It calls `Dispatcher.request` with the path as written,
 * because undici's `request(url)` parses the URL and so removes `..` and `%2e%2e` segments.
 */
export async function httpTransport(node: SqliteNode): Promise<Transport> {
  const server: Server = createEdgeServer({
    handlers: node.handlers,
    logger: pino({ level: 'silent' }),
    service: 'edge',
  });
  const address = await listen(server, 0, '127.0.0.1');
  const dispatcher = new Agent();
  const origin = `http://127.0.0.1:${address.port}`;

  const send = async (input: TransportRequest): Promise<TransportResponse> => {
    const body = bodyOf(input);
    const response = await dispatcher.request({
      origin,
      path: targetOf(input),
      method: input.method as Dispatcher.HttpMethod,
      headers: headersOf(input, body),
      body: body.length > 0 ? body : undefined,
    });
    const bytes = Buffer.from(await response.body.arrayBuffer());
    return { status: response.statusCode, headers: flatten(response.headers), ...parse(bytes) };
  };
  const close = async (): Promise<void> => {
    await dispatcher.close();
    await closeServer(server, 500);
  };
  return { name: 'http', send, close };
}

function targetOf(input: TransportRequest): string {
  const query = new URLSearchParams(input.query ?? {}).toString();
  return query === '' ? input.path : `${input.path}?${query}`;
}

function bodyOf(input: TransportRequest): Buffer {
  if (typeof input.rawBody === 'string') return Buffer.from(input.rawBody, 'utf8');
  if (input.rawBody !== undefined) return Buffer.from(input.rawBody);
  if (input.body === undefined) return Buffer.alloc(0);
  return Buffer.from(JSON.stringify(input.body), 'utf8');
}

function headersOf(input: TransportRequest, body: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  if (body.length > 0) headers['content-type'] = 'application/json';
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  if (input.token !== undefined) headers.authorization = `Bearer ${input.token}`;
  return headers;
}

/**
 * Builds the parts of an `IncomingMessage` that `buildHttpEvent` reads, as Node's parser would
 * fill them for this request arriving from 127.0.0.1 over HTTP/1.1.
 */
function incomingMessage(method: string, headers: Record<string, string>): IncomingMessage {
  const rawHeaders = ['host', '127.0.0.1', ...Object.entries(headers).flat()];
  const message = {
    method,
    httpVersion: '1.1',
    headers: { host: '127.0.0.1', ...headers },
    rawHeaders,
    socket: { remoteAddress: '127.0.0.1', localPort: 0 },
  };
  return message as unknown as IncomingMessage;
}

/** Statuses whose responses have no body and so no `content-length` (RFC 9110). */
const BODILESS_STATUSES = new Set([204, 304]);

/**
 * Converts what `toOutgoingResponse` prepared into the response an HTTP client receives. It sets
 * `content-length` as `writeResponse` does, and drops the body of a response to HEAD as Node's
 * HTTP server does.
 */
function fromHandlerResult(method: string, outgoing: OutgoingResponse): TransportResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of outgoing.headers) {
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${previous}, ${value}`;
  }
  if (!BODILESS_STATUSES.has(outgoing.statusCode)) {
    headers['content-length'] = String(outgoing.body.length);
  }
  const bytes = method === 'HEAD' ? Buffer.alloc(0) : outgoing.body;
  return { status: outgoing.statusCode, headers, ...parse(bytes) };
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * Parses a body as JSON. A body that is not JSON, such as a downloaded file, gives `json`
 * undefined and keeps `text` and `bytes`.
 */
function parse(bytes: Buffer): { json: unknown; text: string; bytes: Buffer } {
  const text = bytes.toString('utf8');
  if (text === '') return { json: null, text, bytes };
  try {
    return { json: JSON.parse(text) as unknown, text, bytes };
  } catch {
    return { json: undefined, text, bytes };
  }
}
