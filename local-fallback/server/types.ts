import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { HandlerName } from '../../lambdas/handlers/routes.js';
import type {
  HttpEvent,
  HttpResult,
  LambdaContext,
  ServiceName,
} from '../../lambdas/handlers/http/types.js';

/**
 * A function that serves API Gateway HTTP API events. Every handler that `createHandlers`
 * builds is one; tests pass plain async functions.
 */
export type EdgeHandler = (event: HttpEvent, context: LambdaContext) => Promise<HttpResult>;

/** Options of {@link createEdgeServer}. */
export interface EdgeServerOptions {
  /** One handler per Lambda function of the API, keyed by the `handler` of each route. */
  readonly handlers: Readonly<Record<HandlerName, EdgeHandler>>;
  /** Logger for one line per request and for errors the server catches. */
  readonly logger: Logger;
  /** Written as `service` into the problem bodies the server produces itself. @default 'edge' */
  readonly service?: ServiceName;
  /**
   * Maximum request body size, in bytes. A larger body gets 413, and no more of it is buffered.
   * @default 10485760 (10 MiB, the payload limit of API Gateway HTTP APIs)
   */
  readonly maxBodyBytes?: number;
  /**
   * Time a handler has per request, reported by `context.getRemainingTimeInMillis()`.
   * @default 30000 (the longest integration timeout of API Gateway HTTP APIs)
   */
  readonly handlerTimeoutMs?: number;
  /** Time allowed to receive the request headers. @default 10000 */
  readonly headersTimeoutMs?: number;
  /** Time allowed to receive the whole request, body included. @default 30000 */
  readonly requestTimeoutMs?: number;
  /**
   * Idle time after which a keep-alive connection closes. It must exceed the idle timeout of
   * clients that reuse connections (the health router's is 4000 ms), or a client may send on a
   * connection the server is closing.
   * @default 5000
   */
  readonly keepAliveTimeoutMs?: number;
  /** `requestContext.accountId` of every event. @default '000000000000' */
  readonly accountId?: string;
  /** `requestContext.apiId` of every event. @default 'happyedge' */
  readonly apiId?: string;
  /** Region written into `context.invokedFunctionArn`. @default 'local' */
  readonly region?: string;
  /**
   * Prometheus metrics served on `GET /metrics` without authentication, as the health router
   * serves its own. @default null, which leaves `/metrics` to the route table (404)
   */
  readonly metrics?: Registry | null;
}

/** Options of {@link createEdgeServer} with every default applied and every value checked. */
export type EdgeServerSettings = Required<EdgeServerOptions>;
