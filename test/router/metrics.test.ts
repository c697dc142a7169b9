import { describe, expect, it } from 'vitest';

import { RouterMetrics } from '../../local-fallback/router/metrics.js';

const heldFailure = { kind: 'status', status: 503, message: 'responded with status 503' } as const;
const failedOutcome = {
  kind: 'failed',
  failure: { kind: 'connect_error', message: 'connection failed (ECONNREFUSED)' },
  sent: false,
} as const;

// Reads one sample of happy_router_requests_total, or undefined when the series is absent.
async function requestCount(metrics: RouterMetrics, target: string, outcome: string) {
  const { values } = await metrics.requests.get();
  const sample = values.find(
    (value) => value.labels.target === target && value.labels.outcome === outcome,
  );
  return sample?.value;
}

describe('RouterMetrics', () => {
  it('counts exchanges by target and outcome', async () => {
    const metrics = new RouterMetrics();

    metrics.recordExchange('primary', { kind: 'forwarded', status: 200 }, 0.001);
    metrics.recordExchange('primary', { kind: 'forwarded', status: 200 }, 0.002);
    metrics.recordExchange('secondary', { kind: 'held', status: 503, failure: heldFailure }, 0.003);

    expect(await requestCount(metrics, 'primary', 'success')).toBe(2);
    expect(await requestCount(metrics, 'secondary', 'http_error')).toBe(1);
    expect(await requestCount(metrics, 'secondary', 'success')).toBeUndefined();
  });

  it('adds each exchange once across reads', async () => {
    const metrics = new RouterMetrics();

    metrics.recordExchange('primary', { kind: 'client_aborted' }, 0.001);
    const first = await requestCount(metrics, 'primary', 'client_aborted');
    metrics.recordExchange('primary', { kind: 'client_aborted' }, 0.001);
    const second = await requestCount(metrics, 'primary', 'client_aborted');
    const third = await requestCount(metrics, 'primary', 'client_aborted');

    expect(first).toBe(1);
    expect(second).toBe(2);
    expect(third).toBe(2);
  });

  it('shows pending counts in the text format', async () => {
    const metrics = new RouterMetrics();

    metrics.recordExchange('primary', failedOutcome, 0.001);
    const text = await metrics.registry.metrics();

    expect(text).toContain(
      'happy_router_requests_total{target="primary",outcome="connect_error"} 1',
    );
  });
});
