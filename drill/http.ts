import { randomUUID } from 'node:crypto';
import { Agent, request, type Dispatcher } from 'undici';

/** Node that responded to a request: a target of the router, the router itself, or none. */
export type ServedBy = 'cloud' | 'edge' | 'router' | 'none';

/** Outcome of one request. */
export interface HttpResult {
  /** HTTP status, or 0 when no response arrived (refused, reset or timed out). */
  readonly status: number;
  readonly servedBy: ServedBy;
  /** True when the router retried the request on the other target (`x-happy-failover`). */
  readonly retried: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- callers read known fields.
  readonly json: any;
  /** Reason that no response arrived, or null. */
  readonly error: string | null;
  readonly latencyMs: number;
}

/** Options of one request. */
export interface RequestOptions {
  readonly token?: string;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Adds an `Idempotency-Key` header, which lets the router resend the request on failover. */
  readonly idempotent?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * HTTP client of the drill, on undici with pooled keep-alive connections per origin. It never
 * throws for a failed exchange: a refused, reset or timed-out request comes back as status 0.
 */
export class DrillHttp {
  private readonly dispatcher: Dispatcher;

  /** @param connections open connections per origin. @default 128 */
  constructor(connections = 128) {
    this.dispatcher = new Agent({ connections, keepAliveTimeout: 4000 });
  }

  /** Sends one request to `baseUrl` + `path`. */
  async send(
    baseUrl: string,
    method: Method,
    path: string,
    options: RequestOptions = {},
  ): Promise<HttpResult> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotent) headers['idempotency-key'] = randomUUID();
    const timeout = options.timeoutMs ?? 10_000;
    const started = performance.now();
    try {
      const response = await request(`${baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        dispatcher: this.dispatcher,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      const text = await response.body.text();
      const json = parseJson(text);
      return {
        status: response.statusCode,
        servedBy: servedByOf(response.headers['x-happy-served-by'], json),
        retried: response.headers['x-happy-failover'] === 'retried',
        json,
        error: null,
        latencyMs: performance.now() - started,
      };
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return {
        status: 0,
        servedBy: 'none',
        retried: false,
        json: undefined,
        error: message,
        latencyMs: performance.now() - started,
      };
    }
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads the target from the router's header, or without a router from the body's `service`. */
function servedByOf(header: string | string[] | undefined, json: unknown): ServedBy {
  const service =
    typeof header === 'string' ? header : (json as { service?: unknown } | undefined)?.service;
  if (service === 'cloud' || service === 'edge' || service === 'router') return service;
  return 'none';
}
