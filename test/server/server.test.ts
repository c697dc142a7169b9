import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ResourceNotFoundError } from '../../lambdas/core/errors.js';
import { createHttpHandler, type HttpHandler } from '../../lambdas/handlers/http/create-handler.js';
import { jsonResponse } from '../../lambdas/handlers/http/response.js';
import type { AppLogger, LogFields } from '../../lambdas/ports/index.js';
import {
  closeServer,
  createEdgeServer,
  EdgeServerOptionsError,
  listen,
  type EdgeHandler,
  type EdgeServerOptions,
} from '../../local-fallback/server/index.js';
import { startTestServer, waitFor, type TestServer } from './helpers.js';

let edge: TestServer | undefined;

afterEach(async () => {
  await edge?.close();
  edge = undefined;
});

const finishedLines = (server: TestServer) => {
  return server.logLines.filter((line) => line.msg === 'Request finished.');
};

describe('request log', () => {
  it('logs one line per request', async () => {
    edge = await startTestServer();
    await fetch(`${edge.baseUrl}/api/v1/agent-7/memory/r1`, {
      headers: { 'x-request-id': 'req-log' },
    });
    const server = edge;
    await waitFor(() => finishedLines(server).length === 1);
    const line = finishedLines(edge)[0];

    expect(line).toMatchObject({
      level: 30,
      requestId: 'req-log',
      method: 'GET',
      routeKey: 'GET /api/v1/{agent}/memory/{id}',
      status: 200,
      agentId: 'agent-7',
    });
    expect(line?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(line).not.toHaveProperty('aborted');
  });

  it('omits authorization and body', async () => {
    edge = await startTestServer({
      respond: async () => {
        throw new Error('failure');
      },
    });
    await fetch(`${edge.baseUrl}/api/v1/agent-7/memory`, {
      method: 'POST',
      headers: { authorization: 'Bearer very-secret-token', 'content-type': 'application/json' },
      body: '{"context":"private memory text"}',
    });
    const server = edge;
    await waitFor(() => finishedLines(server).length === 1);
    const logged = JSON.stringify(edge.logLines);

    expect(logged).not.toContain('very-secret-token');
    expect(logged).not.toContain('private memory text');
  });

  it('logs the path of unmatched requests', async () => {
    edge = await startTestServer();
    await fetch(`${edge.baseUrl}/nowhere/at%20all`);
    const server = edge;
    await waitFor(() => finishedLines(server).length === 1);

    expect(finishedLines(edge)[0]).toMatchObject({ status: 404, path: '/nowhere/at all' });
  });

  it('omits an invalid agent id', async () => {
    edge = await startTestServer();
    await fetch(`${edge.baseUrl}/api/v1/NOT%20VALID/memory`);
    const server = edge;
    await waitFor(() => finishedLines(server).length === 1);

    expect(finishedLines(edge)[0]).not.toHaveProperty('agentId');
  });
});

describe('createEdgeServer', () => {
  const handler: EdgeHandler = async () => ({ statusCode: 200 });
  const handlers = {
    agents: handler,
    memory: handler,
    search: handler,
    health: handler,
    tasks: handler,
    files: handler,
    replication: handler,
  };
  const logger = pino({ enabled: false });

  it('sets the server timeouts', () => {
    const server = createEdgeServer({ handlers, logger, headersTimeoutMs: 7000 });

    expect(server.headersTimeout).toBe(7000);
    expect(server.requestTimeout).toBe(30_000);
    expect(server.keepAliveTimeout).toBe(5000);
  });

  it.each<[string, Partial<EdgeServerOptions>, string]>([
    [
      'a missing handler',
      { handlers: { ...handlers, search: undefined as never } },
      'handlers.search',
    ],
    ['a zero body cap', { maxBodyBytes: 0 }, 'maxBodyBytes'],
    ['a body cap above 10 MiB', { maxBodyBytes: 11 * 1024 * 1024 }, 'maxBodyBytes'],
    ['a fractional timeout', { handlerTimeoutMs: 1.5 }, 'handlerTimeoutMs'],
    ['headers timeout above request timeout', { headersTimeoutMs: 40_000 }, 'headersTimeoutMs'],
  ])('rejects %s', (_case, overrides, option) => {
    const create = () => createEdgeServer({ handlers, logger, ...overrides });

    expect(create).toThrow(EdgeServerOptionsError);
    expect(create).toThrow(option);
  });

  it('closes idle keep-alive connections on close', async () => {
    const server = createEdgeServer({ handlers, logger });
    const { port } = await listen(server, 0, '127.0.0.1');
    await fetch(`http://127.0.0.1:${port}/health`);
    const started = Date.now();
    await closeServer(server, 5000);

    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.listening).toBe(false);
  });
});

describe('middy handlers', () => {
  const logger = pino({ enabled: false });
  const appLogger = toAppLogger(logger);
  const memory: HttpHandler = createHttpHandler(
    'memory',
    {
      'GET /api/v1/{agent}/memory/{id}': async (event) => {
        if (event.pathParameters?.id === 'missing') {
          throw new ResourceNotFoundError('record_not_found', 'No such record.');
        }
        return jsonResponse(200, { id: event.pathParameters?.id }, 'edge');
      },
    },
    { service: 'edge', logger: appLogger },
  );
  const handlers = {
    agents: memory,
    memory,
    search: memory,
    health: memory,
    tasks: memory,
    files: memory,
    replication: memory,
  };

  it('serves a createHttpHandler route', async () => {
    const server = createEdgeServer({ handlers, logger });
    const { port } = await listen(server, 0, '127.0.0.1');
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/a/memory/r1`);
    await closeServer(server, 500);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 'r1', service: 'edge' });
  });

  it('passes handler problems through', async () => {
    const server = createEdgeServer({ handlers, logger });
    const { port } = await listen(server, 0, '127.0.0.1');
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/a/memory/missing`, {
      headers: { 'x-request-id': 'req-mid' },
    });
    await closeServer(server, 500);

    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('req-mid');
    expect(await response.json()).toMatchObject({
      code: 'record_not_found',
      request_id: 'req-mid',
    });
  });
});

function toAppLogger(logger: pino.Logger): AppLogger {
  const write = (level: 'debug' | 'info' | 'warn' | 'error') => {
    return (message: string, fields?: LogFields) => logger[level](fields ?? {}, message);
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (fields) => toAppLogger(logger.child(fields)),
  };
}
