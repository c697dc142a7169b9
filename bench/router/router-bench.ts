/**
 * Benchmarks the health router on loopback against a direct connection and against HAProxy:
 * throughput, latency and CPU time per request, against two kinds of target. The router test
 * fixture does almost no work per request, the worst case for a proxy. The edge service
 * serves the request an agent makes most, reading a memory record by key. Then the bench
 * measures detection time and failed requests when the fixture primary is killed under load.
 * Run with `npx tsx bench/router/router-bench.ts` (needs Debian's `haproxy` on PATH); it takes
 * about three minutes and writes `bench/router/RESULTS.md`. `BENCH_ROUNDS` sets the number of
 * measured rounds per target (default 3).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort } from '../../test/router/harness.js';
import { measureFailovers } from './failover.js';
import { type HaproxyProcess, startHaproxy, waitForHaproxyUp } from './haproxy.js';
import { type LoadRequest, measureLoad } from './load.js';
import {
  ADMIN_TOKEN,
  type RouterProcess,
  cpuMs,
  loadAverage,
  startRouterProcess,
} from './processes.js';
import { renderResults } from './report.js';
import type { BenchResults, PathName, RoundStats, TargetResults } from './results.js';
import {
  type FixturePair,
  type TargetPair,
  startEdgeServicePair,
  startFixturePair,
} from './targets.js';

const SETTINGS = {
  rounds: Number(process.env.BENCH_ROUNDS ?? '3'),
  warmupMs: 500,
  throughputMs: 3_000,
  latencyMs: 2_000,
  throughputConcurrency: 32,
  steadyConcurrency: 8,
};
const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

// CPU time of this process, the load generator, in milliseconds.
function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

// Measures throughput, with the CPU time per request of the proxy, the target and the load
// generator, and latency.
async function measurePath(
  url: string,
  proxyPid: number | undefined,
  targetPid: number,
  request: LoadRequest,
): Promise<RoundStats> {
  const proxyBefore = proxyPid === undefined ? 0 : cpuMs(proxyPid);
  const targetBefore = cpuMs(targetPid);
  const loadBefore = ownCpuMs();
  const throughput = await measureLoad(url, {
    concurrency: SETTINGS.throughputConcurrency,
    durationMs: SETTINGS.throughputMs,
    warmupMs: SETTINGS.warmupMs,
    request,
  });
  // Warm-up requests are in the CPU time too, so divide by every request sent.
  const sent = throughput.requests + throughput.warmupRequests;
  const perRequestUs = (ms: number) => (ms * 1000) / sent;
  const proxyCpuUs = proxyPid === undefined ? 0 : perRequestUs(cpuMs(proxyPid) - proxyBefore);
  const targetCpuUs = perRequestUs(cpuMs(targetPid) - targetBefore);
  const loadCpuUs = perRequestUs(ownCpuMs() - loadBefore);
  const latency = await measureLoad(url, {
    concurrency: 1,
    durationMs: SETTINGS.latencyMs,
    warmupMs: SETTINGS.warmupMs,
    request,
  });
  return { throughput, latency, proxyCpuUs, targetCpuUs, loadCpuUs };
}

interface Setup {
  readonly pair: TargetPair;
  readonly router: RouterProcess;
  readonly haproxy: HaproxyProcess;
}

// Runs every path once unmeasured, so the JIT has compiled the hot paths of every process. Then
// each measured round runs the three paths in turn, so a slow spell of the machine hits all.
async function measureRounds({ pair, router, haproxy }: Setup): Promise<TargetResults> {
  const { primary, request } = pair;
  for (const url of [primary.url, router.url, haproxy.url]) {
    const concurrency = SETTINGS.throughputConcurrency;
    await measureLoad(url, { concurrency, durationMs: pair.warmupMs, warmupMs: 0, request });
  }

  const before = loadAverage();
  const rounds: Record<PathName, RoundStats[]> = { direct: [], router: [], haproxy: [] };
  for (let round = 0; round < SETTINGS.rounds; round += 1) {
    rounds.direct.push(await measurePath(primary.url, undefined, primary.pid, request));
    rounds.router.push(await measurePath(router.url, router.pid, primary.pid, request));
    rounds.haproxy.push(await measurePath(haproxy.url, haproxy.pid, primary.pid, request));
  }
  const load = { before, after: loadAverage() };
  return { kind: pair.kind, rounds, warmupMs: pair.warmupMs, loadAverage: load };
}

interface Proxies {
  readonly router: RouterProcess;
  readonly haproxy: HaproxyProcess;
}

// Puts a router and HAProxy in front of the pair, runs `measure` and stops the proxies again.
// The caller stops the pair.
async function withProxies<T>(
  directory: string,
  pair: TargetPair,
  measure: (proxies: Proxies) => Promise<T>,
): Promise<T> {
  const stops: Array<() => Promise<void>> = [];
  try {
    const { primary, secondary } = pair;
    const router = await startRouterProcess(primary.url, secondary.url);
    stops.push(() => router.stop());
    const haproxyDirectory = join(directory, `haproxy-${pair.kind}`);
    mkdirSync(haproxyDirectory);
    const port = await freePort();
    const haproxy = await startHaproxy(haproxyDirectory, port, primary.port, secondary.port);
    stops.push(() => haproxy.stop());
    await waitForHaproxyUp(haproxy);
    return await measure({ router, haproxy });
  } finally {
    for (const stop of stops.reverse()) {
      await stop();
    }
  }
}

// Measures the rounds against the fixture, then the failover runs, which kill its primary.
async function measureFixture(directory: string, fixture: FixturePair) {
  return withProxies(directory, fixture, async ({ router, haproxy }) => {
    const results = await measureRounds({ pair: fixture, router, haproxy });
    const { failover, cloudAgain } = await measureFailovers({
      cloud: fixture.cloud,
      router,
      haproxy,
      concurrency: SETTINGS.steadyConcurrency,
    });
    await cloudAgain.kill();
    return { results, failover, haproxyVersion: haproxy.version };
  });
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'router-bench-'));
  const pairs: TargetPair[] = [];
  try {
    const fixture = await startFixturePair();
    pairs.push(fixture);
    const fixtureRun = await measureFixture(directory, fixture);
    await fixture.stop();

    const edgeService = await startEdgeServicePair(join(directory, 'edge-service'), ADMIN_TOKEN);
    pairs.push(edgeService);
    const edgeServiceResults = await withProxies(directory, edgeService, (proxies) =>
      measureRounds({ pair: edgeService, ...proxies }),
    );

    const results: BenchResults = {
      settings: SETTINGS,
      targets: [fixtureRun.results, edgeServiceResults],
      failover: fixtureRun.failover,
      haproxyVersion: fixtureRun.haproxyVersion,
    };
    writeFileSync(RESULTS, renderResults(results));
    process.stdout.write(`${renderResults(results)}\nWrote ${RESULTS}\n`);
  } finally {
    await Promise.all(pairs.map((pair) => pair.stop()));
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
