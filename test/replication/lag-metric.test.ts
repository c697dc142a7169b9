import { Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  registerReplicationMetrics,
  ReplicationMonitor,
} from '../../local-fallback/replication/index.js';
import { startTestServer, type TestServer } from '../server/helpers.js';
import {
  replicationStatus,
  startTestTopology,
  waitFor,
  type TestTopology,
} from './support/topology.js';

const LAG = 'happy_edge_replication_lag_seconds';
const FAILURES = 'happy_edge_replication_consecutive_failures';

/** Returns the value of one sample line of the Prometheus text, or undefined. */
function sampleOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((sample) => sample.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function monitorAt(start: number) {
  const clock = { now: start };
  const monitor = new ReplicationMonitor({ now: () => clock.now });
  const registry = new Registry();
  registerReplicationMetrics(registry, monitor);
  return { clock, monitor, registry };
}

describe('replication metrics', () => {
  it('reports the lag since the start before any pull', async () => {
    const { clock, registry } = monitorAt(1_000_000);
    clock.now += 4000;

    expect(sampleOf(await registry.metrics(), LAG)).toBe(4);
  });

  it('reports the lag since caught up', async () => {
    const { clock, monitor, registry } = monitorAt(1_000_000);
    clock.now += 10_000;
    monitor.pullSucceeded(5, true);
    clock.now += 250;
    monitor.pullSucceeded(2, false);
    clock.now += 250;

    expect(sampleOf(await registry.metrics(), LAG)).toBe(0.5);
  });

  it('counts failures in a row per loop', async () => {
    const { monitor, registry } = monitorAt(1_000_000);
    monitor.pullFailed(new Error('connect ECONNREFUSED'));
    monitor.pullFailed(new Error('connect ECONNREFUSED'));
    monitor.drainSucceeded(1);

    const text = await registry.metrics();

    expect(sampleOf(text, `${FAILURES}{loop="pull"}`)).toBe(2);
    expect(sampleOf(text, `${FAILURES}{loop="drain"}`)).toBe(0);
  });
});

describe('edge server /metrics', () => {
  let server: TestServer;
  let bare: TestServer;

  beforeAll(async () => {
    const { registry } = monitorAt(Date.now());
    server = await startTestServer({ metrics: registry });
    bare = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
    await bare?.close();
  });

  it('serves the Prometheus text format', async () => {
    const response = await fetch(`${server.baseUrl}/metrics?debug=1`);
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(sampleOf(text, LAG)).toBeGreaterThanOrEqual(0);
    expect(server.invocations).toHaveLength(0);
  });

  it('routes other methods as usual', async () => {
    const response = await fetch(`${server.baseUrl}/metrics`, { method: 'POST' });

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers 404 when the server has no metrics', async () => {
    const response = await fetch(`${bare.baseUrl}/metrics`);

    expect(response.status).toBe(404);
  });

  it('answers 500 when a collector throws', async () => {
    const registry = new Registry();
    new Gauge({
      name: 'happy_test_broken',
      help: 'A gauge whose collector throws.',
      registers: [registry],
      collect() {
        throw new Error('collector failed');
      },
    });
    const broken = await startTestServer({ metrics: registry });
    try {
      const response = await fetch(`${broken.baseUrl}/metrics`);
      const body = (await response.json()) as { code: string; service: string };

      expect(response.status).toBe(500);
      expect(body.code).toBe('internal_error');
      expect(body.service).toBe('edge');
      expect(broken.logLines.some((line) => line.msg === 'Failed to collect the metrics.')).toBe(
        true,
      );
    } finally {
      await broken.close();
    }
  });
});

describe('edge process /metrics', () => {
  let test: TestTopology;

  beforeAll(async () => {
    test = await startTestTopology();
  }, 60_000);
  afterAll(async () => test?.topology.stop());

  it('reports the replication status lag', async () => {
    const edge = test.topology.edge.url;
    const pullLink = async () => {
      const status = await replicationStatus(edge, test.replication);
      return status.json?.links?.find((link: { name: string }) => link.name === 'pull');
    };
    // A pull can fail now and then (a keep-alive connection closed by the cloud), so the scrape
    // is taken between two status reads that both show a clean pull loop.
    const { text, after } = await waitFor('a scrape while the pull loop is clean', async () => {
      const before = await pullLink();
      const scraped = await (await fetch(`${edge}/metrics`)).text();
      const later = await pullLink();
      const clean = [before, later].every(
        (link) => link?.last_success_at && link.consecutive_failures === 0,
      );
      return clean && { text: scraped, after: later };
    });
    const lagSeconds = sampleOf(text, LAG) ?? Number.NaN;

    expect(sampleOf(text, `${FAILURES}{loop="pull"}`)).toBe(0);
    // The pull loop reads the empty feed every 250 ms, so the lag stays well below a second.
    expect(lagSeconds).toBeLessThan(1);
    expect(Math.abs(lagSeconds * 1000 - after.lag_ms)).toBeLessThan(1000);
  });
});
