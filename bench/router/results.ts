import type { LoadStats } from './load.js';
import type { TargetKind } from './targets.js';

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
  /** CPU time of the benchmark process, the load generator, per request during the same run. */
  readonly loadCpuUs: number;
}

/** Rounds measured against one kind of target. */
export interface TargetResults {
  readonly kind: TargetKind;
  readonly rounds: Readonly<Record<PathName, readonly RoundStats[]>>;
  /** Unmeasured load on each path before the rounds. */
  readonly warmupMs: number;
  /** Load average (1, 5, 15 min) before and after the measured rounds. */
  readonly loadAverage: { readonly before: string; readonly after: string };
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
  /** The fixture first, then the edge service. */
  readonly targets: readonly TargetResults[];
  /** Failover runs, against the fixture. */
  readonly failover: Readonly<Record<'router' | 'haproxy', FailoverStats>>;
  readonly haproxyVersion: string;
}

/** Heading of each target's table. */
export const TARGET_TITLES: Readonly<Record<TargetKind, string>> = {
  fixture: 'router test fixture',
  'edge-service': 'edge service (memory record read by key)',
};

/** Returns the median, or NaN for no values. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Returns the value of each round of a path compared with the direct run of the same round.
 *
 * @throws {Error} when a direct round is missing.
 */
export function againstDirect(
  target: TargetResults,
  name: PathName,
  compare: (round: RoundStats, direct: RoundStats) => number,
): number[] {
  return target.rounds[name].map((round, index) => {
    const direct = target.rounds.direct[index];
    if (direct === undefined) {
      throw new Error(
        `Direct round ${index} of the ${target.kind} target is missing. Expected one direct ` +
          'round for every round of the other paths.',
      );
    }
    return compare(round, direct);
  });
}

/** Formats milliseconds with two decimals, or `n/a`. */
export const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
/** Formats a whole number, or `n/a`. */
export const whole = (value: number): string => (Number.isFinite(value) ? value.toFixed(0) : 'n/a');

/** Returns the throughput of a path relative to direct, per round. */
export const throughputRatios = (target: TargetResults, name: PathName): number[] =>
  againstDirect(target, name, (round, direct) => round.throughput.rps / direct.throughput.rps);

/** Returns the p50 latency at concurrency 1 added over direct, per round, in milliseconds. */
export const addedP50 = (target: TargetResults, name: PathName): number[] =>
  againstDirect(target, name, (round, direct) => round.latency.p50Ms - direct.latency.p50Ms);
