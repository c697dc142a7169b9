import {
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  TaskCancelledError,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { BreakerReport } from '../../handlers/services.js';
import { requireIntegerInRange } from '../errors.js';
import type { BreakerState, CircuitBreaker, FailurePredicate } from './circuit-breaker.js';

/** Options of {@link LocalCircuitBreaker}. */
export interface LocalCircuitBreakerOptions {
  /** Consecutive failures that open the breaker. @default 5 */
  readonly failureThreshold?: number;
  /** Time the breaker stays open before it lets one test call through, in ms. @default 1000 */
  readonly halfOpenAfterMs?: number;
  /** Errors that count as failures; a timeout (`TaskCancelledError`) always counts. */
  readonly isFailure: FailurePredicate;
}

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * A circuit breaker held in this process: cockatiel's `ConsecutiveBreaker`. Five failures in a
 * row open it by default, so one slow request does not, and a dead dependency is noticed within
 * a handful of calls. It stays open for one second by default, which keeps a recovered
 * dependency no more than a second away from traffic.
 */
export class LocalCircuitBreaker implements CircuitBreaker {
  readonly name: string;
  private readonly threshold: number;
  private readonly halfOpenAfterMs: number;
  private readonly isFailure: (error: Error) => boolean;
  private readonly listeners = new Set<(state: BreakerState) => void>();
  private policy: CircuitBreakerPolicy;
  private failures = 0;
  private lastTransition: string | undefined;

  /** @throws {AdapterConfigError} when an option is out of range. */
  constructor(name: string, options: LocalCircuitBreakerOptions) {
    this.name = name;
    this.threshold = requireIntegerInRange(
      'failureThreshold',
      options.failureThreshold ?? 5,
      1,
      1000,
    );
    this.halfOpenAfterMs = requireIntegerInRange(
      'halfOpenAfterMs',
      options.halfOpenAfterMs ?? 1000,
      1,
      3_600_000,
    );
    this.isFailure = (error) => error instanceof TaskCancelledError || options.isFailure(error);
    this.policy = this.createPolicy();
  }

  get state(): BreakerState {
    return STATES[this.policy.state];
  }

  async execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    return this.policy.execute((context) => fn(context.signal), signal);
  }

  /**
   * Closes the breaker at once, for example when another instance has seen the dependency
   * recover.
   */
  reset(): void {
    if (this.policy.state === CircuitState.Closed) return;
    this.policy = this.createPolicy();
    this.failures = 0;
    this.transition(CircuitState.Closed);
  }

  /** Calls `listener` on every change of state. */
  onStateChange(listener: (state: BreakerState) => void): void {
    this.listeners.add(listener);
  }

  report(): BreakerReport {
    return {
      name: this.name,
      state: this.state,
      failures: this.failures,
      ...(this.lastTransition ? { lastTransition: this.lastTransition } : {}),
    };
  }

  private createPolicy(): CircuitBreakerPolicy {
    const policy = circuitBreaker(handleWhen(this.isFailure), {
      halfOpenAfter: this.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(this.threshold),
    });
    policy.onFailure(({ handled }) => {
      if (handled && policy === this.policy) this.failures += 1;
    });
    policy.onSuccess(() => {
      if (policy === this.policy) this.failures = 0;
    });
    policy.onStateChange((state) => {
      if (policy === this.policy) this.transition(state);
    });
    return policy;
  }

  private transition(state: CircuitState): void {
    this.lastTransition = new Date().toISOString();
    for (const listener of this.listeners) listener(STATES[state]);
  }
}
