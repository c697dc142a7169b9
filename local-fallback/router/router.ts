import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

import { type Logger, pino } from 'pino';

import { handleAdmin } from './admin.js';
import { type RouterConfig, type RouterConfigInput, parseRouterConfig } from './config.js';
import { FailoverController } from './controller.js';
import { RouterStateError } from './errors.js';
import { RouterEvents } from './events.js';
import { FailoverPolicy } from './failover-policy.js';
import { FaultInjector } from './faults.js';
import { METRICS_CONTENT_TYPE, RouterMetrics } from './metrics.js';
import { PROBLEM_CONTENT_TYPE, sendJson, sendProblem } from './problem.js';
import { type ProxyContext, proxyRequest } from './proxy.js';
import { type RouterStatus, buildBreakerStatus, buildStatus } from './status.js';
import { Target } from './target.js';
import { fetchTargetJson } from './target-json.js';
import { alwaysReady } from './recovery-gate.js';
import type { RecoveryGate, TargetRole } from './types.js';

/** Options of {@link createRouter}. */
export interface RouterOptions {
  /** Logger for flips, health changes, faults and errors. @default pino at level info */
  readonly logger?: Logger;
  /** Decides whether the router may flip back to the primary. @default always ready */
  readonly recoveryGate?: RecoveryGate;
}

/** A health router, created by {@link createRouter}. */
export interface Router {
  /**
   * Starts serving and the health checks; port 0 picks a free port. Port and host default to
   * the configuration.
   *
   * @throws {RouterStateError} when called twice or after {@link close}.
   */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Stops serving, the health checks and the connection pools. */
  close(): Promise<void>;
  /** Returns the body of `GET /router/status`. */
  status(): RouterStatus;
  /** Every health check change, flip, breaker change, recovery step and fault. */
  readonly events: RouterEvents;
  /** Validated configuration in use. */
  readonly config: RouterConfig;
}

interface RouterParts {
  readonly config: RouterConfig;
  readonly logger: Logger;
  readonly events: RouterEvents;
  readonly faults: FaultInjector;
  readonly metrics: RouterMetrics;
  readonly targets: Readonly<Record<TargetRole, Target>>;
  readonly policy: FailoverPolicy;
  readonly controller: FailoverController;
  readonly proxy: ProxyContext;
  status(): RouterStatus;
}

/**
 * Creates the health router, an HTTP reverse proxy in front of a primary (cloud) and a secondary
 * (edge) target. It runs active health checks and a circuit breaker per target, fails over with
 * hysteresis, retries safe requests on the other target, and serves fault injection and
 * Prometheus metrics.
 *
 * @throws {RouterConfigInvalidError} when the configuration is invalid, listing every problem.
 */
export function createRouter(
  input: RouterConfigInput | RouterConfig,
  options: RouterOptions = {},
): Router {
  const parts = assemble(parseRouterConfig(input), options);
  const server = createServer((req, res) => {
    handle(parts, req, res).catch((error: unknown) =>
      onHandlerError(parts.logger, req, res, error),
    );
  });
  server.on('upgrade', rejectUpgrade);

  return lifecycle(server, parts);
}

// Listening and closing, in that order and once each.
function lifecycle(server: Server, parts: RouterParts): Router {
  let state: 'ready' | 'listening' | 'closed' = 'ready';
  return {
    events: parts.events,
    config: parts.config,
    status: parts.status,
    async listen(port = parts.config.port, host = parts.config.host) {
      if (state !== 'ready') {
        throw new RouterStateError(`The router cannot listen while ${state}; create a new router.`);
      }
      state = 'listening';
      const address = await listenOn(server, port, host).catch((error: unknown) => {
        state = 'ready';
        throw error;
      });
      parts.controller.start();
      parts.logger.info({ host: address.address, port: address.port }, 'router listening');
      return address;
    },
    async close() {
      const wasListening = state === 'listening';
      state = 'closed';
      parts.controller.stop();
      parts.faults.clear();
      if (wasListening) {
        await closeServer(server);
      }
      await Promise.all([parts.targets.primary.close(), parts.targets.secondary.close()]);
    },
  };
}

async function listenOn(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

// Ends keep-alive and event-stream connections too, which server.close() alone waits for.
async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

function assemble(config: RouterConfig, options: RouterOptions): RouterParts {
  const logger = options.logger ?? pino({ name: 'happy-router' });
  const now = Date.now();
  const events = new RouterEvents();
  const faults = new FaultInjector();
  const metrics = new RouterMetrics();
  const targets = {
    primary: new Target('primary', config.targets.primary, faults, now),
    secondary: new Target('secondary', config.targets.secondary, faults, now),
  };
  const policy = new FailoverPolicy(config.failover, now);
  const recoveryGate = options.recoveryGate ?? alwaysReady;
  const controller = new FailoverController({
    ...{ targets, policy, events, metrics, logger, recoveryGate },
    failover: config.failover,
  });
  faults.onEvent((event) => controller.onFault(event));

  const proxy: ProxyContext = {
    targets,
    activeRole: () => policy.active,
    maxRetryBodyBytes: config.maxRetryBodyBytes,
    trustForwardedHeaders: config.trustForwardedHeaders,
    onExchange: (target, outcome, seconds) => controller.onExchange(target, outcome, seconds),
    onRetry: (from, to, failure) =>
      metrics.retries.inc({ from: from.role, to: to.role, reason: failure.kind }),
    onRouterError: (code) => metrics.routerErrors.inc({ code }),
  };
  const status = () => buildStatus(policy, targets, faults);
  return { config, logger, events, faults, metrics, targets, policy, controller, proxy, status };
}

// `/metrics`, `/circuit-breakers` and everything under `/router` belong to the router; every
// other path goes to a target.
async function handle(
  parts: RouterParts,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = pathOf(req.url ?? '/');
  if (path === '/metrics' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' });
    res.end(await parts.metrics.registry.metrics());
    return;
  }
  if (path === '/circuit-breakers' && req.method === 'GET') {
    const fetched = await fetchTargetJson(parts.targets[parts.policy.active], '/circuit-breakers');
    sendJson(res, 200, {
      router: buildBreakerStatus(parts.targets),
      ...fetched,
      service: 'router',
    });
    return;
  }
  if (path === '/router' || path.startsWith('/router/')) {
    const { config, faults, events, status } = parts;
    await handleAdmin({ adminToken: config.adminToken, faults, events, status }, req, res, path);
    return;
  }
  await proxyRequest(parts.proxy, req, res);
}

// Cheaper than new URL() on every request; the router only compares the path.
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function onHandlerError(
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
): void {
  const fields = { err: error, method: req.method, url: req.url };
  if (req.destroyed || res.destroyed) {
    logger.debug(fields, 'client closed the connection before the router responded');
    return;
  }

  logger.error(fields, 'router failed to handle a request');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendProblem(res, {
    status: 500,
    code: 'internal_error',
    title: 'Internal router error',
    detail: 'The router failed to handle the request; the error is in its log.',
  });
}

// NOTE: WebSocket and other upgrades are not proxied; the client gets a 501 problem document.
function rejectUpgrade(_req: IncomingMessage, socket: Duplex): void {
  const body = JSON.stringify({
    type: 'urn:happy-os:problem:upgrade_not_supported',
    status: 501,
    code: 'upgrade_not_supported',
    title: 'Upgrade not supported',
    detail: 'The router does not proxy protocol upgrades such as WebSocket; use plain HTTP.',
    service: 'router',
  });
  socket.end(
    `HTTP/1.1 501 Not Implemented\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
