import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBody } from '../../lambdas/adapters/sqs/index.js';
import type { ApiEntryHandler } from '../../lambdas/entry/api-entry.js';
import type { WorkerEntryHandler } from '../../lambdas/entry/worker-entry.js';
import { allFunctionNames, type FunctionName } from '../../lib/lambda-entries.js';
import { apiGatewayEvent, lambdaContext, type EventInput } from '../support/events.js';
import {
  createCloudFixture,
  enginesMissing,
  enginesSuiteTitle,
  type CloudFixture,
} from './support.js';

// Each entry module is imported as Lambda would load it, with the environment the CDK app
// gives its function (merged over all functions), pointing at the engines and at moto.

type Result = { statusCode?: number; headers?: Record<string, unknown>; body?: string };

describe.skipIf(enginesMissing())(enginesSuiteTitle('Lambda entry points'), () => {
  let fixture: CloudFixture;
  let saved: NodeJS.ProcessEnv;
  const handlers = {} as Record<FunctionName, ApiEntryHandler | WorkerEntryHandler>;
  let agentToken: string;

  const invoke = async (name: FunctionName, input: EventInput) => {
    const handler = handlers[name] as ApiEntryHandler;
    const result = (await handler(apiGatewayEvent(input), lambdaContext())) as Result;
    const text = result.body ?? '';
    const json = text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    return { status: result.statusCode, headers: result.headers ?? {}, json, text };
  };
  const asAgent = (input: Omit<EventInput, 'token'>) => ({
    ...input,
    pathParameters: { agent: 'agent-a', ...input.pathParameters },
    token: agentToken,
  });

  const readWholeFeed = async (): Promise<FeedChange[]> => {
    const changes: FeedChange[] = [];
    let since: string | undefined;
    for (let page = 0; page < 50; page += 1) {
      const result = await invoke('replication', {
        method: 'GET',
        route: '/internal/v1/changes',
        token: fixture.replicationToken,
        query: since === undefined ? { limit: '500' } : { since, limit: '500' },
      });
      expect(result.status).toBe(200);
      changes.push(...(result.json?.changes as FeedChange[]));
      since = result.json?.next_cursor as string;
      if (result.json?.more !== true) break;
    }
    return changes;
  };

  beforeAll(async () => {
    fixture = await createCloudFixture();
    saved = { ...process.env };
    Object.assign(process.env, fixture.env);
    for (const name of allFunctionNames()) {
      const module = (await import(`../../lambdas/entry/${name}.ts`)) as {
        handler: ApiEntryHandler | WorkerEntryHandler;
      };
      handlers[name] = module.handler;
    }
    const created = await invoke('agents', {
      method: 'POST',
      route: '/api/v1/agents',
      token: fixture.adminToken,
      body: { agent_id: 'agent-a', name: 'Agent A' },
    });
    expect(created.status).toBe(201);
    agentToken = created.json?.token as string;
  });

  afterAll(async () => {
    for (const handler of Object.values(handlers)) await handler.close();
    process.env = saved;
    await fixture?.dispose();
  });

  it('creates an agent with the admin token from Secrets Manager', async () => {
    expect(typeof agentToken).toBe('string');
    const agent = await invoke('agents', {
      method: 'GET',
      route: '/api/v1/agents/{agent}',
      pathParameters: { agent: 'agent-a' },
      token: fixture.adminToken,
    });
    expect(agent.status).toBe(200);
    expect(agent.json?.service).toBe('cloud');
  });

  it('rejects a wrong admin token with problem+json', async () => {
    const result = await invoke('agents', {
      method: 'POST',
      route: '/api/v1/agents',
      token: 'not-the-admin-token',
      body: { agent_id: 'agent-x', name: 'X' },
    });
    expect(result.status).toBe(401);
    expect(result.headers['content-type']).toBe('application/problem+json');
    expect(result.json?.code).toBe('invalid_admin_token');
  });

  it('writes and reads memory', async () => {
    const written = await invoke(
      'memory',
      asAgent({
        method: 'POST',
        route: '/api/v1/{agent}/memory',
        body: { user_id: 'demo', context: 'Prefers green tea in the morning.' },
      }),
    );
    expect(written.status).toBe(201);
    const id = written.json?.id as string;

    const read = await invoke(
      'memory',
      asAgent({ method: 'GET', route: '/api/v1/{agent}/memory/{id}', pathParameters: { id } }),
    );
    expect(read.status).toBe(200);
    expect(read.json?.content).toBe('Prefers green tea in the morning.');
    expect(read.json?.service).toBe('cloud');
  });

  it('finds written memory by search', async () => {
    const written = await invoke(
      'memory',
      asAgent({
        method: 'POST',
        route: '/api/v1/{agent}/memory',
        body: { user_id: 'demo', context: 'The lighthouse keeper paints watercolours.' },
      }),
    );
    const found = await invoke(
      'search',
      asAgent({ method: 'POST', route: '/api/v1/{agent}/search', body: { query: 'watercolours' } }),
    );
    expect(found.status).toBe(200);
    const ids = (found.json?.results as { id: string }[]).map((result) => result.id);
    expect(ids).toContain(written.json?.id);
  });

  it('replays a memory write that repeats its Idempotency-Key', async () => {
    const write = (context: string) =>
      invoke(
        'memory',
        asAgent({
          method: 'POST',
          route: '/api/v1/{agent}/memory',
          headers: { 'idempotency-key': `key-${fixture.stage}` },
          body: { user_id: 'demo', context },
        }),
      );
    const first = await write('Written once.');
    const again = await write('Written once.');
    const changed = await write('Something else.');

    expect(first.status).toBe(201);
    expect(again.json?.id).toBe(first.json?.id);
    expect(changed.status).toBe(409);
    expect(changed.json?.code).toBe('idempotency_key_reused');
  });

  it('runs a submitted task with the task worker', async () => {
    const submitted = await invoke(
      'tasks',
      asAgent({
        method: 'POST',
        route: '/api/v1/{agent}/tasks',
        body: { type: 'echo', input: { text: 'hello' } },
      }),
    );
    expect(submitted.status).toBe(202);
    const id = submitted.json?.id as string;

    const event = await receiveTaskMessages(fixture, 1);
    const worker = handlers['task-worker'] as WorkerEntryHandler;
    const response = await worker(event, lambdaContext());
    expect(response.batchItemFailures).toEqual([]);

    const task = await invoke(
      'tasks',
      asAgent({ method: 'GET', route: '/api/v1/{agent}/tasks/{id}', pathParameters: { id } }),
    );
    expect(task.json?.status).toBe('succeeded');
    expect(task.json?.result).toEqual({ text: 'hello' });
  });

  it('keeps the message of a task that is not due yet', async () => {
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const submitted = await invoke(
      'tasks',
      asAgent({
        method: 'POST',
        route: '/api/v1/{agent}/tasks',
        body: { type: 'echo', input: 'later', run_at: runAt },
      }),
    );
    expect(submitted.status).toBe(202);

    // The submission's own message is delayed by the 15 minutes SQS allows at most. A copy
    // sent without delay arrives early, as that message would after 15 minutes.
    const address = { agentId: 'agent-a', taskId: submitted.json?.id as string };
    await fixture.sqs.send(
      new SendMessageCommand({ QueueUrl: fixture.queueUrl, MessageBody: encodeBody(address, 0) }),
    );
    const event = await receiveTaskMessages(fixture, 1);
    const worker = handlers['task-worker'] as WorkerEntryHandler;
    const response = await worker(event, lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    const visible = await fixture.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: fixture.queueUrl, WaitTimeSeconds: 1 }),
    );
    expect(visible.Messages ?? []).toEqual([]);
  });

  it('reports a message that is not a task as failed', async () => {
    const worker = handlers['task-worker'] as WorkerEntryHandler;
    const record = sqsRecord({ MessageId: 'm-1', ReceiptHandle: 'r-1', Body: '{"v":2}' });
    const response = await worker({ Records: [record] }, lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
  });

  it('puts and gets a file', async () => {
    const put = await invoke(
      'files',
      asAgent({
        method: 'PUT',
        route: '/api/v1/{agent}/files/{name}',
        pathParameters: { name: 'notes.txt' },
        headers: { 'content-type': 'text/plain' },
        rawBody: 'first line\n',
      }),
    );
    expect(put.status).toBe(201);

    const handler = handlers.files as ApiEntryHandler;
    const event = apiGatewayEvent(
      asAgent({
        method: 'GET',
        route: '/api/v1/{agent}/files/{name}',
        pathParameters: { name: 'notes.txt' },
      }),
    );
    const got = (await handler(event, lambdaContext())) as Result & { isBase64Encoded?: boolean };
    expect(got.statusCode).toBe(200);
    const body = got.isBase64Encoded ? Buffer.from(got.body ?? '', 'base64') : got.body;
    expect(String(body)).toBe('first line\n');
  });

  it('serves written memory in the change feed', async () => {
    const written = await invoke(
      'memory',
      asAgent({
        method: 'POST',
        route: '/api/v1/{agent}/memory',
        body: { user_id: 'demo', key: 'feed-probe', context: 'Logged for the edge to pull.' },
      }),
    );
    expect(written.status).toBe(201);

    const feed = await readWholeFeed();
    const entry = feed.find(
      (change) => change.kind === 'memory' && change.record?.id === written.json?.id,
    );
    expect(entry?.origin).toBe('cloud');
    expect(entry?.record?.content).toBe('Logged for the edge to pull.');
  });

  it('applies a change drained from an edge', async () => {
    // An edge drains changes in the feed's own form; start from a cloud entry and rewrite it as
    // a newer record of the edge node.
    const template = (await readWholeFeed()).find((change) => change.kind === 'memory');
    expect(template).toBeDefined();
    const { seq: _seq, origin: _origin, ...change } = template as FeedChange & { seq: number };
    const version = `${String(Date.now() + 1000).padStart(15, '0')}.000000.edge`;
    const record = {
      ...change.record,
      id: '01JEDGE0000000000000000001',
      key: 'from-edge',
      content: 'Written at the edge during an outage.',
      version,
    };
    const apply = { ...change, record };
    const applied = await invoke('replication', {
      method: 'POST',
      route: '/internal/v1/apply',
      token: fixture.replicationToken,
      body: { changes: [apply] },
    });
    expect(applied.text).toContain('"applied":1');
    expect(applied.status).toBe(200);

    const read = await invoke(
      'memory',
      asAgent({
        method: 'GET',
        route: '/api/v1/{agent}/memory/keys/{key}',
        pathParameters: { key: 'from-edge' },
      }),
    );
    expect(read.status).toBe(200);
    expect(read.json?.content).toBe('Written at the edge during an outage.');
    const again = await invoke('replication', {
      method: 'POST',
      route: '/internal/v1/apply',
      token: fixture.replicationToken,
      body: { changes: [apply] },
    });
    expect(again.json?.ignored).toBe(1);
  });

  it('rejects an agent token on the replication endpoints', async () => {
    const result = await invoke('replication', {
      method: 'GET',
      route: '/internal/v1/changes',
      token: agentToken,
    });
    expect(result.status).toBe(403);
    expect(result.headers['content-type']).toBe('application/problem+json');
  });

  it('reports every probe in /health', async () => {
    const health = await invoke('health', { method: 'GET', route: '/health' });
    expect(health.status).toBe(200);
    expect(health.json?.status).toBe('healthy');
    const checks = health.json?.checks as { name: string; status: string }[];
    expect(checks.map((check) => check.name).sort()).toEqual(
      ['opensearch', 's3', 'sqs', 'redis'].sort(),
    );
    expect(checks.every((check) => check.status === 'pass')).toBe(true);
  });

  it('lists the breakers of every dependency', async () => {
    const result = await invoke('health', { method: 'GET', route: '/circuit-breakers' });
    const names = (result.json?.breakers as { name: string }[]).map((breaker) => breaker.name);
    expect(names.sort()).toEqual(['opensearch', 'redis', 's3', 'sqs']);
  });
});

/** Receives task messages from the fixture's queue and wraps them as an SQS event. */
interface FeedChange {
  readonly kind: string;
  readonly origin: string;
  readonly record?: { readonly id: string; readonly content: string };
}

async function receiveTaskMessages(fixture: CloudFixture, count: number): Promise<SQSEvent> {
  const records: SQSRecord[] = [];
  for (let round = 0; round < 10 && records.length < count; round += 1) {
    const output = await fixture.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: fixture.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 30,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    for (const message of output.Messages ?? []) records.push(sqsRecord(message));
  }
  expect(records.length).toBe(count);
  return { Records: records };
}

function sqsRecord(message: {
  MessageId?: string;
  ReceiptHandle?: string;
  Body?: string;
  Attributes?: Record<string, string>;
}): SQSRecord {
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:tasks',
    awsRegion: 'us-east-1',
  };
}
