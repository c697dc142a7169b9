import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { HappyError } from '../core/errors.js';
import { problemResponse } from '../handlers/http/problem.js';
import type { HttpEvent, HttpResult } from '../handlers/http/types.js';
import type { HandlerName } from '../handlers/routes.js';
import type { RedisGateway } from '../adapters/redis/gateway.js';
import type { HttpHandler } from '../handlers/http/create-handler.js';
import type { HandlerServices } from '../handlers/services.js';
import {
  isHttpEvent,
  toHttpEvent,
  toRestResult,
  type ApiEvent,
  type ApiResult,
} from './api-event.js';
import type { AwsPartsFactory } from './cloud-aws.js';
import { parseCloudEnvironment, requireAwsParts, type FunctionNeeds } from './environment.js';
import { withIdempotentWrites, type ApiHandler } from './idempotent-writes.js';
import {
  createFunctionRuntime,
  publishFunction5xx,
  RESPONSES_5XX_METRIC,
  type FunctionRuntime,
} from './runtime.js';

/** Builds the handler of one function from the services, such as `createMemoryHandler`. */
export type HandlerFactory = (services: HandlerServices) => HttpHandler;

/** Options of {@link createApiEntry}. */
export interface ApiEntryOptions {
  /** Environment variables to read. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Factory of the SQS and S3 parts: `createAwsParts` for a function whose needs name the task
   * queue or the files bucket. The other functions leave it out, so their bundles contain no
   * SQS or S3 client.
   */
  readonly awsParts?: AwsPartsFactory;
}

/**
 * The Lambda handler of an API function, for either API Gateway payload format. `close` ends
 * its connections, for a process that stops (tests, the local stand-in); Lambda never calls it.
 */
export type ApiEntryHandler = ((event: ApiEvent, context: Context) => Promise<ApiResult>) & {
  close(): Promise<void>;
};

/**
 * Builds the handler of one API function. The environment is read and checked here, in module
 * scope, so a bad environment fails the function's start with one error that lists every
 * problem. Clients are built here too, but nothing connects until the first invocation.
 *
 * @throws {CloudEnvironmentError} when the environment is invalid.
 * @throws {Error} when the needs name a queue or a bucket and `options.awsParts` is missing.
 */
export function createApiEntry(
  needs: FunctionNeeds & { readonly name: HandlerName },
  createHandler: HandlerFactory,
  options: ApiEntryOptions = {},
): ApiEntryHandler {
  requireAwsParts(needs, options.awsParts);
  const environment = parseCloudEnvironment(options.env ?? process.env, needs);
  const runtime = createFunctionRuntime(environment, options.awsParts);
  const restApi = environment.apiEventFormat === '1.0';
  const current = new CurrentHandler(createHandler);

  const handler = async (event: ApiEvent, context: Context): Promise<ApiResult> => {
    if (restApi === isHttpEvent(event)) {
      throw new Error(
        `Function "${needs.name}" expects API Gateway payload format ` +
          `${restApi ? '1.0' : '2.0'} (HAPPY_API_EVENT_FORMAT) and received another format.`,
      );
    }
    const httpEvent = isHttpEvent(event) ? event : toHttpEvent(event);
    const result = await serve(runtime, current, httpEvent, context);
    // Counts every 5xx the function returns, whichever layer made it, so a deployment that
    // returns 500 for every request rolls back although Lambda counts no error.
    if ((result.statusCode ?? 200) >= 500) publishFunction5xx(runtime.metrics, needs.name);
    return restApi ? toRestResult(result) : result;
  };
  return Object.assign(handler, { close: () => runtime.node.close() });
}

async function serve(
  runtime: FunctionRuntime,
  current: CurrentHandler,
  event: HttpEvent,
  context: Context,
): Promise<HttpResult> {
  let services: HandlerServices;
  let redis: RedisGateway | undefined;
  try {
    const node = await runtime.node.get();
    services = await node.services();
    redis = node.adapters.redis;
  } catch (error) {
    return startFailure(runtime, event, context, error);
  }
  const routeHandler = current.for(services);
  let handler: ApiHandler = (request, lambdaContext) => routeHandler(request, lambdaContext);
  if (redis) handler = withIdempotentWrites(handler, { redis, service: services.service });
  try {
    return await handler(event, context);
  } finally {
    runtime.reportBreakers(services.breakers?.() ?? []);
  }
}

/** The handler of one function, built again when its services change (a rotated token). */
class CurrentHandler {
  private built?: { readonly services: HandlerServices; readonly handler: HttpHandler };

  constructor(private readonly create: HandlerFactory) {}

  for(services: HandlerServices): HttpHandler {
    if (this.built?.services !== services) {
      this.built = { services, handler: this.create(services) };
    }
    return this.built.handler;
  }
}

/** Returns 503 when the node cannot be built, such as when Secrets Manager is unreachable. */
function startFailure(
  runtime: FunctionRuntime,
  event: HttpEvent,
  context: Context,
  error: unknown,
): HttpResult {
  const requestId = event.requestContext?.requestId ?? context.awsRequestId;
  runtime.logger.error('Starting the function failed; the request gets 503.', {
    requestId,
    routeKey: event.routeKey,
    error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
  });
  runtime.metrics.addMetric(RESPONSES_5XX_METRIC, MetricUnit.Count, 1);
  runtime.metrics.publishStoredMetrics();
  const unavailable = new HappyError(503, 'service_unavailable', 'The service could not start.', {
    hint: 'Retry later; safe requests are retried on the edge by the health router.',
  });
  return problemResponse(unavailable, { service: 'cloud', requestId, instance: event.rawPath });
}
