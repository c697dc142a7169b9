import { afterEach, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../lambdas/handlers/http/types.js';
import {
  rawRequest,
  headerOf,
  startTestServer,
  type Responder,
  type TestServer,
} from './helpers.js';

let edge: TestServer | undefined;

afterEach(async () => {
  await edge?.close();
  edge = undefined;
});

/** Starts a server whose handlers all respond with `respond`. The afterEach hook closes it. */
async function serveWith(respond: Responder): Promise<TestServer> {
  edge = await startTestServer({ respond });
  return edge;
}

const answer = (result: unknown): Responder => {
  return async () => result as HttpResult;
};

describe('response writing', () => {
  it('writes status, headers and body', async () => {
    const { baseUrl } = await serveWith(
      answer({
        statusCode: 201,
        headers: { 'content-type': 'text/plain', 'x-count': 3 },
        body: 'made',
      }),
    );
    const response = await fetch(`${baseUrl}/health`);

    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('x-count')).toBe('3');
    expect(await response.text()).toBe('made');
  });

  it('writes one set-cookie per cookie', async () => {
    const cookies = ['a=1; Path=/; HttpOnly', 'b=2; Max-Age=60'];
    const { baseUrl } = await serveWith(answer({ statusCode: 200, cookies, body: '' }));
    const response = await fetch(`${baseUrl}/health`);

    expect(response.headers.getSetCookie()).toEqual(cookies);
  });

  it('appends multi-value headers', async () => {
    const { port } = await serveWith(
      answer({ statusCode: 200, multiValueHeaders: { 'x-tag': ['one', 'two'] }, body: '' }),
    );
    const response = await rawRequest(
      port,
      'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );

    expect(response.headers.filter(([name]) => name === 'x-tag')).toEqual([
      ['x-tag', 'one'],
      ['x-tag', 'two'],
    ]);
  });

  it('decodes a base64 body', async () => {
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
    const { baseUrl } = await serveWith(
      answer({ statusCode: 200, body: bytes.toString('base64'), isBase64Encoded: true }),
    );
    const response = await fetch(`${baseUrl}/health`);

    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
  });

  it('computes content-length from the body', async () => {
    const { port } = await serveWith(
      answer({ statusCode: 200, headers: { 'content-length': '999' }, body: 'héllo' }),
    );
    const response = await rawRequest(
      port,
      'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );

    expect(headerOf(response, 'content-length')).toBe('6');
  });

  it('writes a bare 204', async () => {
    const { port } = await serveWith(answer({ statusCode: 204, headers: {}, body: '' }));
    const response = await rawRequest(
      port,
      'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );

    expect(response.status).toBe(204);
    expect(headerOf(response, 'content-length')).toBeUndefined();
    expect(response.body.length).toBe(0);
  });

  it('infers 200 JSON without statusCode', async () => {
    const { baseUrl } = await serveWith(answer({ records: [1, 2] }));
    const response = await fetch(`${baseUrl}/health`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ records: [1, 2] });
  });

  it('sends a string result as body', async () => {
    const { baseUrl } = await serveWith(answer('plain words'));
    const response = await fetch(`${baseUrl}/health`);

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('plain words');
  });
});

describe('request ids', () => {
  it('reuses a safe incoming request id', async () => {
    const server = await serveWith(answer({ statusCode: 200, headers: { 'x-request-id': 'no' } }));
    const response = await fetch(`${server.baseUrl}/health`, {
      headers: { 'x-request-id': 'req-01HZX3K5M2:7' },
    });
    const invocation = server.invocations.at(-1);

    expect(response.headers.get('x-request-id')).toBe('req-01HZX3K5M2:7');
    expect(invocation?.event.requestContext.requestId).toBe('req-01HZX3K5M2:7');
    expect(invocation?.context.awsRequestId).toBe('req-01HZX3K5M2:7');
  });

  it.each(['has spaces', 'x'.repeat(65), '-leading-dash', 'semi;colon'])(
    'replaces the unsafe id "%s"',
    async (incoming) => {
      const server = await serveWith(answer({ statusCode: 200 }));
      const response = await fetch(`${server.baseUrl}/health`, {
        headers: { 'x-request-id': incoming },
      });

      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it('gives each request its own id', async () => {
    const server = await serveWith(answer({ statusCode: 200 }));
    await fetch(`${server.baseUrl}/health`);
    await fetch(`${server.baseUrl}/health`);
    const [first, second] = server.invocations.map((call) => call.event.requestContext.requestId);

    expect(first).not.toBe(second);
  });
});

describe('Lambda context', () => {
  it('names the function after the handler', async () => {
    edge = await startTestServer();
    await fetch(`${edge.baseUrl}/api/v1/a/search`, { method: 'POST', body: '{}' });
    const context = edge.invocations.at(-1)?.context;

    expect(context?.functionName).toBe('happy-edge-search');
    expect(context?.invokedFunctionArn).toBe(
      'arn:aws:lambda:local:000000000000:function:happy-edge-search',
    );
    expect(context?.logGroupName).toBe('/aws/lambda/happy-edge-search');
  });

  it('reports the remaining time', async () => {
    edge = await startTestServer({ handlerTimeoutMs: 5000 });
    await fetch(`${edge.baseUrl}/health`);
    const context = edge.invocations.at(-1)?.context;

    expect(context?.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(context?.getRemainingTimeInMillis()).toBeLessThanOrEqual(5000);
  });
});

describe('handler failures', () => {
  it('hides a thrown error behind 500', async () => {
    const server = await serveWith(async () => {
      throw new Error('secret detail of the failure');
    });
    const response = await fetch(`${server.baseUrl}/api/v1/a/memory/r1`, {
      headers: { 'x-request-id': 'req-500' },
    });
    const text = await response.text();

    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(text).not.toContain('secret');
    expect(JSON.parse(text)).toMatchObject({
      status: 500,
      code: 'internal_error',
      title: 'Internal Server Error',
      instance: '/api/v1/a/memory/r1',
      request_id: 'req-500',
      service: 'edge',
    });
  });

  it('logs a thrown error once', async () => {
    const server = await serveWith(async () => {
      throw new Error('secret detail of the failure');
    });
    await fetch(`${server.baseUrl}/health`, { headers: { 'x-request-id': 'req-log' } });
    const errors = server.logLines.filter((line) => line.level === 50);

    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ requestId: 'req-log', routeKey: 'GET /health' });
    expect(errors[0]?.err).toMatchObject({ message: 'secret detail of the failure' });
  });

  it('returns 500 for a synchronous throw', async () => {
    edge = await startTestServer({
      respond: ((_event: HttpEvent) => {
        throw new Error('thrown before any promise');
      }) as unknown as Responder,
    });
    const response = await fetch(`${edge.baseUrl}/health`);

    expect(response.status).toBe(500);
  });

  it.each([
    ['a status code out of range', { statusCode: 42 }],
    ['a header with a line break', { statusCode: 200, headers: { 'x-a': 'b\r\nx-c: d' } }],
    ['a body that is not a string', { statusCode: 200, body: { nested: true } }],
    ['cookies that are not a list', { statusCode: 200, cookies: 'a=1' }],
    ['no result at all', undefined],
  ])('returns 500 for %s', async (_case, result) => {
    const server = await serveWith(answer(result));
    const response = await fetch(`${server.baseUrl}/health`);

    expect(response.status).toBe(500);
    expect(server.logLines.some((line) => line.level === 50)).toBe(true);
  });

  it('returns 503 past the deadline', async () => {
    edge = await startTestServer({
      handlerTimeoutMs: 50,
      respond: () => new Promise<HttpResult>(() => undefined),
    });
    const response = await fetch(`${edge.baseUrl}/health`);

    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'handler_timeout', service: 'edge' });
  });
});
