import { ROUTES, type HandlerName } from '../../lambdas/handlers/routes.js';
import { EdgeServerOptionsError } from './errors.js';
import type { EdgeServerOptions, EdgeServerSettings } from './types.js';

/** Payload limit of API Gateway HTTP APIs: 10 MiB. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Every handler a server needs: one per `handler` named in the route table. */
/** Every handler the route table names; the server needs one function for each. */
const HANDLER_NAMES: readonly HandlerName[] = [...new Set(ROUTES.map((route) => route.handler))];

/** Maximum timeout of a Lambda function: 15 minutes. */
const LAMBDA_MAX_TIMEOUT_MS = 15 * 60_000;

/** Upper bound of the connection timeouts, so a typo in milliseconds cannot pin connections. */
const MAX_CONNECTION_TIMEOUT_MS = 10 * 60_000;

/**
 * Applies the defaults to the options of `createEdgeServer` and checks every value.
 *
 * @throws {EdgeServerOptionsError} naming the first invalid option and its valid range.
 */
export function resolveSettings(options: EdgeServerOptions): EdgeServerSettings {
  checkRequired(options);
  const settings: EdgeServerSettings = {
    handlers: options.handlers,
    logger: options.logger,
    service: options.service ?? 'edge',
    maxBodyBytes: options.maxBodyBytes ?? API_GATEWAY_MAX_BODY_BYTES,
    handlerTimeoutMs: options.handlerTimeoutMs ?? 30_000,
    headersTimeoutMs: options.headersTimeoutMs ?? 10_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 5000,
    accountId: options.accountId ?? '000000000000',
    apiId: options.apiId ?? 'happyedge',
    region: options.region ?? 'local',
    metrics: options.metrics ?? null,
  };

  // A larger cap than API Gateway's would let the edge accept bodies the cloud rejects.
  checkInteger('maxBodyBytes', settings.maxBodyBytes, 1, API_GATEWAY_MAX_BODY_BYTES);
  checkInteger('handlerTimeoutMs', settings.handlerTimeoutMs, 1, LAMBDA_MAX_TIMEOUT_MS);
  checkInteger('requestTimeoutMs', settings.requestTimeoutMs, 1, MAX_CONNECTION_TIMEOUT_MS);
  // Node rejects a headers timeout longer than the request timeout.
  checkInteger('headersTimeoutMs', settings.headersTimeoutMs, 1, settings.requestTimeoutMs);
  checkInteger('keepAliveTimeoutMs', settings.keepAliveTimeoutMs, 1, MAX_CONNECTION_TIMEOUT_MS);
  return settings;
}

function checkRequired(options: EdgeServerOptions): void {
  if (typeof options.logger?.info !== 'function') {
    throw new EdgeServerOptionsError('logger', typeof options.logger, 'a pino logger');
  }
  for (const name of HANDLER_NAMES) {
    const handler: unknown = options.handlers?.[name];
    if (typeof handler !== 'function') {
      throw new EdgeServerOptionsError(`handlers.${name}`, typeof handler, 'a function');
    }
  }
}

function checkInteger(option: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new EdgeServerOptionsError(option, value, `an integer from ${min} to ${max}`);
  }
}
