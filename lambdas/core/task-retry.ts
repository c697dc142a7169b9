import { ExponentialBackoff, halfJitterGenerator, type IBackoff } from 'cockatiel';

/** Settings of the delay between attempts of a task. */
export interface RetryBackoffOptions {
  /** Base delay after the first failed attempt, in milliseconds. @default 1000 */
  readonly initialDelayMs?: number;
  /** Upper bound of any delay, in milliseconds. @default 300000 (5 minutes) */
  readonly maxDelayMs?: number;
}

/** Default delays: 1 s after the first failure, doubling up to 5 minutes. */
export const DEFAULT_RETRY_BACKOFF: Required<RetryBackoffOptions> = {
  initialDelayMs: 1000,
  maxDelayMs: 300_000,
};

/**
 * Computes retry delays with cockatiel's exponential backoff and "half jitter": the delay after
 * failed attempt n is drawn from [d/2, d), where d = min(maxDelayMs, initialDelayMs * 2^(n-1)).
 * Jitter spreads the retries of tasks that failed together, and the lower half-bound keeps the
 * delay growing with every attempt.
 */
export class RetryBackoff {
  private readonly factory: ExponentialBackoff<number>;

  /**
   * @throws {Error} when a delay is not a positive integer, or `maxDelayMs` is below
   *   `initialDelayMs`.
   */
  constructor(options: RetryBackoffOptions = {}) {
    const { initialDelayMs, maxDelayMs } = { ...DEFAULT_RETRY_BACKOFF, ...options };
    if (!Number.isInteger(initialDelayMs) || initialDelayMs < 1) {
      throw new Error(`Invalid initialDelayMs ${initialDelayMs}: expected an integer >= 1.`);
    }
    if (!Number.isInteger(maxDelayMs) || maxDelayMs < initialDelayMs) {
      throw new Error(`Invalid maxDelayMs ${maxDelayMs}: expected an integer >= initialDelayMs.`);
    }
    this.factory = new ExponentialBackoff({
      generator: halfJitterGenerator,
      initialDelay: initialDelayMs,
      maxDelay: maxDelayMs,
    });
  }

  /**
   * Returns the delay in milliseconds before the attempt that follows failed attempt
   * `failedAttempt` (from 1).
   */
  delayAfter(failedAttempt: number): number {
    // The backoff keeps its step count in its state, and the attempt count is stored on the
    // task rather than in memory, so the state is rebuilt by stepping from the start.
    let backoff: IBackoff<unknown> = this.factory.next();
    for (let step = 1; step < Math.max(1, failedAttempt); step += 1) {
      backoff = backoff.next(undefined);
    }
    return backoff.duration;
  }
}
