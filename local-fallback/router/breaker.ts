import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  SamplingBreaker,
  circuitBreaker,
  handleAll,
} from 'cockatiel';

import type { BreakerConfig } from './config.js';

/** Breaker state names used in the status, events and `GET /circuit-breakers`. */
export type BreakerStateName = 'closed' | 'open' | 'half_open' | 'isolated';

/**
 * Creates the cockatiel circuit breaker of one target. A call counts as failed when it throws or
 * when `isFailure` returns true for its result, so the proxy can report 5xx, 429 and timeouts
 * as results without throwing.
 */
export function createBreaker(
  config: BreakerConfig,
  isFailure: (result: unknown) => boolean,
): CircuitBreakerPolicy {
  const breaker =
    config.kind === 'consecutive'
      ? new ConsecutiveBreaker(config.threshold)
      : new SamplingBreaker({
          threshold: config.threshold,
          duration: config.durationMs,
          minimumRps: config.minimumRps,
        });
  return circuitBreaker(handleAll.orWhenResult(isFailure), {
    breaker,
    halfOpenAfter: config.halfOpenAfterMs,
  });
}

/** Converts a cockatiel circuit state to its name. */
export function breakerStateName(state: CircuitState): BreakerStateName {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.Open:
      return 'open';
    case CircuitState.HalfOpen:
      return 'half_open';
    case CircuitState.Isolated:
      return 'isolated';
  }
}
