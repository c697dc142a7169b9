import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskAttemptError } from '../../lambdas/core/index.js';
import type { JsonValue } from '../../lambdas/ports/index.js';
import { createHttpTask, type HttpTaskHandler } from '../../local-fallback/worker/index.js';
import { createAgent, pollUntil, startEdge, type EdgeHarness } from './harness.js';

/** A request the test target received. */
interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** Starts an HTTP server on a free loopback port that records requests and calls `respond`. */
async function startTarget(
  respond: (request: Received, response: ServerResponse) => void,
): Promise<{ server: Server; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(entry);
      respond(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, received };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const context = (signal = new AbortController().signal) => ({
  agentId: 'agent-a',
  taskId: '01TASK',
  attempt: 1,
  signal,
});

/** Runs the task and returns the TaskAttemptError it raises. */
async function failureOf(task: HttpTaskHandler, input: JsonValue): Promise<TaskAttemptError> {
  const error = await task.run(input, context()).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TaskAttemptError);
  return error as TaskAttemptError;
}

describe('http task type', () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  let task: HttpTaskHandler;
  let url: string;

  const useTarget = async (
    respond: (request: Received, response: ServerResponse) => void,
    options: Parameters<typeof createHttpTask>[0] = {},
  ) => {
    target = await startTarget(respond);
    url = `http://127.0.0.1:${target.port}/hook`;
    task = createHttpTask({ allowedHosts: [`127.0.0.1:${target.port}`], ...options });
  };

  afterEach(async () => {
    await task?.close();
    if (target) await stop(target.server);
  });

  it('POSTs the body as JSON and returns the response', async () => {
    await useTarget((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end('{"ok":true}');
    });
    const result = await task.run({ url, body: { order: 7 } }, context());

    expect(result).toEqual({ status: 200, content_type: 'application/json', body: '{"ok":true}' });
    expect(target.received).toHaveLength(1);
    expect(target.received[0]).toMatchObject({ method: 'POST', url: '/hook', body: '{"order":7}' });
    expect(target.received[0]?.headers['content-type']).toBe('application/json');
    expect(target.received[0]?.headers['idempotency-key']).toBe('01TASK');
  });

  it('returns a body that is not UTF-8 as base64', async () => {
    await useTarget((_request, response) => response.end(Buffer.from([0xff, 0xfe, 0x00])));
    const result = (await task.run({ url }, context())) as Record<string, JsonValue>;
    expect(result).toMatchObject({ body: '//4A', body_encoding: 'base64' });
  });

  it('does not follow redirects', async () => {
    await useTarget((_request, response) => {
      response.statusCode = 302;
      response.setHeader('location', 'http://169.254.169.254/latest/meta-data/');
      response.end();
    });
    const result = await task.run({ url }, context());
    expect(result).toMatchObject({ status: 302 });
    expect(target.received).toHaveLength(1);
  });

  it.each([
    [503, true],
    [429, true],
    [404, false],
    [400, false],
  ])('fails on status %i, retryable %s', async (status, retryable) => {
    await useTarget((_request, response) => {
      response.statusCode = status;
      response.end('no');
    });
    const error = await failureOf(task, { url });
    expect(error.code).toBe(`http_status_${status}`);
    expect(error.retryable).toBe(retryable);
  });

  it('fails without retry when the response exceeds the limit', async () => {
    await useTarget((_request, response) => response.end(Buffer.alloc(64 * 1024, 0x61)), {
      maxResponseBytes: 1024,
    });
    const error = await failureOf(task, { url });
    expect(error.code).toBe('http_response_too_large');
    expect(error.retryable).toBe(false);
  });

  it('fails with a retry when the target does not respond in time', async () => {
    await useTarget(() => undefined, { timeoutMs: 200 });
    const error = await failureOf(task, { url });
    expect(error.code).toBe('http_request_failed');
    expect(error.retryable).toBe(true);
  });

  it('refuses a host that resolves to a blocked address', async () => {
    let connections = 0;
    target = await startTarget(() => undefined);
    target.server.on('connection', () => (connections += 1));
    // 0.0.0.0 is blocked like 169.254.169.254, but if the check ever failed, Linux would connect
    // it to this loopback target, so the test never sends traffic off the machine.
    task = createHttpTask({
      allowedHosts: [`blocked.test:${target.port}`],
      lookup: ((_host: string, _options: unknown, callback: (...args: unknown[]) => void) =>
        callback(null, [{ address: '0.0.0.0', family: 4 }])) as never,
    });
    const error = await failureOf(task, { url: `http://blocked.test:${target.port}/` });

    expect(error.code).toBe('http_address_blocked');
    expect(error.retryable).toBe(false);
    expect(connections).toBe(0);
  });

  it.each([
    ['a host not on the list', 'http://127.0.0.2:1/', 'http_host_not_allowed'],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/', 'http_address_blocked'],
    ['a link-local IPv6 address', 'http://[fe80::1]/', 'http_address_blocked'],
    ['a non-HTTP scheme', 'file:///etc/passwd', 'invalid_url'],
  ])('rejects %s before any traffic', async (_case, target, code) => {
    task = createHttpTask({ allowedHosts: ['127.0.0.1'] });
    expect(() => task.validateInput({ url: target })).toThrow(expect.objectContaining({ code }));
    // An aborted signal makes a missing check fail with an abort error instead of a request.
    const aborted = AbortSignal.abort();
    await expect(task.run({ url: target }, context(aborted))).rejects.toMatchObject({ code });
  });

  it('rejects input with unknown fields', () => {
    task = createHttpTask({ allowedHosts: ['127.0.0.1'] });
    expect(() => task.validateInput({ url: 'http://127.0.0.1/', method: 'GET' })).toThrow(
      expect.objectContaining({ code: 'invalid_task_input' }),
    );
  });
});

describe('http task through the API', () => {
  let edge: EdgeHarness;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let token: string;

  beforeEach(async () => {
    let calls = 0;
    target = await startTarget((_request, response) => {
      calls += 1;
      response.statusCode = calls === 1 ? 503 : 200;
      response.end(calls === 1 ? 'busy' : 'done');
    });
    edge = await startEdge(
      {
        tasks: {
          httpAllowedHosts: [`127.0.0.1:${target.port}`],
          retry: { initialDelayMs: 50, maxDelayMs: 100 },
          pollIntervalMs: 20,
        },
      },
      { workers: true },
    );
    token = await createAgent(edge, 'agent-a');
  });
  afterEach(async () => {
    await edge.close();
    await stop(target.server);
  });

  it('retries a 503 and then succeeds', async () => {
    const url = `http://127.0.0.1:${target.port}/hook`;
    const submitted = await edge.send({
      method: 'POST',
      path: '/api/v1/agent-a/tasks',
      token,
      json: { type: 'http', input: { url, body: { event: 'done' } } },
    });
    expect(submitted.status).toBe(202);
    const read = async () =>
      (
        await edge.send({
          method: 'GET',
          path: `/api/v1/agent-a/tasks/${submitted.json.id}`,
          token,
        })
      ).json;
    const done = await pollUntil(read, (task) => task.status === 'succeeded');

    expect(done).toMatchObject({ attempts: 2, result: { status: 200, body: 'done' }, error: null });
    expect(target.received.map((request) => request.body)).toEqual([
      '{"event":"done"}',
      '{"event":"done"}',
    ]);
  });
});
