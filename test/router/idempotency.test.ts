import { describe, expect, it } from 'vitest';

import { type TargetProcess, targetStats, useRouterWithTargets } from './harness.js';

describe('router retries of writes', { timeout: 60_000 }, () => {
  const { start } = useRouterWithTargets();
  // The primary delays every POST response by 3 s, so the test can kill it while one is in flight.
  const setUp = () => start({ primaryEnv: { POST_DELAY_MS: '3000' } });

  async function postAndKillPrimary(
    url: string,
    primary: TargetProcess,
    headers: Record<string, string>,
  ) {
    const from = primary.eventCount();
    const pending = fetch(`${url}/api/v1/agent-1/memory`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ user_id: 'demo', context: 'remember this' }),
    });
    await primary.waitFor(
      (event) => event.event === 'request' && event.method === 'POST',
      10_000,
      from,
    );
    await primary.kill('SIGKILL');
    return pending;
  }

  it('never repeats a POST without a key', async () => {
    const { primary, secondary, url } = await setUp();

    const response = await postAndKillPrimary(url, primary, {});
    const body = (await response.json()) as { code: string; target: string; detail: string };
    const stats = await targetStats(secondary.url);

    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(body.code).toBe('outcome_unknown');
    expect(body.target).toBe('primary');
    expect(body.detail).toContain('Idempotency-Key');
    expect(stats.counts.POST ?? 0).toBe(0);
  });

  it('retries a keyed POST on the edge', async () => {
    const { primary, secondary, url } = await setUp();

    const response = await postAndKillPrimary(url, primary, { 'idempotency-key': 'key-1' });
    const body = (await response.json()) as { service: string; method: string };
    const stats = await targetStats(secondary.url);

    expect(response.status).toBe(200);
    expect(response.headers.get('x-happy-served-by')).toBe('edge');
    expect(response.headers.get('x-happy-failover')).toBe('retried');
    expect(body.service).toBe('edge');
    expect(stats.counts.POST).toBe(1);
  });

  it('sends a refused POST to the edge', async () => {
    const { primary, secondary, url } = await setUp();
    await primary.kill('SIGKILL');

    const response = await fetch(`${url}/api/v1/agent-1/memory`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'demo', context: 'written during the outage' }),
    });
    const body = (await response.json()) as { service: string };
    const stats = await targetStats(secondary.url);

    expect(response.status).toBe(200);
    expect(body.service).toBe('edge');
    expect(stats.counts.POST).toBe(1);
  });

  it('forwards a 5xx for unsafe writes', async () => {
    const { secondary, url } = await setUp();

    const response = await fetch(`${url}/status/500`, { method: 'PUT', body: 'x' });
    await response.text();
    const stats = await targetStats(secondary.url);

    expect(response.status).toBe(500);
    expect(response.headers.get('x-happy-served-by')).toBe('cloud');
    expect(stats.counts.PUT ?? 0).toBe(0);
  });
});
