import { createServer, type AddressInfo, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiEntryHandler } from '../../lambdas/entry/api-entry.js';
import {
  BREAKER_OPEN_METRIC,
  CloudEnvironmentError,
  createApiEntry,
  createAwsParts,
  FUNCTION_NEEDS,
  parseCloudEnvironment,
} from '../../lambdas/entry/index.js';
import { createFunctionRuntime } from '../../lambdas/entry/runtime.js';
import {
  allFunctionNames,
  APP_METRICS,
  environmentOf,
  type EntryEnvironmentValues,
  type FunctionName,
} from '../../lib/lambda-entries.js';
import { createHealthHandler } from '../../lambdas/handlers/index.js';
import { apiGatewayEvent, lambdaContext } from '../support/events.js';
import { withEnvironment } from './support.js';

/** Values the CDK app would resolve at deploy time, with a domain and a cache in AWS. */
const DEPLOYED: EntryEnvironmentValues = {
  stage: 'dev',
  apiEventFormat: '2.0',
  openSearchEndpoint: 'https://search-happy-dev.eu-west-1.es.amazonaws.com',
  cache: {
    endpoint: 'master.happy-dev.abc123.euw1.cache.amazonaws.com',
    port: '6379',
    authSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cache-AbCdEf',
  },
  signingKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-AbCdEf',
  adminTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:admin-AbCdEf',
  replicationTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:repl-AbCdEf',
  taskQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/happy-dev-tasks',
  filesBucket: 'happy-dev-files-123456789012',
};

/** Variables every function gets that Powertools or Node read, not the entry points. */
const NOT_READ = [
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'LOG_LEVEL',
  'NODE_OPTIONS',
];

function deployedEnvironment(name: FunctionName): Record<string, string> {
  return { ...environmentOf(name, DEPLOYED), AWS_REGION: 'eu-west-1' };
}

describe('entry environment', () => {
  it.each(allFunctionNames())('accepts what the CDK app sets for %s', (name) => {
    const parsed = parseCloudEnvironment(deployedEnvironment(name), FUNCTION_NEEDS[name]);
    expect(parsed.config.openSearch.signingRegion).toBe('eu-west-1');
    expect(parsed.config.redis?.url).toBe(`rediss://${DEPLOYED.cache?.endpoint}:6379`);
  });

  it.each(allFunctionNames())('requires every variable the CDK app sets for %s', (name) => {
    const env = deployedEnvironment(name);
    for (const variable of Object.keys(env).filter((key) => !NOT_READ.includes(key))) {
      const { [variable]: _removed, ...rest } = env;
      const parse = () => parseCloudEnvironment(rest, FUNCTION_NEEDS[name]);
      expect(parse, variable).toThrow(variable);
    }
  });

  it('lists every problem in one error', () => {
    const env = { HAPPY_STAGE: 'Dev!', OPENSEARCH_ENDPOINT: 'ftp://search', REDIS_PORT: '6379' };
    let error: unknown;
    try {
      parseCloudEnvironment(env, FUNCTION_NEEDS.memory);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CloudEnvironmentError);
    const problems = (error as CloudEnvironmentError).problems.join('\n');
    for (const variable of [
      'AWS_REGION: missing',
      'OPENSEARCH_ENDPOINT: expected an http(s) URL, received "ftp://search"',
      'OPENSEARCH_INDEX_PREFIX: missing',
      'HAPPY_NODE_ID: missing',
      'HAPPY_STAGE: expected a stage name such as dev, received "Dev!"',
      'REDIS_PORT: set without REDIS_ENDPOINT',
      'SIGNING_KEY_SECRET_ARN: missing',
      'HAPPY_API_EVENT_FORMAT: missing',
    ]) {
      expect(problems).toContain(variable);
    }
    expect((error as Error).message).toContain('function "memory" (8 problem(s))');
  });

  it('reaches loopback engines without signing or TLS', () => {
    const env = {
      ...deployedEnvironment('memory'),
      OPENSEARCH_ENDPOINT: 'http://127.0.0.1:9200',
      REDIS_ENDPOINT: '127.0.0.1',
      REDIS_AUTH_SECRET_ARN: '',
    };
    const parsed = parseCloudEnvironment(env, FUNCTION_NEEDS.memory);
    expect(parsed.config.openSearch.signingRegion).toBeUndefined();
    expect(parsed.config.redis?.url).toBe('redis://127.0.0.1:6379');
  });

  it('fails the import of an entry module with a bad environment', async () => {
    const cleared = Object.fromEntries(
      Object.keys(deployedEnvironment('memory')).map((key) => [key, undefined]),
    );
    await withEnvironment({ ...cleared, AWS_REGION: undefined }, async () => {
      vi.resetModules();
      await expect(import('../../lambdas/entry/memory.js')).rejects.toThrow(
        /Invalid environment of function "memory" \(\d+ problem\(s\)\)/,
      );
    });
  });
});

