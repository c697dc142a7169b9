import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';

import type { LoadStats } from './load.js';

/** Paths the benchmark compares. */
export type PathName = 'direct' | 'router' | 'haproxy';

/** One round of measurements on one path. */
export interface RoundStats {
  readonly throughput: LoadStats;
  readonly latency: LoadStats;
  /** CPU time of the proxy process per request during the throughput run; 0 for direct. */
  readonly proxyCpuUs: number;
  /** CPU time of the target process per request during the throughput run. */
  readonly targetCpuUs: number;
}

/** Outcome of killing the primary under steady load. */
export interface FailoverStats {
  readonly requests: number;
  readonly failed: number;
  /** From SIGKILL to the proxy marking the primary down (router flip, HAProxy DOWN). */
  readonly detectionMs: number;
  /** From SIGKILL to the first response served by the edge. */
  readonly firstEdgeMs: number;
}

/** Settings of a benchmark run, shown on the results page. */
export interface BenchSettings {
  readonly rounds: number;
  readonly warmupMs: number;
  readonly throughputMs: number;
  readonly latencyMs: number;
  readonly throughputConcurrency: number;
  readonly steadyConcurrency: number;
}

/** Everything one run of the benchmark measured. */
export interface BenchResults {
  readonly settings: BenchSettings;
  readonly rounds: Readonly<Record<PathName, readonly RoundStats[]>>;
  readonly failover: Readonly<Record<'router' | 'haproxy', FailoverStats>>;
  readonly haproxyVersion: string;
  readonly loadAverage: { readonly before: string; readonly after: string };
}

