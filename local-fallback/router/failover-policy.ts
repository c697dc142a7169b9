import type { FailoverConfig } from './config.js';
import type { RecoveryGateResult, TargetRole } from './types.js';

/**
 * State of the failover policy.
 *
 * - `serving_primary`: traffic goes to the primary. `flippedBackAt` is set when this state was
 *   entered by a flip back, and `strikes` counts recent flip backs that the primary did not hold.
 * - `failed_over`: traffic goes to the secondary and the primary is not healthy.
 * - `recovering`: traffic still goes to the secondary, the primary has been healthy since
 *   `healthySince`, and the policy waits for the hold times and the recovery gate.
 */
export type FailoverState =
  | {
      readonly kind: 'serving_primary';
      readonly since: number;
      readonly flippedBackAt?: number;
      readonly strikes: number;
    }
  | {
      readonly kind: 'failed_over';
      readonly since: number;
      readonly cause: string;
      readonly strikes: number;
    }
  | {
      readonly kind: 'recovering';
      readonly since: number;
      readonly cause: string;
      readonly strikes: number;
      readonly healthySince: number;
      readonly blockedReason?: string;
    };

/** Event emitted by {@link FailoverPolicy}; times are milliseconds since the epoch. */
export type FailoverPolicyEvent =
  | {
      readonly type: 'flipped';
      readonly to: TargetRole;
      readonly reason: string;
      readonly at: number;
      readonly detectionMs?: number;
      readonly recoveryMs?: number;
    }
  | { readonly type: 'recovery_started'; readonly at: number; readonly stableMs: number }
  | { readonly type: 'recovery_aborted'; readonly at: number; readonly reason: string }
  | { readonly type: 'recovery_blocked'; readonly at: number; readonly reason: string };

/** Hold times the policy reads from the failover configuration. */
export type FailoverTimings = Pick<
  FailoverConfig,
  'minHoldMs' | 'stableMs' | 'maxStableMs' | 'flapWindowMs'
>;

/**
 * Failover state machine with hysteresis. It flips to the secondary on the first
 * {@link primaryDown} and flips back only when the primary has been healthy for the stable
 * time, the minimum hold time has passed since the flip, and the recovery gate is ready. It keeps
 * no timers and does no I/O: the caller passes the time into every method, runs the gate when
 * {@link isGateDue} returns true and feeds the result to {@link gateResult}.
 */
export class FailoverPolicy {
  #state: FailoverState;
  readonly #timings: FailoverTimings;
  readonly #listeners = new Set<(event: FailoverPolicyEvent) => void>();

  constructor(timings: FailoverTimings, now: number) {
    this.#timings = timings;
    this.#state = { kind: 'serving_primary', since: now, strikes: 0 };
  }

  /** Current state. */
  get state(): FailoverState {
    return this.#state;
  }

  /** Role that receives traffic first. */
  get active(): TargetRole {
    return this.#state.kind === 'serving_primary' ? 'primary' : 'secondary';
  }

  /** Adds a listener for policy events and returns a function that removes it. */
  onEvent(listener: (event: FailoverPolicyEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Records that the primary is down: a failed health check threshold, an open breaker or a
   * connection failure on live traffic. `firstFailureAt` is when the failures began and sets
   * the detection time of the flip.
   */
  primaryDown(reason: string, at: number, firstFailureAt: number = at): void {
    const state = this.#state;
    if (state.kind === 'failed_over') {
      return;
    }

    if (state.kind === 'recovering') {
      this.#state = {
        kind: 'failed_over',
        since: state.since,
        cause: state.cause,
        strikes: state.strikes,
      };
      this.#emit({ type: 'recovery_aborted', at, reason });
      return;
    }

    const flapped =
      state.flippedBackAt !== undefined && at - state.flippedBackAt < this.#timings.flapWindowMs;
    const strikes = flapped ? state.strikes + 1 : 0;
    this.#state = { kind: 'failed_over', since: at, cause: reason, strikes };
    const detectionMs = Math.max(0, at - firstFailureAt);
    this.#emit({ type: 'flipped', to: 'secondary', reason, at, detectionMs });
  }

  /** Records that the primary passed its health check threshold; `healthySince` is the first pass. */
  primaryHealthy(at: number, healthySince: number = at): void {
    const state = this.#state;
    if (state.kind !== 'failed_over') {
      return;
    }

    this.#state = { ...state, kind: 'recovering', healthySince };
    this.#emit({ type: 'recovery_started', at, stableMs: this.stableMs() });
  }

  /** Stable time the primary needs before a flip back, doubled for each recent flap. */
  stableMs(): number {
    const strikes = this.#state.strikes;
    const scaled = this.#timings.stableMs * 2 ** Math.min(strikes, 16);
    return Math.min(this.#timings.maxStableMs, scaled);
  }

  /** Returns true when the hold times have passed and only the recovery gate is left to ask. */
  isGateDue(at: number): boolean {
    const state = this.#state;
    if (state.kind !== 'recovering') {
      return false;
    }

    const holdPassed = at - state.since >= this.#timings.minHoldMs;
    const stablePassed = at - state.healthySince >= this.stableMs();
    return holdPassed && stablePassed;
  }

  /** Applies a recovery gate result: flips back when ready and still due, else records why not. */
  gateResult(result: RecoveryGateResult, at: number): void {
    const state = this.#state;
    if (state.kind !== 'recovering' || !this.isGateDue(at)) {
      return;
    }

    if (result.ready) {
      this.#state = {
        kind: 'serving_primary',
        since: at,
        flippedBackAt: at,
        strikes: state.strikes,
      };
      const recoveryMs = at - state.healthySince;
      this.#emit({ type: 'flipped', to: 'primary', reason: 'primary recovered', at, recoveryMs });
      return;
    }

    const reason = result.reason ?? 'recovery gate not ready';
    if (reason !== state.blockedReason) {
      this.#state = { ...state, blockedReason: reason };
      this.#emit({ type: 'recovery_blocked', at, reason });
    }
  }

  #emit(event: FailoverPolicyEvent): void {
    for (const listener of this.#listeners) {
      listener(event);
    }
  }
}
