import type { BreakerReport } from '../../handlers/services.js';

/** State of a circuit breaker, in the words of `GET /circuit-breakers`. */
export type BreakerState = BreakerReport['state'];

/** Decides whether an error counts as a failure of the dependency (and not of the request). */
export type FailurePredicate = (error: unknown) => boolean;

/**
 * A circuit breaker around calls to one dependency. Open, it rejects calls at once with
 * cockatiel's `BrokenCircuitError`; after a pause it lets a test call through (half-open) and
 * closes again when that call succeeds.
 */
export interface CircuitBreaker {
  readonly name: string;
  /** Current state. */
  readonly state: BreakerState;
  /**
   * Runs `fn` unless the breaker is open.
   *
   * @throws {BrokenCircuitError} when the breaker is open, and whatever `fn` throws.
   */
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T>;
  /** Returns the state for `GET /circuit-breakers`. */
  report(): BreakerReport;
}
