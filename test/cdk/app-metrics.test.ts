import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createApiEntry,
  type ApiEntryHandler,
  type HandlerFactory,
} from '../../lambdas/entry/api-entry.js';
import { createAwsParts } from '../../lambdas/entry/cloud-aws.js';
import { FUNCTION_NEEDS } from '../../lambdas/entry/functions.js';
import {
  BREAKER_OPEN_METRIC,
  FUNCTION_DIMENSION,
  RESPONSES_5XX_METRIC,
} from '../../lambdas/entry/runtime.js';
import {
  createHttpHandler,
  type RouteHandler,
} from '../../lambdas/handlers/http/create-handler.js';
import { jsonResponse } from '../../lambdas/handlers/http/response.js';
import {
  APP_METRICS,
  APP_METRICS_NAMESPACE,
  environmentOf,
  FUNCTION_METRIC_DIMENSION,
} from '../../lib/lambda-entries.js';
import { apiGatewayEvent, lambdaContext } from '../support/events.js';

const SERVICE = 'happy-os-test';

/** Port 1 on loopback, where nothing listens: every dependency call is refused at once. */
const CLOSED = 'http://127.0.0.1:1';

/** Returns the health function's environment as the CDK app builds it, every endpoint closed. */
function healthEnvironment(): Record<string, string> {
  const arn = (secret: string) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:${secret}`;
  const env = environmentOf('health', {
    stage: 'test',
    apiEventFormat: '2.0',
    openSearchEndpoint: CLOSED,
    signingKeySecretArn: arn('key'),
    adminTokenSecretArn: arn('admin'),
    replicationTokenSecretArn: arn('replication'),
    taskQueueUrl: `${CLOSED}/000000000000/happy-test-tasks`,
    filesBucket: 'happy-test-files',
  });
  return { ...env, AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: CLOSED };
}

/** Builds a health function whose only route, `GET /health`, is `route`. */
function healthFunction(route: RouteHandler): ApiEntryHandler {
  const factory: HandlerFactory = (services) =>
    createHttpHandler('health', { 'GET /health': route }, services);
  return createApiEntry(FUNCTION_NEEDS.health, factory, {
    env: healthEnvironment(),
    awsParts: createAwsParts,
  });
}

/** Invokes `GET /health` and returns the status and the EMF records written meanwhile. */
async function invoke(handler: ApiEntryHandler) {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  let status: number;
  try {
    const result = await handler(apiGatewayEvent({ method: 'GET', route: '/health' }), {
      ...lambdaContext(),
      functionName: `${SERVICE}-health`,
    });
    status = (result as { statusCode: number }).statusCode;
  } finally {
    spy.mockRestore();
  }
  const records = written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { status, records };
}

function dimensionsOf(record: Record<string, unknown>): unknown {
  const aws = record._aws as { CloudWatchMetrics: { Dimensions: unknown }[] };
  return aws.CloudWatchMetrics[0]?.Dimensions;
}

describe('app metrics', () => {
  beforeEach(() => {
    // Powertools reads these from process.env itself, as in Lambda.
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', SERVICE);
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', APP_METRICS_NAMESPACE);
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'false');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  });

  afterEach(() => vi.unstubAllEnvs());

  it('share names between the CDK app and the functions', () => {
    expect(RESPONSES_5XX_METRIC).toBe(APP_METRICS.responses5xx);
    expect(BREAKER_OPEN_METRIC).toBe(APP_METRICS.breakerOpen);
    expect(FUNCTION_DIMENSION).toBe(FUNCTION_METRIC_DIMENSION);
  });

  it('count a 500 per function and per service', async () => {
    const handler = healthFunction(async () => {
      throw new Error('every request fails');
    });

    const { status, records } = await invoke(handler);
    await handler.close();

    expect(status).toBe(500);
    const perFunction = records.filter((record) => FUNCTION_METRIC_DIMENSION in record);
    expect(perFunction).toHaveLength(1);
    expect(dimensionsOf(perFunction[0]!)).toEqual([['service', FUNCTION_METRIC_DIMENSION]]);
    expect(perFunction[0]).toMatchObject({
      service: SERVICE,
      [FUNCTION_METRIC_DIMENSION]: 'health',
      [APP_METRICS.responses5xx]: 1,
    });
    const perService = records.filter((record) => !(FUNCTION_METRIC_DIMENSION in record));
    expect(perService.map(dimensionsOf)).toEqual([[['service']]]);
    expect(perService[0]?.[APP_METRICS.responses5xx]).toBe(1);
  });

  it('count no 5xx per function for a 200', async () => {
    const handler = healthFunction(async () => jsonResponse(200, { status: 'ok' }, 'cloud'));

    const { status, records } = await invoke(handler);
    await handler.close();

    expect(status).toBe(200);
    expect(records.filter((record) => FUNCTION_METRIC_DIMENSION in record)).toEqual([]);
    expect(records.map((record) => record.Responses2xx)).toEqual([1]);
  });
});
