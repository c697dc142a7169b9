import { breakerStateName } from './breaker.js';
import type { FailoverPolicy } from './failover-policy.js';
import type { Fault, FaultInjector } from './faults.js';
import type { Target } from './target.js';
import { TARGET_ROLES, type TargetRole } from './types.js';

/** One target in {@link RouterStatus}. */
export interface TargetStatus {
  readonly name: TargetRole;
  readonly label: string;
  readonly url: string;
  readonly healthy: boolean;
  readonly breaker: string;
  readonly last_transition: string;
  readonly consecutive_failures: number;
  readonly consecutive_successes: number;
  readonly last_check: {
    readonly ok: boolean;
    readonly status?: number;
    readonly error?: string;
    readonly latency_ms: number;
    readonly at: string;
  } | null;
  readonly faults: readonly Fault[];
}

/** Body of `GET /router/status`. */
export interface RouterStatus {
  readonly service: 'router';
  readonly active: TargetRole;
  /** State of the failover policy: `serving_primary`, `failed_over` or `recovering`. */
  readonly state: string;
  readonly since: string;
  /** Stable time the primary needs before the next flip back, grown by recent flaps. */
  readonly stable_ms_required: number;
  readonly targets: readonly TargetStatus[];
}

/** Entry of the `router` list of `GET /circuit-breakers`. */
export interface BreakerStatus {
  readonly name: TargetRole;
  readonly label: string;
  readonly state: string;
  readonly last_failure: string | null;
}

/** Builds the body of `GET /router/status`. */
export function buildStatus(
  policy: FailoverPolicy,
  targets: Readonly<Record<TargetRole, Target>>,
  faults: FaultInjector,
): RouterStatus {
  const state = policy.state;
  return {
    service: 'router',
    active: policy.active,
    state: state.kind,
    since: new Date(state.since).toISOString(),
    stable_ms_required: policy.stableMs(),
    targets: TARGET_ROLES.map((role) => targetStatus(targets[role], faults)),
  };
}

function targetStatus(target: Target, faults: FaultInjector): TargetStatus {
  const health = target.health;
  const check = health.lastResult;
  return {
    name: target.role,
    label: target.label,
    url: target.displayUrl,
    healthy: health.healthy,
    breaker: breakerStateName(target.breaker.state),
    last_transition: new Date(health.lastTransition).toISOString(),
    consecutive_failures: health.consecutiveFailures,
    consecutive_successes: health.consecutiveSuccesses,
    last_check:
      check === undefined
        ? null
        : {
            ok: check.ok,
            ...(check.status === undefined ? {} : { status: check.status }),
            ...(check.error === undefined ? {} : { error: check.error }),
            latency_ms: check.latencyMs,
            at: new Date(check.at).toISOString(),
          },
    faults: faults.list(target.role),
  };
}

/** Builds the `router` list of `GET /circuit-breakers`. */
export function buildBreakerStatus(targets: Readonly<Record<TargetRole, Target>>): BreakerStatus[] {
  return TARGET_ROLES.map((role) => {
    const target = targets[role];
    const last = target.breaker.lastFailure;
    let lastFailure: string | null = null;
    if (last !== undefined) {
      lastFailure = 'error' in last ? last.error.message : describeResult(last.value);
    }
    return {
      name: role,
      label: target.label,
      state: breakerStateName(target.breaker.state),
      last_failure: lastFailure,
    };
  });
}

function describeResult(value: unknown): string {
  const outcome = value as { failure?: { message?: string } } | undefined;
  return outcome?.failure?.message ?? 'failed';
}
