import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { HappyError, ResourceNotFoundError } from '../../core/errors.js';
import type { AppLogger } from '../../ports/index.js';
import { internalErrorResponse, problemResponse, type ProblemContext } from './problem.js';
import type { HttpEvent, HttpResult, LambdaContext, ServiceName } from './types.js';

/** Context passed to a route implementation besides the event. */
export interface RouteContext {
  readonly requestId: string;
  /** Logger with the request id attached; routes add the agent id once they know it. */
  readonly logger: AppLogger;
}

/** One route's implementation. */
export type RouteHandler = (event: HttpEvent, context: RouteContext) => Promise<HttpResult>;

/** Powertools utilities, wired in Lambda and optional at the edge. */
export interface PowertoolsUtilities {
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly tracer?: Tracer;
}

/** Settings shared by every handler. */
export interface HandlerSettings {
  readonly service: ServiceName;
  readonly logger: AppLogger;
  readonly powertools?: PowertoolsUtilities;
}

/** A Lambda handler for API Gateway HTTP API events. */
export type HttpHandler = MiddyfiedHandler<HttpEvent, HttpResult, Error, LambdaContext>;

/**
 * Builds the middy handler of one Lambda function: dispatches by `routeKey` to `routes`, and
 * turns errors into problem+json responses. Unknown errors are logged once and get a 500
 * response that reveals nothing of them.
 */
export function createHttpHandler(
  name: string,
  routes: Record<string, RouteHandler>,
  settings: HandlerSettings,
): HttpHandler {
  const dispatch = async (event: HttpEvent, context: LambdaContext): Promise<HttpResult> => {
    const route = routes[event.routeKey];
    if (!route) {
      throw new ResourceNotFoundError(
        'route_not_found',
        `No route "${event.routeKey}" in ${name}.`,
      );
    }
    const requestId = requestIdOf(event, context);
    return route(event, { requestId, logger: settings.logger.child({ requestId }) });
  };

  const handler = middy<HttpEvent, HttpResult, Error, LambdaContext>(dispatch);
  const { powertools } = settings;
  if (powertools?.tracer) handler.use(captureLambdaHandler(powertools.tracer));
  if (powertools?.logger) handler.use(injectLambdaContext(powertools.logger));
  if (powertools?.metrics) {
    handler.use(logMetrics(powertools.metrics));
    // middy runs `after` and `onError` hooks in reverse order of use, so this one reads the
    // response that the problem middleware below has shaped.
    handler.use(responseMetrics(powertools.metrics));
  }
  return handler.use(problemErrors(name, settings));
}

/**
 * Middleware that counts responses by status class, so dashboards and alarms see client and
 * server errors per function.
 */
function responseMetrics(
  metrics: Metrics,
): MiddlewareObj<HttpEvent, HttpResult, Error, LambdaContext> {
  const record = (status: number | undefined) => {
    const statusClass = status === undefined ? 'unknown' : `${Math.floor(status / 100)}xx`;
    metrics.addMetric(`Responses${statusClass}`, MetricUnit.Count, 1);
  };
  return {
    after: async (request) => record(request.response?.statusCode),
    onError: async (request) => record(request.response?.statusCode),
  };
}

/** Middleware that turns errors into problem+json responses. */
function problemErrors(
  name: string,
  settings: HandlerSettings,
): MiddlewareObj<HttpEvent, HttpResult, Error, LambdaContext> {
  const onError: MiddlewareObj<HttpEvent, HttpResult, Error, LambdaContext>['onError'] = async (
    request,
  ) => {
    const context: ProblemContext = {
      service: settings.service,
      requestId: requestIdOf(request.event, request.context),
      instance: request.event.rawPath,
    };
    const error = request.error;
    if (error instanceof HappyError) {
      request.response = problemResponse(error, context);
      return;
    }
    settings.logger.error('Request failed with an unexpected error.', {
      handler: name,
      requestId: context.requestId,
      routeKey: request.event.routeKey,
      error: describe(error),
    });
    request.response = internalErrorResponse(context);
  };
  return { onError };
}

function requestIdOf(event: HttpEvent, context: LambdaContext | undefined): string {
  return event.requestContext?.requestId ?? context?.awsRequestId ?? 'unknown';
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof Error)
    return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}
