import {
  BrokenCircuitError,
  ExponentialBackoff,
  handleWhen,
  IsolatedCircuitError,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  type RetryPolicy,
  type TimeoutPolicy,
} from 'cockatiel';
import { DependencyUnavailableError } from '../../core/errors.js';
import type { BreakerReport } from '../../handlers/services.js';
import { requireIntegerInRange } from '../errors.js';
import type { CircuitBreaker, FailurePredicate } from './circuit-breaker.js';
import { LocalCircuitBreaker } from './local-circuit-breaker.js';

/** Time limits, retries and breaker settings of one dependency. */
export interface GuardOptions {
  /** Time limit of one attempt, in ms. */
  readonly timeoutMs?: number;
  /** Attempts after the first, only for calls marked repeatable. */
  readonly retries?: number;
  /** First retry delay in ms; later delays grow exponentially with decorrelated jitter. */
  readonly retryInitialDelayMs?: number;
  /** Largest retry delay, in ms. */
  readonly retryMaxDelayMs?: number;
  /** Consecutive failures that open the local breaker. @default 5 */
  readonly failureThreshold?: number;
  /** Time the breaker stays open before a test call, in ms. @default 1000 */
  readonly halfOpenAfterMs?: number;
}

/** Options of {@link DependencyGuard}. */
export interface DependencyGuardOptions extends GuardOptions {
  /** Errors that mean the dependency failed; others pass through unchanged and never retry. */
  readonly isFailure: FailurePredicate;
  /** Breaker to use instead of a {@link LocalCircuitBreaker}, such as a shared one. */
  readonly breaker?: CircuitBreaker;
}

/** Options of one call. */
export interface CallOptions {
  /** True when repeating the call cannot change the outcome (reads, last-writer-wins writes). */
  readonly repeatable: boolean;
}

const DEFAULTS = { timeoutMs: 2000, retries: 2, retryInitialDelayMs: 50, retryMaxDelayMs: 1000 };

/**
 * Runs calls to one dependency behind a retry (repeatable calls only), a circuit breaker and a
 * per-attempt timeout, in that order, so every attempt is timed and counted by the breaker and
 * an open breaker stops the retries.
 *
 * Defaults: 2000 ms per attempt, 2 retries starting at 50 ms and capped at 1000 ms.
 */
export class DependencyGuard {
  readonly name: string;
  readonly breaker: CircuitBreaker;
  private readonly isFailure: FailurePredicate;
  private readonly timeoutPolicy: TimeoutPolicy;
  private readonly retryPolicy: RetryPolicy;

  /** @throws {AdapterConfigError} when an option is out of range. */
  constructor(name: string, options: DependencyGuardOptions) {
    const settings = { ...DEFAULTS, ...definedOnly(options) };
    requireIntegerInRange('timeoutMs', settings.timeoutMs, 1, 600_000);
    requireIntegerInRange('retries', settings.retries, 0, 10);
    requireIntegerInRange('retryInitialDelayMs', settings.retryInitialDelayMs, 1, 60_000);
    requireIntegerInRange('retryMaxDelayMs', settings.retryMaxDelayMs, 1, 600_000);

    this.name = name;
    this.isFailure = options.isFailure;
    this.breaker = options.breaker ?? new LocalCircuitBreaker(name, options);
    this.timeoutPolicy = timeout(settings.timeoutMs, TimeoutStrategy.Aggressive);
    this.retryPolicy = retry(handleWhen(isRetryable(options.isFailure)), {
      maxAttempts: settings.retries,
      backoff: new ExponentialBackoff({
        initialDelay: settings.retryInitialDelayMs,
        maxDelay: settings.retryMaxDelayMs,
      }),
    });
  }

  /**
   * Runs `fn` under the guard's policies.
   *
   * @throws {DependencyUnavailableError} when the dependency fails, times out or its breaker is
   *   open; any other error of `fn` unchanged.
   */
  async execute<T>(fn: (signal: AbortSignal) => Promise<T>, options: CallOptions): Promise<T> {
    const attempt = (signal: AbortSignal) =>
      this.breaker.execute(
        (breakerSignal) =>
          this.timeoutPolicy.execute((context) => fn(context.signal), breakerSignal),
        signal,
      );
    try {
      if (!options.repeatable) return await attempt(new AbortController().signal);
      // A fresh signal per call: without one, cockatiel's retry shares a single never-aborted
      // signal across calls, and more than ten calls in flight trip MaxListenersExceededWarning.
      const callSignal = new AbortController().signal;
      return await this.retryPolicy.execute((context) => attempt(context.signal), callSignal);
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** Returns the breaker's state for `GET /circuit-breakers`. */
  report(): BreakerReport {
    return this.breaker.report();
  }

  private translate(error: unknown): unknown {
    const unavailable =
      error instanceof BrokenCircuitError ||
      error instanceof IsolatedCircuitError ||
      error instanceof TaskCancelledError ||
      this.isFailure(error);
    return unavailable ? new DependencyUnavailableError(this.name, { cause: error }) : error;
  }
}

/** Retries failures and timeouts, never an open breaker. */
function isRetryable(isFailure: FailurePredicate): (error: Error) => boolean {
  return (error) => error instanceof TaskCancelledError || isFailure(error);
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
