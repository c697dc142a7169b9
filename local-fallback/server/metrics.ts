import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { internalErrorResponse } from '../../lambdas/handlers/http/problem.js';
import type { ServiceName } from '../../lambdas/handlers/http/types.js';
import { resolveRequestId } from './event.js';
import { toOutgoingResponse, writeResponse } from './response.js';

/** Path of the Prometheus metrics of the edge service. */
export const METRICS_PATH = '/metrics';

/** Returns true for `GET /metrics`, with or without a query string. */
export function isMetricsRequest(request: IncomingMessage): boolean {
  if (request.method !== 'GET') return false;
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  return (queryStart === -1 ? url : url.slice(0, queryStart)) === METRICS_PATH;
}

/**
 * Writes the metrics of `registry` in the Prometheus text format. A collector that throws gets
 * a 500 problem response, and the error is logged with the request id.
 */
export async function serveMetrics(
  registry: Registry,
  request: IncomingMessage,
  response: ServerResponse,
  context: { readonly logger: Logger; readonly service: ServiceName },
): Promise<void> {
  const requestId = resolveRequestId(request.headers['x-request-id']);
  // Discards a body sent with the GET, so the connection stays usable for the next request.
  request.resume();
  try {
    const text = await registry.metrics();
    response.writeHead(200, {
      'content-type': registry.contentType,
      'cache-control': 'no-store',
      'x-request-id': requestId,
    });
    response.end(text);
  } catch (error) {
    context.logger.error({ err: error, requestId }, 'Failed to collect the metrics.');
    const problem = internalErrorResponse({
      service: context.service,
      requestId,
      instance: METRICS_PATH,
    });
    writeResponse(response, toOutgoingResponse(problem, 'metrics', requestId), false);
  }
}
