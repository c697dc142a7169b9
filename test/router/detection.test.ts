import { describe, expect, it } from 'vitest';

import { ADMIN_TOKEN, recordEvents, useRouterWithTargets, waitUntil } from './harness.js';

const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

// Far above the detection time of a flip right after a refused connection, and far below the
// gaps the tests leave between a stale failure and the next outage.
const MAX_FRESH_DETECTION_MS = 500;

// Reads one unlabelled sample from the Prometheus text format, or NaN when it is absent.
function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

describe('router detection time', { timeout: 60_000 }, () => {
  const { start } = useRouterWithTargets();
  const setUp = () => start({ config: { failover: { minHoldMs: 0, stableMs: 300 } } });

  async function addDownFault(url: string): Promise<string> {
    const response = await fetch(`${url}/router/faults`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ target: 'primary', fault: 'down' }),
    });
    const body = (await response.json()) as { id: string };
    expect(response.status).toBe(201);
    return body.id;
  }

  async function removeFault(url: string, id: string): Promise<void> {
    const response = await fetch(`${url}/router/faults/${id}`, { method: 'DELETE', headers: auth });
    await response.text();
  }

  async function get(url: string, path: string): Promise<void> {
    await fetch(`${url}${path}`).then((response) => response.text());
  }

  it('measures a second outage from its own start', async () => {
    const { url, router } = await setUp();
    const flips = recordEvents(router, 'flip');

    const firstFault = await addDownFault(url);
    await get(url, '/first-outage');
    await waitUntil(() => flips.length === 1, 3_000, 'the first flip to the edge');
    await removeFault(url, firstFault);
    await waitUntil(() => flips.length === 2, 10_000, 'the flip back to the primary');
    // No live traffic reaches the primary here, so no successful request clears the old failure.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await addDownFault(url);
    await get(url, '/second-outage');
    await waitUntil(() => flips.length === 3, 3_000, 'the second flip to the edge');
    const metrics = await fetch(`${url}/metrics`).then((response) => response.text());

    expect(flips.map((flip) => flip.to)).toEqual(['secondary', 'primary', 'secondary']);
    expect(flips[2]?.detection_ms).toBeLessThan(MAX_FRESH_DETECTION_MS);
    // Both flips to the edge came right after a refused connection, so their sum stays small.
    expect(metricValue(metrics, 'happy_router_detection_seconds_count')).toBe(2);
    expect(metricValue(metrics, 'happy_router_detection_seconds_sum')).toBeLessThan(
      (2 * MAX_FRESH_DETECTION_MS) / 1000,
    );
  });

  it('forgets a live failure once a later health check passes', async () => {
    const { url, router } = await setUp();
    const flips = recordEvents(router, 'flip');

    // A 500 is a live failure that neither opens the breaker nor flips traffic on its own.
    await get(url, '/status/500');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await addDownFault(url);
    await get(url, '/outage');
    await waitUntil(() => flips.length === 1, 3_000, 'the flip to the edge');

    expect(flips[0]?.to).toBe('secondary');
    expect(flips[0]?.detection_ms).toBeLessThan(MAX_FRESH_DETECTION_MS);
  });
});
