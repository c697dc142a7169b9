import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { HappyError } from '../../lambdas/core/errors.js';
import type { HttpResult } from '../../lambdas/handlers/http/types.js';
import { toAppLogger } from '../../local-fallback/logging/index.js';
import { composeSqliteNode, type SqliteNode } from '../../local-fallback/server/compose.js';
import { createInstanceId, createLambdaContext } from '../../local-fallback/server/context.js';
import { buildHttpEvent, resolveRequestId } from '../../local-fallback/server/event.js';
import { serverProblem } from '../../local-fallback/server/response.js';
import { createRouteMatcher, parseRequestTarget } from '../../local-fallback/server/routes.js';
import { closeServer, createEdgeServer, listen } from '../../local-fallback/server/server.js';
import { defaultKeyFile } from '../../local-fallback/storage/index.js';

/** One request, the same for every transport. */
export interface TransportRequest {
  readonly method: string;
  /** Request path, percent-encoded where needed, such as `/api/v1/agent-a/memory/01J…`. */
  readonly path: string;
  /** Query parameters, form-urlencoded into the request target. */
  readonly query?: Record<string, string>;
  /** Extra header fields. A `content-type` here replaces the default `application/json`. */
  readonly headers?: Record<string, string>;
  /** Body value, sent JSON-encoded. */
  readonly body?: unknown;
  /** Body text, sent as is instead of `body`. */
  readonly rawBody?: string;
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
  /** Body text as received. */
  readonly text: string;
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
  /** Closes the database and removes the temporary folder. */
  close(): void;
}

/** Lambda settings of the edge server's defaults, so both transports build the same events. */
const EVENT_SETTINGS = { accountId: '000000000000', apiId: 'happyedge' };
const CONTEXT_SETTINGS = { accountId: '000000000000', region: 'local' };
/** The edge server's default handler timeout, as `getRemainingTimeInMillis` reports it. */
const HANDLER_TIMEOUT_MS = 30_000;

/** Composes a fresh node on SQLite in a new folder under the system's temporary folder. */
export function createTestNode(adminToken = 'happy_admin_test_token_0123456789'): TestNode {
  const dataDir = mkdtempSync(join(tmpdir(), 'happy-edge-test-'));
  const logger = toAppLogger(pino({ level: 'silent' }));
  const node = composeSqliteNode({ service: 'edge', dataDir, nodeId: 'edge', adminToken }, logger);
  return {
    node,
    adminToken,
    dataDir,
    keyFile: defaultKeyFile(dataDir),
    close: () => {
      node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Creates a transport that builds the API Gateway event the edge server would build for the
 * request (same route matcher, same event builder) and calls the route's handler function.
 * Routing errors (404, 405, malformed paths) get the problem responses the server sends.
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
    // The server names the decoded path in its own problems once the path could be parsed.
    let instance = '';
    try {
      const target = parseRequestTarget(url);
      instance = target.decodedPath;
      const match = matcher(input.method, target.segments);
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
    return fromHandlerResult(result);
  };
  return { name: 'direct', send, close: async () => undefined };
}

/**
 * Creates a transport that serves the node with `createEdgeServer` on a free loopback port and
 * sends each request through undici.
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
    const response = await request(`${origin}${targetOf(input)}`, {
      method: input.method as 'GET',
      headers: headersOf(input, body),
      body: body.length > 0 ? body : undefined,
      dispatcher,
    });
    const text = await response.body.text();
    return { status: response.statusCode, headers: flatten(response.headers), ...parse(text) };
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
  if (input.rawBody !== undefined) return Buffer.from(input.rawBody, 'utf8');
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

function fromHandlerResult(result: HttpResult): TransportResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    headers[name.toLowerCase()] = String(value);
  }
  const raw = result.body ?? '';
  const text = result.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  return { status: result.statusCode ?? 200, headers, ...parse(text) };
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** Parses a body as JSON. A body that is not JSON gives `json` undefined and keeps `text`. */
function parse(text: string): { json: unknown; text: string } {
  if (text === '') return { json: null, text };
  try {
    return { json: JSON.parse(text) as unknown, text };
  } catch {
    return { json: undefined, text };
  }
}
