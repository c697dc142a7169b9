import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClientErrorListener, type ActiveResponses } from './client-error.js';
import { createInstanceId } from './context.js';
import { handleRequest, type RequestDependencies } from './handle-request.js';
import { isMetricsRequest, serveMetrics } from './metrics.js';
import { createRouteMatcher } from './routes.js';
import { resolveSettings } from './options.js';
import type { EdgeServerOptions } from './types.js';

/**
 * How often Node checks the headers and request timeouts. Its default of 30 s would let a
 * stalled client hold a connection up to 30 s past `headersTimeoutMs`.
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/**
 * Creates the HTTP server of the edge service. Each request is matched against the route
 * table, turned into an API Gateway HTTP API event (payload format 2.0) and passed to the
 * handler of its route, whose result is written back as API Gateway would write it. The
 * server does not listen until {@link listen} starts it.
 *
 * @throws {EdgeServerOptionsError} when a handler is missing or a limit is out of range.
 */
export function createEdgeServer(options: EdgeServerOptions): Server {
  const settings = resolveSettings(options);
  const activeResponses: ActiveResponses = new WeakMap();
  const dependencies: RequestDependencies = {
    settings,
    matcher: createRouteMatcher(),
    activeResponses,
    instanceId: createInstanceId(),
  };

  const server = createServer({
    headersTimeout: settings.headersTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
  });
  server.keepAliveTimeout = settings.keepAliveTimeoutMs;

  server.on('request', createRequestListener(dependencies, false));
  // With a checkContinue listener, Node leaves `100 Continue` to the server, which sends it
  // only after the route and the announced length have been accepted.
  server.on('checkContinue', createRequestListener(dependencies, true));
  server.on('clientError', createClientErrorListener({ ...settings, activeResponses }));
  return server;
}

function createRequestListener(dependencies: RequestDependencies, expectsContinue: boolean) {
  const { metrics, logger, service } = dependencies.settings;
  return (request: IncomingMessage, response: ServerResponse): void => {
    if (metrics && isMetricsRequest(request)) {
      void serveMetrics(metrics, request, response, { logger, service });
      return;
    }
    handleRequest(request, response, expectsContinue, dependencies).catch((error: unknown) => {
      dependencies.settings.logger.error(
        { err: error },
        'Failed to write a response, so the connection was closed.',
      );
      response.destroy();
    });
  };
}

/**
 * Starts listening on `host` and `port` (0 picks a free port).
 *
 * @returns the address the server listens on.
 * @throws the listen error, such as `EADDRINUSE`.
 */
export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Stops accepting connections, lets requests in progress finish for up to `graceMs`, then
 * closes every connection that is left. Resolves once the server has closed.
 */
export function closeServer(server: Server, graceMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close((error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}
