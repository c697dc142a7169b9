import { createHttpHandler, type HttpHandler, type RouteHandler } from './http/create-handler.js';
import { jsonResponse } from './http/response.js';
import { buildOpenApiDocument } from './openapi.js';
import type { HandlerServices } from './services.js';

/** Builds the handler of `GET /health`, `GET /circuit-breakers` and `GET /docs`, all public. */
export function createHealthHandler(services: HandlerServices): HttpHandler {
  const { service } = services;
  const openApi = buildOpenApiDocument();

  const routes: Record<string, RouteHandler> = {
    'GET /health': async () => {
      const report = await services.health.check();
      const checks = report.checks.map((check) => ({
        name: check.name,
        status: check.status,
        latency_ms: Math.round(check.latencyMs * 100) / 100,
        ...(check.detail ? { detail: check.detail } : {}),
      }));
      const statusCode = report.status === 'unhealthy' ? 503 : 200;
      // A load balancer or health check must never serve a cached response.
      const headers = { 'cache-control': 'no-store' };
      return jsonResponse(statusCode, { status: report.status, checks }, service, headers);
    },
    'GET /circuit-breakers': async () => {
      const breakers = (services.breakers?.() ?? []).map((breaker) => ({
        name: breaker.name,
        state: breaker.state,
        failures: breaker.failures ?? 0,
        last_transition: breaker.lastTransition ?? null,
      }));
      return jsonResponse(200, { breakers }, service);
    },
    'GET /docs': async () => jsonResponse(200, openApi, service),
  };
  return createHttpHandler('health', routes, services);
}
