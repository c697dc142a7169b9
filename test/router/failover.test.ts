import { describe, expect, it } from 'vitest';

import {
  recordEvents,
  startLoad,
  startTarget,
  useRouterWithTargets,
  waitUntil,
} from './harness.js';

describe('router failover with real target processes', { timeout: 60_000 }, () => {
  const { start: setUp, track } = useRouterWithTargets();

  it('fails over without client errors', async () => {
    const { primary, url, router } = await setUp();
    const flips = recordEvents(router, 'flip');
    const load = startLoad(url, { concurrency: 8, maxRequests: 20_000, maxMs: 10_000 });
    await waitUntil(() => load.results.length >= 200, 5_000, '200 responses before the kill');

    const killedAt = performance.now();
    await primary.kill('SIGKILL');
    await waitUntil(() => flips.length > 0, 3_000, 'a flip after the kill');
    const firstFlip = flips[0];
    if (firstFlip === undefined) {
      throw new Error('no flip event was recorded after the kill');
    }
    const flippedAt = firstFlip.receivedAt;
    await waitUntil(
      () => load.results.some((r) => r.startedAt > flippedAt + 500),
      5_000,
      'later traffic',
    );
    const results = await load.stop();

    const failed = results.filter((result) => result.status !== 200);
    expect(failed).toEqual([]);
    expect(firstFlip.to).toBe('secondary');
    expect(flippedAt - killedAt).toBeLessThan(1_000);
    expect(results.filter((r) => r.startedAt < killedAt).some((r) => r.servedBy === 'cloud')).toBe(
      true,
    );
    const later = results.filter((result) => result.startedAt > flippedAt);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((result) => result.servedBy === 'edge')).toBe(true);
    expect(router.status().active).toBe('secondary');
  });

  it('returns traffic within 5 s of recovery', async () => {
    const { primary, url, router } = await setUp();
    const flips = recordEvents(router, 'flip');
    await primary.kill('SIGKILL');
    await fetch(`${url}/after-kill`).then((response) => response.text());
    await waitUntil(() => flips.length === 1, 3_000, 'the flip to the edge');

    const restarted = await startTarget('cloud', { PORT: String(primary.port) });
    track(restarted);
    const upAt = performance.now();
    await waitUntil(() => flips.length === 2, 10_000, 'the flip back to the primary');
    const response = await fetch(`${url}/after-recovery`);
    await response.text();

    const flipBack = flips[1];
    if (flipBack === undefined) {
      throw new Error('no flip back to the primary was recorded');
    }
    expect(flipBack.to).toBe('primary');
    expect(flipBack.receivedAt - upAt).toBeLessThan(5_000);
    expect(response.headers.get('x-happy-served-by')).toBe('cloud');
  });

  it('keeps traffic steady while the primary flaps', async () => {
    const { primary, url, router } = await setUp();
    const flips = recordEvents(router, 'flip');
    const load = startLoad(url, { concurrency: 4, maxRequests: 20_000, maxMs: 15_000 });
    await waitUntil(() => load.results.length >= 50, 5_000, '50 responses before flapping');

    const flapStarted = performance.now();
    for (let cycle = 0; cycle < 3; cycle += 1) {
      await primary.command('down');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await primary.command('up');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const flapEnded = performance.now();
    const results = await load.stop();

    const flipsWhileFlapping = flips.filter(
      (flip) => flip.receivedAt >= flapStarted && flip.receivedAt <= flapEnded,
    );
    expect(flipsWhileFlapping.length).toBeGreaterThanOrEqual(1);
    expect(flipsWhileFlapping.length).toBeLessThanOrEqual(2);
    expect(results.filter((result) => result.status !== 200)).toEqual([]);
  });

  it('moves waiting GETs to the edge at the flip', async () => {
    const { primary, url, router } = await setUp();
    const flips = recordEvents(router, 'flip');
    await fetch(`${url}/warm-up`).then((response) => response.text());

    // A stopped process keeps its sockets open and sends no response: a hang, not a refusal.
    primary.child.kill('SIGSTOP');
    try {
      const started = performance.now();
      const responses = await Promise.all(
        [1, 2, 3, 4].map(async (n) => {
          const response = await fetch(`${url}/stalled/${n}`);
          await response.text();
          return { response, ms: performance.now() - started };
        }),
      );

      expect(flips).toHaveLength(1);
      for (const { response } of responses) {
        expect(response.status).toBe(200);
        expect(response.headers.get('x-happy-served-by')).toBe('edge');
        expect(response.headers.get('x-happy-failover')).toBe('retried');
      }
      // Well below the 5 s headers timeout these requests used to wait for on the primary.
      expect(Math.max(...responses.map((result) => result.ms))).toBeLessThan(2_500);
    } finally {
      primary.child.kill('SIGCONT');
    }
  });

  it('returns 503 naming both down targets', async () => {
    const { primary, secondary, url } = await setUp();
    await primary.kill('SIGKILL');
    await secondary.kill('SIGKILL');

    const response = await fetch(`${url}/anything`);
    const body = (await response.json()) as {
      code: string;
      failures: Array<{ target: string; kind: string }>;
    };

    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(body.code).toBe('all_targets_down');
    expect(body.failures.map((failure) => failure.target).sort()).toEqual(['primary', 'secondary']);
    expect(body.failures.every((failure) => failure.kind === 'connect_error')).toBe(true);
  });
});
