import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';

import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Router } from '../../local-fallback/router/index.js';
import { type TargetProcess, startRouter, startTarget, targetStats } from './harness.js';

interface Echo {
  readonly method: string;
  readonly body_bytes: number;
  readonly forwarded_for: string | null;
  readonly forwarded_proto: string | null;
  readonly custom_hop: string | null;
  readonly service: string;
}

describe('router proxying', { timeout: 60_000 }, () => {
  const processes: TargetProcess[] = [];
  let router: Router;
  let url: string;
  let secondary: TargetProcess;

  beforeAll(async () => {
    const primary = await startTarget('cloud');
    secondary = await startTarget('edge');
    processes.push(primary, secondary);
    ({ router, url } = await startRouter(primary.url, secondary.url, {
      maxRetryBodyBytes: 64 * 1024,
    }));
  });

  afterAll(async () => {
    await router.close();
    await Promise.all(processes.map((target) => target.kill()));
  });

  it('sets x-forwarded-for and x-forwarded-proto', async () => {
    const response = await fetch(`${url}/echo`);
    const body = (await response.json()) as Echo;

    expect(body.forwarded_for).toBe('127.0.0.1');
    expect(body.forwarded_proto).toBe('http');
    expect(response.headers.get('x-happy-served-by')).toBe('cloud');
    expect(response.headers.get('x-happy-failover')).toBeNull();
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects a body over 10 MiB before any target', async () => {
    const body = Buffer.alloc(11 * 1024 * 1024, 'x');

    const response = await request(`${url}/echo`, { method: 'POST', body });
    const problem = (await response.body.json()) as Record<string, unknown>;

    expect(response.statusCode).toBe(413);
    expect(problem).toMatchObject({ code: 'payload_too_large', service: 'router' });
    expect(router.status().active).toBe('primary');
  });

  it('rejects a chunked body over 10 MiB', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const chunks = Array.from({ length: 12 }, () => chunk);

    const response = await request(`${url}/echo`, { method: 'POST', body: Readable.from(chunks) });
    const problem = (await response.body.json()) as Record<string, unknown>;

    expect(response.statusCode).toBe(413);
    expect(problem).toMatchObject({ code: 'payload_too_large', service: 'router' });
    expect(router.status().active).toBe('primary');
    const primary = router.status().targets.find((target) => target.name === 'primary');
    expect(primary?.breaker).toBe('closed');
  });

  it('drops a header named in Connection', async () => {
    const body = await new Promise<Echo>((resolve, reject) => {
      const req = httpRequest(
        `${url}/echo`,
        { headers: { connection: 'x-hop', 'x-hop': '1' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as Echo));
        },
      );
      req.on('error', reject);
      req.end();
    });

    expect(body.custom_hop).toBeNull();
  });

  it('streams bodies over the retry buffer', async () => {
    const size = 3 * 1024 * 1024;

    const response = await request(`${url}/upload`, {
      method: 'POST',
      headers: { 'idempotency-key': 'upload-1' },
      body: Buffer.alloc(size, 7),
    });
    const body = (await response.body.json()) as Echo;

    expect(response.statusCode).toBe(200);
    expect(body.body_bytes).toBe(size);
    expect(body.service).toBe('cloud');
  });

  it('streams chunked request bodies', async () => {
    async function* chunks() {
      for (let index = 0; index < 10; index += 1) {
        yield Buffer.alloc(10_000, index);
      }
    }

    const response = await request(`${url}/chunked`, {
      method: 'POST',
      body: Readable.from(chunks()),
    });
    const body = (await response.body.json()) as Echo;

    expect(body.body_bytes).toBe(100_000);
  });

  it('serves HEAD without a body', async () => {
    const response = await request(`${url}/head`, { method: 'HEAD' });
    const text = await response.body.text();

    expect(response.statusCode).toBe(200);
    expect(text).toBe('');
    expect(response.headers['x-happy-served-by']).toBe('cloud');
  });

  it('retries a 503 GET on the edge', async () => {
    const before = await targetStats(secondary.url);

    const response = await fetch(`${url}/status/503`);
    const body = (await response.json()) as Echo;
    const after = await targetStats(secondary.url);

    expect(response.status).toBe(503);
    expect(body.service).toBe('edge');
    expect(response.headers.get('x-happy-failover')).toBe('retried');
    expect((after.counts.GET ?? 0) - (before.counts.GET ?? 0)).toBe(1);
  });

  it('lists router and target breakers', async () => {
    const response = await fetch(`${url}/circuit-breakers`);
    const body = (await response.json()) as {
      router: Array<{ name: string; state: string }>;
      target: { service: string } | null;
    };

    expect(response.status).toBe(200);
    expect(body.router.map((breaker) => breaker.name)).toEqual(['primary', 'secondary']);
    expect(body.router.every((breaker) => breaker.state === 'closed')).toBe(true);
    expect(body.target?.service).toBe('cloud');
  });

  it('serves Prometheus metrics', async () => {
    const response = await fetch(`${url}/metrics`);
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    for (const name of [
      'happy_router_requests_total',
      'happy_router_request_duration_seconds_bucket',
      'happy_router_flips_total',
      'happy_router_detection_seconds',
      'happy_router_recovery_seconds',
      'happy_router_failover_retries_total',
      'happy_router_breaker_state',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/happy_router_requests_total\{target="primary",outcome="success"\} \d+/);
  });
});
