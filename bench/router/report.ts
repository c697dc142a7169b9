import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';

import {
  type BenchResults,
  type FailoverStats,
  type PathName,
  type RoundStats,
  TARGET_TITLES,
  type TargetResults,
  addedP50,
  median,
  ms,
  throughputRatios,
  whole,
} from './results.js';
import { goalsSection } from './verdict.js';

function packageVersion(name: string): string {
  const file = fileURLToPath(new URL(`../../node_modules/${name}/package.json`, import.meta.url));
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function perfRow(name: PathName, target: TargetResults): string {
  const rounds = target.rounds[name];
  const pick = (value: (round: RoundStats) => number) => median(rounds.map(value));
  const rps = rounds.map((round) => round.throughput.rps);
  const errors = rounds.reduce(
    (sum, round) => sum + round.throughput.errors + round.latency.errors,
    0,
  );
  const cells = [
    name,
    `${whole(median(rps))} (${whole(Math.min(...rps))}-${whole(Math.max(...rps))})`,
    median(throughputRatios(target, name)).toFixed(2),
    ms(pick((round) => round.throughput.p50Ms)),
    ms(pick((round) => round.throughput.p99Ms)),
    ms(pick((round) => round.latency.p50Ms)),
    ms(pick((round) => round.latency.p99Ms)),
    name === 'direct' ? '-' : ms(median(addedP50(target, name))),
    name === 'direct' ? '-' : whole(pick((round) => round.proxyCpuUs)),
    whole(pick((round) => round.targetCpuUs)),
    whole(pick((round) => round.loadCpuUs)),
    String(errors),
  ];
  return `| ${cells.join(' | ')} |`;
}

function perfTable(target: TargetResults, c: number): string {
  return `## Throughput and latency: ${TARGET_TITLES[target.kind]}

Each path had ${target.warmupMs / 1000} s of unmeasured load before these rounds. Load average
(1, 5, 15 min) ${target.loadAverage.before} before the rounds and ${target.loadAverage.after} after
them.

| path | req/s (c=${c}) | vs direct | p50 ms (c=${c}) | p99 ms (c=${c}) | p50 ms (c=1) | p99 ms (c=1) | added p50 ms (c=1) | proxy CPU µs/req | target CPU µs/req | load generator CPU µs/req | errors |
|---|---|---|---|---|---|---|---|---|---|---|---|
${perfRow('direct', target)}
${perfRow('router', target)}
${perfRow('haproxy', target)}
`;
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

function setupSection(results: BenchResults): string {
  const { settings } = results;
  const nproc = execFileSync('nproc').toString().trim();
  return `- Machine: \`nproc\` = ${nproc}, ${cpus()[0]?.model ?? 'unknown CPU'}, Linux ${release()}.
  Other work shared the machine, and each table gives the load average around its rounds. The
  benchmark keeps three processes busy (load generator, proxy, target), so a load average well
  above 3 means that other processes competed for the cores, which makes the ratios noisy. A
  proxy adds work on the same cores, so a proxied path above 1.00 of direct shows that
  something else changed between the runs.
- Node.js ${process.version}; undici ${packageVersion('undici')}; cockatiel ${packageVersion('cockatiel')};
  prom-client ${packageVersion('prom-client')}; ${results.haproxyVersion} (Debian package,
  \`nbthread 1\`).
- Targets, one process each on loopback, primary and secondary of the same kind:
  - the router test fixture \`test/router/fixtures/target.ts\`: node:http answering
    \`GET /bench\` with a JSON body of about 250 bytes and no other work, the worst case for a
    proxy;
  - the edge service \`local-fallback/server/main.ts\` under tsx, the primary started as the
    local stand-in of the cloud path: \`GET /api/v1/{agent}/memory/keys/{key}\` with the agent's
    bearer token, which verifies the token, reads one memory record from SQLite and returns it
    as JSON.
- The router runs as its own process through \`main.ts\` under tsx with default settings. The
  load generator is an undici \`Pool\` in the benchmark process.
- ${settings.rounds} rounds per target; each round measures direct, router and HAProxy in turn:
  ${settings.warmupMs} ms warm-up, then ${settings.throughputMs} ms of throughput with ${settings.throughputConcurrency} concurrent
  keep-alive connections and ${settings.latencyMs} ms of latency with 1 connection. The tables
  show medians over the rounds (throughput also as min-max); "vs direct" and "added p50" compare
  each round with the direct run of the same round. CPU µs per request counts every thread of
  the process (from \`/proc/PID/stat\` for the proxy and the target, \`process.cpuUsage()\` for
  the load generator) over the warm-up and the throughput run.`;
}

/** Renders the results page in Markdown. */
export function renderResults(results: BenchResults): string {
  const { settings, failover } = results;
  const c = settings.throughputConcurrency;
  return `# Health router benchmark

Measured by \`npx tsx bench/router/router-bench.ts\` on ${new Date().toISOString().slice(0, 10)}.

${setupSection(results)}

${results.targets.map((target) => perfTable(target, c)).join('\n')}
${goalsSection(results)}

## Primary killed under load

Against the fixture. Steady load of ${settings.steadyConcurrency} loops, each sending a GET then
pausing 1 ms; the primary gets SIGKILL after 1.5 s and the load runs 2 s more after detection.
Detection is the time from the kill to the router's \`flip\` event, or to HAProxy showing the
primary \`DOWN\` on its stats socket (polled every 10 ms). A failed request is any error or
non-200 answer.

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