function packageVersion(name: string): string {
  const file = fileURLToPath(new URL(`../../node_modules/${name}/package.json`, import.meta.url));
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function directRound(results: BenchResults, index: number): RoundStats {
  const round = results.rounds.direct[index];
  if (round === undefined) {
    throw new Error(
      `Direct round ${index} is missing. Expected ${results.settings.rounds} rounds for every path.`,
    );
  }
  return round;
}

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
const whole = (value: number): string => (Number.isFinite(value) ? value.toFixed(0) : 'n/a');

function perfRow(name: PathName, results: BenchResults): string {
  const rounds = results.rounds[name];
  const rps = rounds.map((round) => round.throughput.rps);
  const ratios = rounds.map(
    (round, index) => round.throughput.rps / directRound(results, index).throughput.rps,
  );
  const added = rounds.map(
    (round, index) => round.latency.p50Ms - directRound(results, index).latency.p50Ms,
  );
  const errors = rounds.reduce(
    (sum, round) => sum + round.throughput.errors + round.latency.errors,
    0,
  );
  const cells = [
    name,
    `${whole(median(rps))} (${whole(Math.min(...rps))}-${whole(Math.max(...rps))})`,
    median(ratios).toFixed(2),
    ms(median(rounds.map((round) => round.throughput.p50Ms))),
    ms(median(rounds.map((round) => round.throughput.p99Ms))),
    ms(median(rounds.map((round) => round.latency.p50Ms))),
    ms(median(rounds.map((round) => round.latency.p99Ms))),
    name === 'direct' ? '-' : ms(median(added)),
    name === 'direct' ? '-' : whole(median(rounds.map((round) => round.proxyCpuUs))),
    whole(median(rounds.map((round) => round.targetCpuUs))),
    String(errors),
  ];
  return `| ${cells.join(' | ')} |`;
}

function failoverRow(name: string, stats: FailoverStats): string {
  const cells = [
    name,
    stats.requests,
    stats.failed,
    whole(stats.detectionMs),
    whole(stats.firstEdgeMs),
  ];
  return `| ${cells.join(' | ')} |`;
}

// States which goals this run met and why throughput falls short when it does.
function verdict(results: BenchResults): string {
  const pick = (name: PathName, value: (round: RoundStats) => number) =>
    median(results.rounds[name].map(value));
  const ratio = median(
    results.rounds.router.map(
      (round, index) => round.throughput.rps / directRound(results, index).throughput.rps,
    ),
  );
  const added = median(
    results.rounds.router.map(
      (round, index) => round.latency.p50Ms - directRound(results, index).latency.p50Ms,
    ),
  );
  const routerCpu = pick('router', (round) => round.proxyCpuUs);
  const haproxyCpu = pick('haproxy', (round) => round.proxyCpuUs);
  const targetCpu = pick('direct', (round) => round.targetCpuUs);
  return [
    `In this run the router reached ${ratio.toFixed(2)} of direct throughput (goal 0.8: ` +
      `${ratio >= 0.8 ? 'met' : 'not met'}) and added ${ms(added)} ms at p50 (goal under 1 ms: ` +
      `${added < 1 ? 'met' : 'not met'}).`,
    `The router used ${whole(routerCpu)} µs of CPU per request, HAProxy ${whole(haproxyCpu)} µs ` +
      `and the target ${whole(targetCpu)} µs. With the load generator, the proxy and the target ` +
      'on 2 cores, the proxy competes with the other two for CPU, so the throughput ratio ' +
      'mostly measures how much CPU the proxy needs per request. A Node.js proxy does an HTTP ' +
      'server and an HTTP client exchange in JavaScript for each request.',
  ].join('\n\n');
}

/** Renders the results page in Markdown. */
export function renderResults(results: BenchResults): string {
  const { settings, failover } = results;
  const c = settings.throughputConcurrency;
  const nproc = execFileSync('nproc').toString().trim();
  return `# Health router benchmark

Measured by \`npx tsx bench/router/router-bench.ts\` on ${new Date().toISOString().slice(0, 10)}.

- Machine: \`nproc\` = ${nproc}, ${cpus()[0]?.model ?? 'unknown CPU'}, Linux ${release()}. Load
  average (1, 5, 15 min) ${results.loadAverage.before} before the throughput rounds and
  ${results.loadAverage.after} after them; other work shared the machine.
- Node.js ${process.version}; undici ${packageVersion('undici')}; cockatiel ${packageVersion('cockatiel')};
  prom-client ${packageVersion('prom-client')}; ${results.haproxyVersion} (Debian package,
  \`nbthread 1\`).
- Targets: the test fixture \`test/router/fixtures/target.ts\` (node:http, a JSON body of about
  250 bytes), one process each, on loopback. The router runs as its own process through
  \`main.ts\` under tsx with default settings. The load generator is an undici \`Pool\` in the
  benchmark process.
- ${settings.rounds} rounds; each round measures direct, router and HAProxy in turn:
  ${settings.warmupMs} ms warm-up, then ${settings.throughputMs} ms of throughput with ${c} concurrent
  keep-alive connections and ${settings.latencyMs} ms of latency with 1 connection. The table
  shows medians over the rounds (throughput also as min-max); "vs direct" and "added p50" compare
  each round with the direct run of the same round.

## Throughput and latency

| path | req/s (c=${c}) | vs direct | p50 ms (c=${c}) | p99 ms (c=${c}) | p50 ms (c=1) | p99 ms (c=1) | added p50 ms (c=1) | proxy CPU µs/req | target CPU µs/req | errors |
|---|---|---|---|---|---|---|---|---|---|---|
${perfRow('direct', results)}
${perfRow('router', results)}
${perfRow('haproxy', results)}

Goals: router throughput at least 0.8 of direct, and under 1 ms added at p50. CPU µs per
request counts every thread of the process (from \`/proc/PID/stat\`) over the warm-up and the
throughput run.

${verdict(results)}

## Primary killed under load

Steady load of ${settings.steadyConcurrency} loops, each sending a GET then pausing 1 ms; the
primary gets SIGKILL after 1.5 s and the load runs 2 s more after detection. Detection is the
time from the kill to the router's \`flip\` event, or to HAProxy showing the primary \`DOWN\` on its
stats socket (polled every 10 ms). A failed request is any error or non-200 answer.

| proxy | requests | failed | detection ms | first edge response ms |
|---|---|---|---|---|
${failoverRow('router', failover.router)}
${failoverRow('haproxy', failover.haproxy)}

Both use the same health checks (GET /health every 200 ms, 150 ms timeout, 2 failures down, 3
passes up). HAProxy has \`retries 2\`, \`retry-on conn-failure empty-response response-timeout 503\`
and \`option redispatch 1\`; it still sends retries to the primary until its health checks mark it
down, because a \`backup\` server only takes traffic once every active server is down. The router
retries a failed safe request on the edge within the same call and flips on the first refused
connection. This benchmark does not explain the gap between HAProxy marking the primary down and
its first response from the edge.
`;
}
