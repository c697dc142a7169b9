import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DependencyFaultSwitch,
  FAULTS_PATH,
  handleFaultRequest,
} from '../../local-fallback/topology/dependency-faults.js';
import { freeLoopbackPort } from '../../local-fallback/topology/index.js';

const ADMIN_TOKEN = 'stand-in-admin-token-0123456789';

describe('stand-in dependency faults', () => {
  let faults: DependencyFaultSwitch;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // Nothing listens on these ports: the proxies only need an address to forward to.
    faults = await DependencyFaultSwitch.start({
      openSearchUrl: `http://127.0.0.1:${await freeLoopbackPort()}`,
      motoUrl: `http://127.0.0.1:${await freeLoopbackPort()}`,
      redisUrl: undefined,
    });
    server = createServer((req, res) => void handleFaultRequest(req, res, faults, ADMIN_TOKEN));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${FAULTS_PATH}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await faults.close();
  });

  const send = (method: string, body?: string, token = ADMIN_TOKEN, path = '') =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });

  it('rejects a request without the admin token', async () => {
    const response = await send('POST', '{"dependency":"opensearch"}', 'wrong-token');

    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(faults.list()).toEqual([]);
  });

  it('cuts and restores one dependency', async () => {
    const added = await send('POST', '{"dependency":"opensearch","mode":"down"}');
    const listed = (await (await send('GET')).json()) as { faults: { dependency: string }[] };
    const removed = await send('DELETE', undefined, ADMIN_TOKEN, '/opensearch');

    expect(added.status).toBe(201);
    expect(listed.faults.map((fault) => fault.dependency)).toEqual(['opensearch']);
    expect(removed.status).toBe(204);
    expect(faults.list()).toEqual([]);
  });

  it.each([
    ['an unknown dependency', '{"dependency":"dynamodb"}', 400],
    ['an unknown field', '{"dependency":"s3","extra":1}', 400],
    ['invalid JSON', '{"dependency":', 400],
    ['a cache the stand-in does not use', '{"dependency":"elasticache"}', 400],
    ['a body over 4 KB', JSON.stringify({ dependency: 's3', pad: 'x'.repeat(8192) }), 413],
  ])('rejects %s without changing anything', async (_case, body, status) => {
    const response = await send('POST', body);

    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(faults.list()).toEqual([]);
  });

  it('returns 404 for a dependency without a fault', async () => {
    const response = await send('DELETE', undefined, ADMIN_TOKEN, '/s3');

    expect(response.status).toBe(404);
    expect(((await response.json()) as { service: string }).service).toBe('cloud');
  });
});
