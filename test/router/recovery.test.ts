import { describe, expect, it } from 'vitest';

import type { RecoveryGateResult } from '../../local-fallback/router/index.js';
import { ADMIN_TOKEN, recordEvents, useRouterWithTargets, waitUntil } from './harness.js';

const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

/** Makes the router's primary hang, or respond late, for traffic and health checks alike. */
async function addHangFault(url: string, latencyMs?: number): Promise<void> {
  const fault =
    latencyMs === undefined
      ? { target: 'primary', fault: 'hang' }
      : { target: 'primary', fault: 'latency', latency_ms: latencyMs };
  const response = await fetch(`${url}/router/faults`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify(fault),
  });
  await response.text();
}

describe('router breaker and recovery gate', { timeout: 60_000 }, () => {
  const { start } = useRouterWithTargets();
  const setUp = (recoveryGate: () => Promise<RecoveryGateResult>) =>
    start({
      config: { failover: { minHoldMs: 0, stableMs: 300 } },
      recoveryGate,
    });

  it('flips when the breaker opens', async () => {
    const { router, url } = await setUp(async () => ({ ready: true }));
    const flips = recordEvents(router, 'flip');

    for (let attempt = 0; attempt < 5; attempt += 1) {
      const response = await fetch(`${url}/status/500`, { method: 'PUT', body: 'x' });
      await response.text();
    }
    const breakers = await fetch(`${url}/circuit-breakers`).then(
      async (response) => (await response.json()) as { router: Array<{ state: string }> },
    );

    expect(flips.map((flip) => flip.reason)).toEqual(['circuit breaker opened']);
    expect(breakers.router[0]?.state).toBe('open');
    await waitUntil(() => flips.length === 2, 5_000, 'the flip back once checks pass');
    expect(flips[1]?.to).toBe('primary');
  });

  it('waits for the recovery gate', async () => {
    let gate: RecoveryGateResult = { ready: false, reason: 'outbox has 3 pending writes' };
    const { router, url } = await setUp(async () => gate);
    const flips = recordEvents(router, 'flip');
    const recovery = recordEvents(router, 'recovery');
    const added = await fetch(`${url}/router/faults`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ target: 'primary', fault: 'down' }),
    });
    const { id } = (await added.json()) as { id: string };
    await waitUntil(() => flips.length === 1, 3_000, 'the flip to the edge');

    await fetch(`${url}/router/faults/${id}`, { method: 'DELETE', headers: auth });
    await waitUntil(
      () => recovery.some((event) => event.phase === 'blocked'),
      5_000,
      'the gate to block recovery',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const flipsWhileBlocked = flips.length;
    gate = { ready: true };
    await waitUntil(() => flips.length === 2, 3_000, 'the flip back after the gate opens');

    expect(flipsWhileBlocked).toBe(1);
    expect(recovery.find((event) => event.phase === 'blocked')?.reason).toBe(
      'outbox has 3 pending writes',
    );
    expect(flips[1]?.to).toBe('primary');
  });

  it('treats a hanging primary as down', async () => {
    const { router, url } = await setUp(async () => ({ ready: true }));
    const flips = recordEvents(router, 'flip');
    await addHangFault(url);

    await waitUntil(() => flips.length === 1, 2_000, 'the flip caused by failing checks');
    const response = await fetch(`${url}/during-hang`);
    await response.text();

    expect(flips[0]?.reason).toMatch(/^health check failed 2 times: timed out after 150 ms/);
    expect(response.headers.get('x-happy-served-by')).toBe('edge');
  });

  it.each([
    ['a hang', undefined],
    ['a 2 s latency', 2_000],
  ])('moves a GET waiting on %s to the edge', async (_case, latencyMs) => {
    const { router, url } = await setUp(async () => ({ ready: true }));
    const flips = recordEvents(router, 'flip');
    await addHangFault(url, latencyMs);

    // Sent before the checks fail, so it waits on the primary until the flip.
    const started = performance.now();
    const response = await fetch(`${url}/waiting-on-hang`);
    await response.text();
    const elapsedMs = performance.now() - started;

    expect(flips).toHaveLength(1);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-happy-served-by')).toBe('edge');
    expect(response.headers.get('x-happy-failover')).toBe('retried');
    expect(elapsedMs).toBeLessThan(2_500);
  });
});
