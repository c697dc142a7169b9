import { setTimeout as sleep } from 'node:timers/promises';

import { request } from 'undici';

import { type TargetProcess, startTarget } from '../../test/router/harness.js';
import { type HaproxyProcess, waitForHaproxyUp } from './haproxy.js';
import { startSteadyLoad } from './load.js';
import { ADMIN_TOKEN, type RouterProcess } from './processes.js';
import type { FailoverStats } from './results.js';

/** Proxies and fixture primary of the failover runs. */
export interface FailoverSetup {
  readonly cloud: TargetProcess;
  readonly router: RouterProcess;
  readonly haproxy: HaproxyProcess;
  /** Load loops sending requests during a run. */
  readonly concurrency: number;
}

// Resolves with the time of the first `flip` event on the router's event stream.
async function watchRouterFlip(
  url: string,
): Promise<{ flipped: Promise<number>; close: () => void }> {
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const stream = await request(`${url}/router/events`, { headers });
  const flipped = (async () => {
    let text = '';
    for await (const chunk of stream.body) {
      text += (chunk as Buffer).toString();
      if (text.includes('event: flip')) {
        return performance.now();
      }
    }
    return Number.NaN;
  })();
  return { flipped, close: () => stream.body.destroy() };
}

// Resolves with the time HAProxy first shows the primary DOWN, polling every 10 ms.
async function watchHaproxyDown(haproxy: HaproxyProcess, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if ((await haproxy.serverStatus('cloud')).startsWith('DOWN')) {
      return performance.now();
    }
    await sleep(10);
  }
  return Number.NaN;
}

async function killUnderLoad(
  url: string,
  primary: TargetProcess,
  concurrency: number,
  detect: () => Promise<number>,
): Promise<FailoverStats> {
  const load = startSteadyLoad(url, concurrency, 10_000);
  await sleep(1_500);
  const detected = detect();
  const killedAt = performance.now();
  await primary.kill('SIGKILL');
  const detectedAt = await Promise.race([detected, sleep(5_000).then(() => Number.NaN)]);
  await sleep(2_000);
  const samples = await load.stop();

  const edge = samples.filter((s) => s.ok && s.servedBy === 'edge' && s.endedAt >= killedAt);
  return {
    requests: samples.length,
    failed: samples.filter((sample) => !sample.ok).length,
    detectionMs: detectedAt - killedAt,
    firstEdgeMs: Math.min(...edge.map((sample) => sample.endedAt)) - killedAt,
  };
}

/**
 * Kills the fixture primary under router load, restarts it on the same port, then kills it
 * under HAProxy load. Returns the restarted process so the caller can stop it.
 */
export async function measureFailovers({ cloud, router, haproxy, concurrency }: FailoverSetup) {
  const watcher = await watchRouterFlip(router.url);
  const routerFailover = await killUnderLoad(router.url, cloud, concurrency, () => watcher.flipped);
  watcher.close();

  const cloudAgain = await startTarget('cloud', { QUIET: '1', PORT: String(cloud.port) });
  await waitForHaproxyUp(haproxy);
  const haproxyFailover = await killUnderLoad(haproxy.url, cloudAgain, concurrency, () =>
    watchHaproxyDown(haproxy, 10_000),
  );
  return { failover: { router: routerFailover, haproxy: haproxyFailover }, cloudAgain };
}
