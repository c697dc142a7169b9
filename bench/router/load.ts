import { Pool } from 'undici';

/** Throughput and latency of one load run. */
export interface LoadStats {
  /** Requests completed in the measured part. */
  readonly requests: number;
  /** Requests completed during the warm-up. */
  readonly warmupRequests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** The request every load loop sends: a GET of `path` with `headers`. */
export interface LoadRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Options of {@link measureLoad}. */
export interface LoadOptions {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  /** @default a GET of `/bench` without headers */
  readonly request?: LoadRequest;
}

const DEFAULT_REQUEST: LoadRequest = { path: '/bench', headers: {} };

/** One request of a failover run. */
export interface Sample {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly ok: boolean;
  readonly servedBy: string | undefined;
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const index = Math.min(sorted.length - 1, Math.floor(fraction * sorted.length));
  return sorted[index]!;
}

/**
 * Sends GET requests from `concurrency` loops over keep-alive connections for `warmupMs` and
 * then `durationMs`, and measures the second part only.
 */
export async function measureLoad(url: string, options: LoadOptions): Promise<LoadStats> {
  const pool = new Pool(url, { connections: options.concurrency });
  const { path, headers } = options.request ?? DEFAULT_REQUEST;
  const latencies: number[] = [];
  let errors = 0;
  let warmupRequests = 0;
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const end = measureFrom + options.durationMs;

  const loop = async () => {
    while (performance.now() < end) {
      const began = performance.now();
      let ok: boolean;
      try {
        const response = await pool.request({ method: 'GET', path, headers });
        await response.body.dump();
        ok = response.statusCode === 200;
      } catch {
        ok = false;
      }
      if (began >= measureFrom) {
        latencies.push(performance.now() - began);
        errors += ok ? 0 : 1;
      } else {
        warmupRequests += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  await pool.close();

  const sorted = Float64Array.from(latencies).sort();
  const seconds = options.durationMs / 1000;
  return {
    requests: latencies.length,
    warmupRequests,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
}

/**
 * Sends GET requests from `concurrency` loops, with a 1 ms pause between requests of a loop,
 * until `stop()`. Each sample records the target that served it, from `x-happy-served-by`.
 */
export function startSteadyLoad(url: string, concurrency: number, maxMs: number) {
  const pool = new Pool(url, { connections: concurrency });
  const samples: Sample[] = [];
  const deadline = performance.now() + maxMs;
  let stopped = false;

  const loop = async () => {
    while (!stopped && performance.now() < deadline) {
      const startedAt = performance.now();
      try {
        const response = await pool.request({ method: 'GET', path: '/steady' });
        await response.body.dump();
        const servedBy = response.headers['x-happy-served-by'];
        samples.push({
          startedAt,
          endedAt: performance.now(),
          ok: response.statusCode === 200,
          servedBy: typeof servedBy === 'string' ? servedBy : undefined,
        });
      } catch {
        samples.push({ startedAt, endedAt: performance.now(), ok: false, servedBy: undefined });
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, loop));
  return {
    samples,
    async stop(): Promise<Sample[]> {
      stopped = true;
      await done;
      await pool.close();
      return samples;
    },
  };
}
