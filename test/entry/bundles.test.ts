import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEntryHandler } from '../../lambdas/entry/api-entry.js';
import type { WorkerEntryHandler } from '../../lambdas/entry/worker-entry.js';
import { BUNDLE_FILE, buildFunctionBundles } from '../../lib/constructs/bundling.js';
import { PROJECT_ROOT, type FunctionName } from '../../lib/lambda-entries.js';
import { apiGatewayEvent, lambdaContext, type EventInput } from '../support/events.js';
import {
  createCloudFixture,
  enginesMissing,
  enginesSuiteTitle,
  type CloudFixture,
} from './support.js';

// The bundles a deployment would upload, built with the stacks' esbuild settings and imported
// from their files: they run the bundled AWS SDK, Redis and OpenSearch clients, not node_modules.

const OUT_DIR = join(PROJECT_ROOT, 'cdk.out', 'entry-test-bundles');
const FUNCTIONS: FunctionName[] = ['agents', 'files', 'tasks', 'health', 'task-worker'];

describe.skipIf(enginesMissing())(enginesSuiteTitle('Lambda bundles'), () => {
  let fixture: CloudFixture;
  let saved: NodeJS.ProcessEnv;
  const handlers = {} as Record<FunctionName, ApiEntryHandler & WorkerEntryHandler>;
  let token: string;

  const invoke = async (name: FunctionName, input: EventInput) => {
    const result = (await handlers[name](apiGatewayEvent(input), lambdaContext())) as {
      statusCode: number;
      body?: string;
      isBase64Encoded?: boolean;
    };
    return { ...result, json: JSON.parse(result.body?.startsWith('{') ? result.body : '{}') };
  };

  beforeAll(async () => {
    rmSync(OUT_DIR, { recursive: true, force: true });
    fixture = await createCloudFixture();
    saved = { ...process.env };
    Object.assign(process.env, fixture.env);
    const { folders } = buildFunctionBundles(FUNCTIONS, OUT_DIR);
    for (const name of FUNCTIONS) {
      const outfile = join(folders.get(name) ?? '', BUNDLE_FILE);
      const module = (await import(pathToFileURL(outfile).href)) as {
        handler: ApiEntryHandler & WorkerEntryHandler;
      };
      handlers[name] = module.handler;
    }
    const created = await invoke('agents', {
      method: 'POST',
      route: '/api/v1/agents',
      token: fixture.adminToken,
      body: { agent_id: 'agent-b', name: 'Agent B' },
    });
    token = created.json.token as string;
  }, 180_000);

  afterAll(async () => {
    for (const handler of Object.values(handlers)) await handler.close();
    process.env = saved;
    await fixture?.dispose();
    rmSync(OUT_DIR, { recursive: true, force: true });
  });

  it('creates an agent', () => {
    expect(typeof token).toBe('string');
  });

  it('stores and reads a file in S3', async () => {
    const file = { agent: 'agent-b', name: 'report.txt' };
    const put = await invoke('files', {
      method: 'PUT',
      route: '/api/v1/{agent}/files/{name}',
      pathParameters: file,
      headers: { 'content-type': 'text/plain' },
      rawBody: 'bundled\n',
      token,
    });
    const got = await invoke('files', {
      method: 'GET',
      route: '/api/v1/{agent}/files/{name}',
      pathParameters: file,
      token,
    });

    expect(put.statusCode).toBe(201);
    expect(got.statusCode).toBe(200);
    const body = got.isBase64Encoded ? Buffer.from(got.body ?? '', 'base64') : got.body;
    expect(String(body)).toBe('bundled\n');
  });

  it('runs a task through SQS', async () => {
    const submitted = await invoke('tasks', {
      method: 'POST',
      route: '/api/v1/{agent}/tasks',
      pathParameters: { agent: 'agent-b' },
      body: { type: 'memory.export', input: { name: 'export.jsonl' } },
      token,
    });
    expect(submitted.statusCode).toBe(202);

    const output = await fixture.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: fixture.queueUrl, WaitTimeSeconds: 2 }),
    );
    const message = output.Messages?.[0];
    const event: SQSEvent = {
      Records: [
        {
          messageId: message?.MessageId ?? '',
          receiptHandle: message?.ReceiptHandle ?? '',
          body: message?.Body ?? '',
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: '0',
            SenderId: 'test',
            ApproximateFirstReceiveTimestamp: '0',
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:tasks',
          awsRegion: 'us-east-1',
        },
      ],
    };
    const response = await handlers['task-worker'](event, lambdaContext());
    expect(response.batchItemFailures).toEqual([]);

    const task = await invoke('tasks', {
      method: 'GET',
      route: '/api/v1/{agent}/tasks/{id}',
      pathParameters: { agent: 'agent-b', id: submitted.json.id as string },
      token,
    });
    expect(task.json.status).toBe('succeeded');
    expect(task.json.result.file).toBe('export.jsonl');
  });

  it('passes every health check', async () => {
    const health = await invoke('health', { method: 'GET', route: '/health' });
    expect(health.statusCode).toBe(200);
    const checks = health.json.checks as { name: string; status: string }[];
    expect(checks.filter((check) => check.status !== 'pass')).toEqual([]);
    expect(checks).toHaveLength(4);
  });
});
