import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpResult } from '../../lambdas/handlers/http/types.js';
import { startTestServer, waitFor, type TestServer } from './helpers.js';

let edge: TestServer | undefined;

afterEach(async () => {
  await edge?.close();
  edge = undefined;
});

const finishedLines = (server: TestServer) => {
  return server.logLines.filter((line) => line.msg === 'Request finished.');
};

/** Opens a connection, writes `data` and destroys the connection after `delayMs`. */
function sendAndAbort(port: number, data: string, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(data);
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, delayMs);
    });
    socket.on('error', reject);
  });
}

describe('client abort', () => {
  it('skips the handler after a body abort', async () => {
    edge = await startTestServer();
    const head = 'POST /api/v1/a/memory HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n';
    await sendAndAbort(edge.port, `${head}{"partial":`, 50);
    const server = edge;
    await waitFor(() => finishedLines(server).length === 1);

    expect(edge.invocations).toHaveLength(0);
    expect(finishedLines(edge)[0]).toMatchObject({
      routeKey: 'POST /api/v1/{agent}/memory',
      aborted: true,
    });
  });

  it('keeps serving after a mid-handler abort', async () => {
    let release: (() => void) | undefined;
    let calls = 0;
    edge = await startTestServer({
      respond: async () => {
        calls += 1;
        if (calls === 1) await new Promise<void>((resolve) => (release = resolve));
        return { statusCode: 200, body: 'late' } satisfies HttpResult;
      },
    });
    const server = edge;
    await sendAndAbort(server.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', 50);
    await waitFor(() => finishedLines(server).length === 1);
    release?.();
    const response = await fetch(`${server.baseUrl}/health`);

    expect(finishedLines(server)[0]).toMatchObject({ routeKey: 'GET /health', aborted: true });
    expect(finishedLines(server)[0]?.status).toBeUndefined();
    expect(response.status).toBe(200);
  });

  it('drops a result for a gone client', async () => {
    let release: (() => void) | undefined;
    edge = await startTestServer({
      respond: async () => {
        await new Promise<void>((resolve) => (release = resolve));
        return { statusCode: 200, body: 'nobody reads this' } satisfies HttpResult;
      },
    });
    const server = edge;
    await sendAndAbort(server.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', 50);
    await waitFor(() => release !== undefined && finishedLines(server).length === 1);
    release?.();
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(server.logLines.filter((line) => line.level === 50)).toHaveLength(0);
    expect(server.server.listening).toBe(true);
  });
});
