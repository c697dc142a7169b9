import { connect } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { HttpEvent, HttpResult, LambdaContext } from '../../lambdas/handlers/http/types.js';
import { ROUTES, type HandlerName } from '../../lambdas/handlers/routes.js';
import {
  closeServer,
  createEdgeServer,
  listen,
  type EdgeHandler,
  type EdgeServerOptions,
} from '../../local-fallback/server/index.js';

/** One call a capturing handler received. */
export interface Invocation {
  readonly handler: HandlerName;
  readonly event: HttpEvent;
  readonly context: LambdaContext;
}

/** A server on a free loopback port, with what its handlers received and what it logged. */
export interface TestServer {
  readonly server: Server;
  readonly port: number;
  readonly baseUrl: string;
  readonly invocations: Invocation[];
  readonly logLines: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Builds the response of a capturing handler. */
export type Responder = (event: HttpEvent, context: LambdaContext) => Promise<HttpResult>;

/** Options of {@link startTestServer}: server options plus the capturing handlers' response. */
export type TestServerOptions = Partial<Omit<EdgeServerOptions, 'logger'>> & {
  readonly respond?: Responder;
};

const HANDLER_NAMES: readonly HandlerName[] = [...new Set(ROUTES.map((route) => route.handler))];

/**
 * Starts an edge server on 127.0.0.1 whose handlers record every call and respond with
 * `respond` (by default 200 `{"ok":true}`), logging through pino into `logLines`.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const invocations: Invocation[] = [];
  const logLines: Array<Record<string, unknown>> = [];
  const respond: Responder =
    options.respond ?? (async () => ({ statusCode: 200, body: '{"ok":true}' }));
  const capture = (handler: HandlerName): EdgeHandler => {
    return async (event, context) => {
      invocations.push({ handler, event, context });
      return respond(event, context);
    };
  };
  const handlers = Object.fromEntries(HANDLER_NAMES.map((name) => [name, capture(name)]));

  const { respond: _respond, ...serverOptions } = options;
  const server = createEdgeServer({
    handlers: handlers as Record<HandlerName, EdgeHandler>,
    ...serverOptions,
    logger: pino({ level: 'debug' }, collectLines(logLines)),
  });
  const address = await listen(server, 0, '127.0.0.1');
  return {
    server,
    port: address.port,
    baseUrl: `http://127.0.0.1:${address.port}`,
    invocations,
    logLines,
    close: () => closeServer(server, 500),
  };
}

/** A response read off a raw socket. */
export interface RawResponse {
  readonly status: number;
  /** Header fields in order, names lower-cased. */
  readonly headers: Array<[string, string]>;
  readonly body: Buffer;
}

/**
 * Sends bytes over a new TCP connection and reads until the server closes it. Requests should
 * carry `Connection: close`. `holdOpen` keeps the client side writable, for requests whose
 * body is never finished.
 */
export function rawRequest(
  port: number,
  data: string | Buffer,
  { holdOpen = false }: { holdOpen?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the server has responded (it closes with the body unread) still counts.
    socket.on('error', (error) => (chunks.length > 0 ? undefined : reject(error)));
    socket.on('close', () => {
      if (chunks.length === 0) return reject(new Error('The server sent no response.'));
      resolve(parseResponse(Buffer.concat(chunks)));
    });
    socket.write(data);
    if (!holdOpen) socket.end();
  });
}

/** Returns the value of the first header field named `name`. */
export function headerOf(response: RawResponse, name: string): string | undefined {
  return response.headers.find(([field]) => field === name)?.[1];
}

/** Waits until `predicate` holds, polling every 10 ms, or fails after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function parseResponse(bytes: Buffer): RawResponse {
  const headerEnd = bytes.indexOf('\r\n\r\n');
  const head = bytes.subarray(0, headerEnd).toString('latin1').split('\r\n');
  const status = Number(head[0]?.split(' ')[1]);
  const headers = head.slice(1).map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  });
  return { status, headers, body: bytes.subarray(headerEnd + 4) };
}

function collectLines(lines: Array<Record<string, unknown>>): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
}
