import { Readable } from 'node:stream';

import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Router } from '../../local-fallback/router/index.js';
import {
  ADMIN_TOKEN,
  type TargetProcess,
  recordEvents,
  startRouter,
  startTarget,
  waitUntil,
} from './harness.js';

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('router fault injection and admin API', { timeout: 60_000 }, () => {
  const processes: TargetProcess[] = [];
  let router: Router;
  let url: string;

  beforeAll(async () => {
    const primary = await startTarget('cloud');
    const secondary = await startTarget('edge');
    processes.push(primary, secondary);
    // A 400 ms headers timeout keeps the latency test short; health checks keep their defaults.
    ({ router, url } = await startRouter(primary.url, secondary.url, {
      targets: {
        primary: { url: primary.url, headersTimeoutMs: 400 },
        secondary: { url: secondary.url, headersTimeoutMs: 400 },
      },
      failover: { minHoldMs: 0, stableMs: 300 },
    }));
  });

  afterAll(async () => {
    await router.close();
    await Promise.all(processes.map((target) => target.kill()));
  });

  async function addFault(body: unknown, headers: Record<string, string> = auth) {
    const response = await fetch(`${url}/router/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { response, body: (await response.json()) as Record<string, unknown> };
  }

  async function removeFault(id: string) {
    const response = await fetch(`${url}/router/faults/${id}`, { method: 'DELETE', headers: auth });
    await response.text();
    return response;
  }

  async function waitForActive(role: 'primary' | 'secondary') {
    await waitUntil(() => router.status().active === role, 10_000, `${role} to be active`);
  }

  it('treats excess latency as down', async () => {
    const flips = recordEvents(router, 'flip');
    const { response, body } = await addFault({
      target: 'primary',
      fault: 'latency',
      latency_ms: 1_000,
    });
    expect(response.status).toBe(201);

    const proxied = await fetch(`${url}/slow-primary`);
    await proxied.text();
    await waitUntil(() => flips.length > 0, 2_000, 'a flip caused by the latency fault');

    expect(proxied.status).toBe(200);
    expect(proxied.headers.get('x-happy-served-by')).toBe('edge');
    expect(proxied.headers.get('x-happy-failover')).toBe('retried');
    expect(flips[0]?.to).toBe('secondary');
    expect(router.status().targets[0]?.healthy).toBe(false);

    expect((await removeFault(String(body.id))).status).toBe(204);
    await waitForActive('primary');
  });

  it('retries a GET after an error fault', async () => {
    const { body } = await addFault({ target: 'primary', fault: 'error', error_rate: 1 });

    const proxied = await fetch(`${url}/error-primary`);
    await proxied.text();

    expect(proxied.status).toBe(200);
    expect(proxied.headers.get('x-happy-served-by')).toBe('edge');
    expect(proxied.headers.get('x-happy-failover')).toBe('retried');
    await removeFault(String(body.id));
    await waitForActive('primary');
  });

  it('ends a fault after duration_s', async () => {
    const faults = recordEvents(router, 'fault');
    const { body } = await addFault({ target: 'secondary', fault: 'down', duration_s: 0.2 });

    await waitUntil(
      () => faults.some((event) => event.action === 'expired'),
      3_000,
      'the fault to expire',
    );

    expect(faults.map((event) => event.action)).toEqual(['added', 'expired']);
    expect(faults[1]?.id).toBe(body.id);
  });

  it.each([
    ['an unknown field', { target: 'primary', fault: 'down', color: 'red' }, 'color'],
    ['an unknown target', { target: 'tertiary', fault: 'down' }, 'target'],
    ['an unknown fault', { target: 'primary', fault: 'melt' }, 'fault'],
    ['latency without latency_ms', { target: 'primary', fault: 'latency' }, 'latency_ms'],
    [
      'latency_ms on a down fault',
      { target: 'primary', fault: 'down', latency_ms: 5 },
      'latency_ms',
    ],
    ['an error_rate above 1', { target: 'primary', fault: 'error', error_rate: 2 }, 'error_rate'],
    ['a negative duration', { target: 'primary', fault: 'hang', duration_s: -1 }, 'duration_s'],
  ])('rejects a fault with %s', async (_case, fault, field) => {
    const { response, body } = await addFault(fault);
    const fields = (body.errors as Array<{ field: string | null }>).map(
      (error) => error.field ?? '(root)',
    );

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(body.code).toBe('invalid_request');
    expect(fields).toContain(field);
  });

  it('rejects a non-JSON fault body', async () => {
    const { response, body } = await addFault('{"target": ');

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(body.code).toBe('invalid_request');
  });

  // Sends a fault body with the given content-type or with none, which fetch cannot do because
  // it adds text/plain to a string body.
  async function postFault(body: string, contentType: string | undefined) {
    const headers = contentType === undefined ? auth : { ...auth, 'content-type': contentType };
    const response = await request(`${url}/router/faults`, { method: 'POST', headers, body });
    const text = await response.body.text();
    return { status: response.statusCode, headers: response.headers, text };
  }

  async function listFaults(): Promise<unknown[]> {
    const response = await fetch(`${url}/router/faults`, { headers: auth });
    return ((await response.json()) as { faults: unknown[] }).faults;
  }

  it.each([
    ['text/plain', 'text/plain'],
    ['text/plain with a charset', 'text/plain;charset=UTF-8'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['a JSON suffix type', 'application/merge-patch+json'],
    ['JSON in another charset', 'application/json; charset=iso-8859-1'],
    ['a malformed media type', 'json'],
    ['no content-type', undefined],
  ])('rejects a fault sent as %s with 415', async (_case, contentType) => {
    const faultEvents = recordEvents(router, 'fault');
    const before = await listFaults();

    const sent = await postFault(JSON.stringify({ target: 'primary', fault: 'down' }), contentType);
    const body = JSON.parse(sent.text) as Record<string, unknown>;

    expect(sent.status).toBe(415);
    expect(sent.headers['content-type']).toBe('application/problem+json');
    expect(body.code).toBe('unsupported_media_type');
    expect(body.hint).toMatch(/application\/json/);
    expect(await listFaults()).toEqual(before);
    expect(faultEvents).toEqual([]);
  });

  it.each([
    ['application/json', 'application/json'],
    ['a charset parameter', 'application/json; charset=utf-8'],
    ['upper case', 'Application/JSON; Charset="UTF-8"'],
  ])('accepts a fault sent as %s', async (_case, contentType) => {
    const sent = await postFault(
      JSON.stringify({ target: 'secondary', fault: 'latency', latency_ms: 1 }),
      contentType,
    );
    const body = JSON.parse(sent.text) as Record<string, unknown>;
    await removeFault(String(body.id));

    expect(sent.status).toBe(201);
    expect(body.fault).toBe('latency');
  });

  // One body sent with content-length, the other chunked, so the limit applies while reading.
  it.each([
    ['a declared length', (text: string) => text],
    ['chunked encoding', (text: string) => Readable.from([text.slice(0, 100), text.slice(100)])],
  ])('rejects an oversized fault body with %s', async (_case, toBody) => {
    const before = await listFaults();
    const text = JSON.stringify({ target: 'primary', fault: 'down', padding: 'x'.repeat(1 << 20) });

    const response = await request(`${url}/router/faults`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: toBody(text),
    });
    const body = (await response.body.json()) as Record<string, unknown>;

    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(body.code).toBe('payload_too_large');
    expect(await listFaults()).toEqual(before);
  });

  it.each([
    ['GET', '/router/status', undefined],
    ['GET', '/router/events', undefined],
    ['POST', '/router/faults', 'Bearer wrong-token-wrong-token'],
    ['DELETE', '/router/faults/some-id', 'Basic dXNlcjpwYXNz'],
  ])('requires the admin token for %s %s', async (method, path, authorization) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: authorization === undefined ? {} : { authorization },
    });
    const body = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(body).toMatchObject({ code: 'unauthorized', instance: path, service: 'router' });
    expect(body.hint).toMatch(/HAPPY_ADMIN_TOKEN/);
    expect(body.request_id).toBe(response.headers.get('x-request-id'));
  });

  it('echoes the caller request id and leaves the query out of instance', async () => {
    const response = await fetch(`${url}/router/nothing-here?token=secret`, {
      headers: { ...auth, 'x-request-id': 'drill-42' },
    });
    const body = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(404);
    expect(body).toMatchObject({ instance: '/router/nothing-here', request_id: 'drill-42' });
    expect(response.headers.get('x-request-id')).toBe('drill-42');
  });

  it('returns 404 for an unknown fault', async () => {
    const response = await fetch(`${url}/router/faults/no-such-fault`, {
      method: 'DELETE',
      headers: auth,
    });
    const body = (await response.json()) as { code: string };

    expect(response.status).toBe(404);
    expect(body.code).toBe('not_found');
  });

  it('reports status with both targets', async () => {
    const response = await fetch(`${url}/router/status`, { headers: auth });
    const body = (await response.json()) as {
      service: string;
      active: string;
      targets: Array<Record<string, unknown>>;
    };

    expect(response.status).toBe(200);
    expect(body.service).toBe('router');
    expect(['primary', 'secondary']).toContain(body.active);
    expect(body.targets.map((target) => target.name)).toEqual(['primary', 'secondary']);
    expect(body.targets.map((target) => target.label)).toEqual(['cloud', 'edge']);
    expect(Object.keys(body.targets[0] ?? {})).toEqual(
      expect.arrayContaining([
        'url',
        'healthy',
        'breaker',
        'last_transition',
        'consecutive_failures',
      ]),
    );
  });

  it('streams flips as server-sent events', async () => {
    await waitForActive('primary');
    const stream = await request(`${url}/router/events`, { headers: auth });
    const { body } = await addFault({ target: 'primary', fault: 'refuse' });

    let text = '';
    for await (const chunk of stream.body) {
      text += (chunk as Buffer).toString();
      if (text.includes('event: flip')) {
        break;
      }
    }
    stream.body.destroy();
    await removeFault(String(body.id));

    expect(stream.statusCode).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream');
    expect(text.startsWith('event: status\n')).toBe(true);
    expect(text).toContain('event: fault\n');
    expect(text).toMatch(/event: flip\ndata: \{"type":"flip","from":"primary","to":"secondary"/);
  });
});
