/**
 * Benchmarks the health router on loopback against a direct connection and against HAProxy:
 * throughput, latency and CPU time per request, then detection time and failed requests when
 * the primary is killed under load. Run with `npx tsx bench/router/router-bench.ts` (needs
 * Debian's `haproxy` on PATH); it takes about 90 s and writes `bench/router/RESULTS.md`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { request } from 'undici';

import {
  type TargetProcess,
  freePort,
  startTarget,
  waitForHttp,
} from '../../test/router/harness.js';
import { type HaproxyProcess, startHaproxy } from './haproxy.js';
import { type LoadStats, measureLoad, startSteadyLoad } from './load.js';
import {
  type BenchResults,
  type FailoverStats,
  type PathName,
  type RoundStats,
  renderResults,
} from './report.js';

const SETTINGS = {
  rounds: Number(process.env.BENCH_ROUNDS ?? '3'),
  warmupMs: 500,
  throughputMs: 3_000,
  latencyMs: 2_000,
  throughputConcurrency: 32,
  steadyConcurrency: 8,
};
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../../local-fallback/router/main.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

// CPU time of a process in milliseconds (user + system, all threads) from /proc; Linux only.
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
  if (fields === undefined) {
    throw new Error(
      `Failed to parse /proc/${pid}/stat because it has no ") " after the command name`,
    );
  }
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

async function startRouterProcess(primary: string, secondary: string) {
  const port = await freePort();
  const args = [
    '--import',
    'tsx',
    MAIN,
    '--primary',
    primary,
    '--secondary',
    secondary,
    '--port',
    String(port),
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, HAPPY_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, 20_000);
  return {
    url,
    pid: child.pid ?? 0,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// Measures throughput, with the CPU time per request of the proxy and the target, and latency.
async function measurePath(
  url: string,
  proxyPid: number | undefined,
  targetPid: number,
): Promise<RoundStats> {
  const proxyBefore = proxyPid === undefined ? 0 : cpuMs(proxyPid);
  const targetBefore = cpuMs(targetPid);
  const throughput: LoadStats = await measureLoad(url, {
    concurrency: SETTINGS.throughputConcurrency,
    durationMs: SETTINGS.throughputMs,
    warmupMs: SETTINGS.warmupMs,
  });
  // Warm-up requests are in the CPU time too, so divide by every request sent.
  const sent = throughput.requests + throughput.warmupRequests;
  const proxyCpuUs = proxyPid === undefined ? 0 : ((cpuMs(proxyPid) - proxyBefore) * 1000) / sent;
  const targetCpuUs = ((cpuMs(targetPid) - targetBefore) * 1000) / sent;
  const latency = await measureLoad(url, {
    concurrency: 1,
    durationMs: SETTINGS.latencyMs,
    warmupMs: SETTINGS.warmupMs,
  });
  return { throughput, latency, proxyCpuUs, targetCpuUs };
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
  detect: () => Promise<number>,
): Promise<FailoverStats> {
  const load = startSteadyLoad(url, SETTINGS.steadyConcurrency, 10_000);
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

async function waitForHaproxyUp(haproxy: HaproxyProcess): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!(await haproxy.serverStatus('cloud')).startsWith('UP')) {
    if (performance.now() > deadline) {
      throw new Error('HAProxy did not mark the primary UP within 10 s');
    }
    await sleep(50);
  }
}

interface Setup {
  readonly cloud: TargetProcess;
  readonly edge: TargetProcess;
  readonly router: { readonly url: string; readonly pid: number };
  readonly haproxy: HaproxyProcess;
}

// Runs every path once unmeasured, so the JIT has compiled the hot paths of every process. Then
// each measured round runs the three paths in turn, so a slow spell of the machine hits all.
async function measureRounds({ cloud, router, haproxy }: Setup) {
  for (const url of [cloud.url, router.url, haproxy.url]) {
    const options = { concurrency: SETTINGS.throughputConcurrency, durationMs: 2_000, warmupMs: 0 };
    await measureLoad(url, options);
  }

  const before = loadAverage();
  const rounds: Record<PathName, RoundStats[]> = { direct: [], router: [], haproxy: [] };
  const targetPid = cloud.child.pid ?? 0;
  for (let round = 0; round < SETTINGS.rounds; round += 1) {
    rounds.direct.push(await measurePath(cloud.url, undefined, targetPid));
    rounds.router.push(await measurePath(router.url, router.pid, targetPid));
    rounds.haproxy.push(await measurePath(haproxy.url, haproxy.pid, targetPid));
  }
  return { rounds, loadAverage: { before, after: loadAverage() } };
}

// Kills the primary under router load, restarts it on the same port, then kills it under
// HAProxy load. Returns the restarted process so the caller can stop it.
async function measureFailovers({ cloud, router, haproxy }: Setup) {
  const watcher = await watchRouterFlip(router.url);
  const routerFailover = await killUnderLoad(router.url, cloud, () => watcher.flipped);
  watcher.close();

  const cloudAgain = await startTarget('cloud', { QUIET: '1', PORT: String(cloud.port) });
  await waitForHaproxyUp(haproxy);
  const haproxyFailover = await killUnderLoad(haproxy.url, cloudAgain, () =>
    watchHaproxyDown(haproxy, 10_000),
  );
  return { failover: { router: routerFailover, haproxy: haproxyFailover }, cloudAgain };
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'router-bench-'));
  const targets: TargetProcess[] = [];
  const stops: Array<() => Promise<void>> = [];
  try {
    const cloud = await startTarget('cloud', { QUIET: '1' });
    const edge = await startTarget('edge', { QUIET: '1' });
    targets.push(cloud, edge);
    const router = await startRouterProcess(cloud.url, edge.url);
    stops.push(() => router.stop());
    const haproxy = await startHaproxy(directory, await freePort(), cloud.port, edge.port);
    stops.push(() => haproxy.stop());
    await waitForHaproxyUp(haproxy);

    const setup = { cloud, edge, router, haproxy };
    const { rounds, loadAverage: load } = await measureRounds(setup);
    const { failover, cloudAgain } = await measureFailovers(setup);
    targets.push(cloudAgain);

    const results: BenchResults = {
      settings: SETTINGS,
      rounds,
      failover,
      haproxyVersion: haproxy.version,
      loadAverage: load,
    };
    writeFileSync(RESULTS, renderResults(results));
    process.stdout.write(`${renderResults(results)}\nWrote ${RESULTS}\n`);
  } finally {
    for (const stop of stops.reverse()) {
      await stop();
    }
    await Promise.all(targets.map((target) => target.kill()));
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
