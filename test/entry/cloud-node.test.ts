import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromPowertoolsLogger } from '../../lambdas/adapters/index.js';
import { createHandlers, createHealthHandler } from '../../lambdas/handlers/index.js';
import {
  composeCloudNode,
  createApiEntry,
  createAwsParts,
  FUNCTION_NEEDS,
  parseCloudEnvironment,
  type ApiEntryHandler,
  type CloudNode,
  type SecretName,
  type SecretValues,
} from '../../lambdas/entry/index.js';
import { Logger } from '@aws-lambda-powertools/logger';
import { eventually } from '../adapters/support/wait.js';
import { apiGatewayEvent, lambdaContext, type EventInput } from '../support/events.js';
import {
  createCloudFixture,
  enginesMissing,
  enginesSuiteTitle,
  signingKeyJson,
  type CloudFixture,
} from './support.js';

type Checks = { name: string; status: string; detail?: string }[];

/** Secrets held in memory that a test can change, as a rotation would. */
class MutableSecrets implements SecretValues {
  constructor(readonly values: Partial<Record<SecretName, string>>) {}

  async get(name: SecretName): Promise<string | undefined> {
    return this.values[name];
  }
}

describe.skipIf(enginesMissing())(enginesSuiteTitle('Cloud node composition'), () => {
  let fixture: CloudFixture;
  let saved: NodeJS.ProcessEnv;
  const opened: { close(): Promise<void> }[] = [];

  const entry = (overrides: Record<string, string> = {}) => {
    const env = { ...fixture.env, ...overrides };
    const handler = createApiEntry(FUNCTION_NEEDS.health, createHealthHandler, {
      env,
      awsParts: createAwsParts,
    });
    opened.push(handler);
    return handler;
  };
  const health = async (handler: ApiEntryHandler) => {
    const result = (await handler(
      apiGatewayEvent({ method: 'GET', route: '/health' }),
      lambdaContext(),
    )) as { statusCode: number; body: string };
    const body = JSON.parse(result.body) as { status: string; checks: Checks };
    return { statusCode: result.statusCode, ...body };
  };
  const check = (checks: Checks, name: string) => checks.find((item) => item.name === name);

  beforeAll(async () => {
    fixture = await createCloudFixture();
    saved = { ...process.env };
    // The AWS SDK reads the dummy credentials from the environment at the first request.
    Object.assign(process.env, fixture.env);
  });
  afterAll(async () => {
    for (const handler of opened) await handler.close();
    process.env = saved;
    await fixture?.dispose();
  });

  it('answers REST API events with REST API results', async () => {
    const handler = entry({ HAPPY_API_EVENT_FORMAT: '1.0' });
    const result = (await handler(restHealthEvent(), lambdaContext())) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['cache-control']).toBe('no-store');
    expect((JSON.parse(result.body) as { status: string }).status).toBe('healthy');
  });

  it('degrades, not fails, when the bucket is missing', async () => {
    const report = await health(entry({ FILES_BUCKET: `${fixture.stage}-missing` }));
    expect(report.statusCode).toBe(200);
    expect(report.status).toBe('degraded');
    expect(check(report.checks, 's3')?.status).toBe('warn');
    expect(check(report.checks, 'opensearch')?.status).toBe('pass');
  });

  it('degrades, not fails, when the queue is missing', async () => {
    const missingQueue = `${fixture.queueUrl}-missing`;
    const report = await health(entry({ TASK_QUEUE_URL: missingQueue }));
    expect(report.statusCode).toBe(200);
    expect(check(report.checks, 'sqs')?.status).toBe('warn');
  });

  it('turns unhealthy when OpenSearch is unreachable', async () => {
    // Port 9 (discard) on loopback refuses connections.
    const report = await health(entry({ OPENSEARCH_ENDPOINT: 'http://127.0.0.1:9' }));
    expect(report.statusCode).toBe(503);
    expect(report.status).toBe('unhealthy');
    expect(check(report.checks, 'opensearch')?.status).toBe('fail');
  });

  it('reads the Redis AUTH token from Secrets Manager', async () => {
    const password = randomBytes(16).toString('hex');
    const redis = await startRedisWithPassword(password);
    try {
      const arn = await fixture.createSecret(JSON.stringify({ token: password }));
      const wrongArn = await fixture.createSecret(JSON.stringify({ token: 'wrong' }));
      const settings = { REDIS_ENDPOINT: '127.0.0.1', REDIS_PORT: String(redis.port) };
      const right = await health(entry({ ...settings, REDIS_AUTH_SECRET_ARN: arn }));
      const wrong = await health(entry({ ...settings, REDIS_AUTH_SECRET_ARN: wrongArn }));

      expect(check(right.checks, 'redis')?.status).toBe('pass');
      expect(check(wrong.checks, 'redis')?.status).toBe('warn');
      expect(wrong.statusCode).toBe(200);
    } finally {
      await redis.stop();
    }
  });

  describe('composed with literal secrets', () => {
    let node: CloudNode;
    let secrets: MutableSecrets;

    const send = async (input: EventInput, handlerName: 'agents' | 'memory' = 'memory') => {
      const handlers = createHandlers(await node.services());
      const result = await handlers[handlerName](apiGatewayEvent(input), lambdaContext());
      return { ...result, json: JSON.parse(result.body ?? '{}') as Record<string, unknown> };
    };
    const createAgent = (agentId: string, adminToken: string) =>
      send(
        {
          method: 'POST',
          route: '/api/v1/agents',
          token: adminToken,
          body: { agent_id: agentId, name: agentId },
        },
        'agents',
      );

    beforeAll(async () => {
      // The replication function's needs include the queue and the bucket, as the stand-in's.
      const { config } = parseCloudEnvironment(fixture.env, FUNCTION_NEEDS.replication);
      secrets = new MutableSecrets({ signingKey: await signingKeyJson(), adminToken: 'first' });
      const logger = fromPowertoolsLogger(new Logger({ logLevel: 'ERROR' }));
      node = await composeCloudNode(
        { ...config, agentRateLimit: { limit: 2, windowMs: 60_000 } },
        { secrets, logger, awsParts: createAwsParts },
      );
      await node.ensureIndices();
    });
    afterAll(() => node?.close());

    it('limits the requests of one agent', async () => {
      const created = await createAgent('agent-limited', 'first');
      const token = created.json.token as string;
      const list = () =>
        send({
          method: 'GET',
          route: '/api/v1/{agent}/memory',
          pathParameters: { agent: 'agent-limited' },
          token,
        });
      expect((await list()).statusCode).toBe(200);
      expect((await list()).statusCode).toBe(200);
      const limited = await list();

      expect(limited.statusCode).toBe(429);
      expect(limited.json.code).toBe('rate_limited');
      expect(Number(limited.headers?.['retry-after'])).toBeGreaterThan(0);
    });

    it('runs a task received by polling', async () => {
      const services = await node.services();
      await services.agents.create('agent-poller', 'Poller');
      const { task } = await services.tasks.submit('agent-poller', { type: 'echo', input: 'p' });

      const [message] = await node.tasks.queue.receive(1, 30_000);
      expect(message?.taskId).toBe(task.id);
      expect(await node.tasks.pollingRunner.process(message!)).toBe('succeeded');
      expect((await services.tasks.get('agent-poller', task.id)).result).toBe('p');
      expect(await node.tasks.queue.receive(1, 30_000)).toEqual([]);
    });

    it('takes a rotated admin token at the next request', async () => {
      secrets.values.adminToken = 'second';
      expect((await createAgent('agent-rotated', 'second')).statusCode).toBe(201);
      expect((await createAgent('agent-stale', 'first')).statusCode).toBe(401);
    });
  });
});

function restHealthEvent(): APIGatewayProxyEvent {
  return {
    resource: '/health',
    path: '/health',
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      httpMethod: 'GET',
      identity: { sourceIp: '127.0.0.1', userAgent: 'vitest' } as never,
      path: '/dev/health',
      protocol: 'HTTP/1.1',
      requestId: 'rest-1',
      requestTimeEpoch: Date.now(),
      resourceId: 'r',
      resourcePath: '/health',
      stage: 'dev',
      authorizer: null,
    },
    body: null,
    isBase64Encoded: false,
  };
}

/** Starts a redis-server that requires `password`, on a free loopback port. */
async function startRedisWithPassword(password: string) {
  const port = await freePort();
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'];
  const child: ChildProcess = spawn('redis-server', [...args, '--requirepass', password], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await eventually(() => canConnect(port), 10_000, 50);
  return {
    port,
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function canConnect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      socket.end();
      resolve();
    });
    socket.on('error', reject);
  });
}