describe('entry modules at import', () => {
  let server: Server;
  let connections = 0;
  let port = 0;

  beforeAll(async () => {
    server = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('open no connection until the first invocation', async () => {
    const local = `http://127.0.0.1:${port}`;
    const env = {
      ...Object.fromEntries(
        allFunctionNames().flatMap((name) => Object.entries(deployedEnvironment(name))),
      ),
      OPENSEARCH_ENDPOINT: local,
      REDIS_ENDPOINT: '127.0.0.1',
      REDIS_PORT: String(port),
      TASK_QUEUE_URL: `${local}/123456789012/tasks`,
      AWS_ENDPOINT_URL: local,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      NODE_OPTIONS: undefined,
      LOG_LEVEL: 'CRITICAL',
    };
    await withEnvironment(env, async () => {
      vi.resetModules();
      const handlers: { handler: ApiEntryHandler }[] = [];
      for (const name of allFunctionNames()) {
        handlers.push(await import(`../../lambdas/entry/${name}.ts`));
      }
      await sleep(300);
      expect(connections).toBe(0);

      const health = handlers[allFunctionNames().indexOf('health')]!.handler;
      const result = (await health(
        apiGatewayEvent({ method: 'GET', route: '/health' }),
        lambdaContext(),
      )) as { statusCode: number };
      expect(connections).toBeGreaterThan(0);
      expect(result.statusCode).toBeGreaterThanOrEqual(500);
      for (const { handler } of handlers) await handler.close();
    });
  });
});

describe('breaker metric', () => {
  it('publishes BreakerOpen at each transition', () => {
    const env = { ...deployedEnvironment('health'), POWERTOOLS_METRICS_NAMESPACE: 'HappyOS' };
    const runtime = createFunctionRuntime(
      parseCloudEnvironment(env, FUNCTION_NEEDS.health),
      createAwsParts,
    );
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      runtime.reportBreakers([{ name: 'opensearch', state: 'closed' }]);
      runtime.reportBreakers([{ name: 'opensearch', state: 'closed' }]);
      runtime.reportBreakers([{ name: 'opensearch', state: 'open' }]);
      runtime.reportBreakers([{ name: 'opensearch', state: 'half-open' }]);
    } finally {
      spy.mockRestore();
    }

    const values = written
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .map((metric) => metric[APP_METRICS.breakerOpen]);
    expect(BREAKER_OPEN_METRIC).toBe(APP_METRICS.breakerOpen);
    expect(values).toEqual([1, 0]);
  });
});

describe('createApiEntry', () => {
  it('rejects an event of the other payload format', async () => {
    const env = { ...deployedEnvironment('health'), HAPPY_API_EVENT_FORMAT: '1.0' };
    const handler = createApiEntry(FUNCTION_NEEDS.health, createHealthHandler, {
      env,
      awsParts: createAwsParts,
    });
    const event = apiGatewayEvent({ method: 'GET', route: '/health' });
    await expect(handler(event, lambdaContext())).rejects.toThrow('payload format 1.0');
  });

  it('requires awsParts for queue or bucket users', () => {
    const env = deployedEnvironment('files');
    expect(() => createApiEntry(FUNCTION_NEEDS.files, createHealthHandler, { env })).toThrow(
      /Function "files" needs the task queue or the files bucket/,
    );
  });

  it('ignores queue and bucket variables otherwise', () => {
    const env = {
      ...deployedEnvironment('memory'),
      TASK_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/happy-dev-tasks',
      FILES_BUCKET: 'happy-dev-files',
    };
    const { config } = parseCloudEnvironment(env, FUNCTION_NEEDS.memory);
    expect(config.taskQueueUrl).toBeUndefined();
    expect(config.filesBucket).toBeUndefined();
  });
});
