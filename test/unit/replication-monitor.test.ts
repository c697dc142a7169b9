import { describe, expect, it } from 'vitest';
import { ReplicationMonitor } from '../../local-fallback/replication/index.js';

function monitorAt(start = 1_000_000) {
  const clock = { now: start };
  const monitor = new ReplicationMonitor({ lagWarnMs: 5000, now: () => clock.now });
  return { clock, monitor };
}

describe('ReplicationMonitor', () => {
  it('passes once the pull reached the end of the feed', async () => {
    const { clock, monitor } = monitorAt();
    clock.now += 1000;
    monitor.pullSucceeded(3, true);
    clock.now += 200;

    const check = await monitor.probe().check();

    expect(check.status).toBe('pass');
    expect(monitor.lagMs()).toBe(200);
  });

  it('warns while the upstream is unreachable', async () => {
    const { monitor } = monitorAt();
    monitor.pullSucceeded(0, true);
    monitor.pullFailed(new Error('connect ECONNREFUSED'));

    const check = await monitor.probe().check();

    expect(check.status).toBe('warn');
    expect(check.detail).toContain('ECONNREFUSED');
  });

  it('warns when the lag exceeds the threshold', async () => {
    const { clock, monitor } = monitorAt();
    monitor.pullSucceeded(100, false);
    clock.now += 6000;

    const check = await monitor.probe().check();

    expect(check.status).toBe('warn');
    expect(check.detail).toBe('lag 6000 ms exceeds 5000 ms');
  });

  it('reports both loops', () => {
    const { monitor } = monitorAt();
    monitor.drainSucceeded(5);
    monitor.drainFailed(new Error('returned 503'));

    const [pull, drain] = monitor.report();

    expect(pull?.name).toBe('pull');
    expect(drain).toMatchObject({ name: 'drain', changes_total: 5, consecutive_failures: 1 });
  });
});
