/** Role of a target behind the router: the primary (cloud path) or the secondary (edge). */
export type TargetRole = 'primary' | 'secondary';

/** Both roles, primary first. */
export const TARGET_ROLES: readonly TargetRole[] = ['primary', 'secondary'];

/** Returns the other role. */
export function otherRole(role: TargetRole): TargetRole {
  return role === 'primary' ? 'secondary' : 'primary';
}

/**
 * Result of one recovery gate call. The router flips back to the primary only when `ready` is
 * true; `reason` explains a `false` in events and in the status.
 */
export interface RecoveryGateResult {
  readonly ready: boolean;
  readonly reason?: string;
}

/**
 * Decides whether the router may flip back to the primary, for example once everything written
 * at the edge has reached the cloud. It is called only after the primary has been healthy long
 * enough, and again on every failover tick while it returns `ready: false`.
 */
export type RecoveryGate = () => Promise<RecoveryGateResult>;

/**
 * Failure of a target in one request or one health check. `abandoned`: traffic flipped to the
 * other target while a request that may go there waited for this one's response headers.
 */
export type FailureKind =
  | 'connect_error'
  | 'connect_timeout'
  | 'timeout'
  | 'reset'
  | 'status'
  | 'breaker_open'
  | 'abandoned'
  | 'other';

/** One failure of a target, as shown in events and problem details. */
export interface TargetFailure {
  readonly kind: FailureKind;
  readonly message: string;
  /** HTTP status when `kind` is `status`. */
  readonly status?: number;
}

/** Connection-level failure kinds: a live request with one of these flips the router at once. */
export const CONNECTION_FAILURES: ReadonlySet<FailureKind> = new Set([
  'connect_error',
  'connect_timeout',
  'reset',
]);

/** Event sent on `router.events` and on `GET /router/events`, tagged by `type`. */
export type RouterEvent =
  | {
      readonly type: 'check';
      readonly target: TargetRole;
      readonly ok: boolean;
      readonly status?: number;
      readonly error?: string;
      readonly latency_ms: number;
      readonly at: string;
    }
  | {
      readonly type: 'health';
      readonly target: TargetRole;
      readonly healthy: boolean;
      readonly reason: string;
      readonly at: string;
    }
  | {
      readonly type: 'breaker';
      readonly target: TargetRole;
      readonly state: string;
      readonly at: string;
    }
  | {
      readonly type: 'flip';
      readonly from: TargetRole;
      readonly to: TargetRole;
      readonly reason: string;
      /** Time from the first failure seen on the primary to this flip, on flips to the secondary. */
      readonly detection_ms?: number;
      /** Time from the primary's first healthy check to this flip, on flips back. */
      readonly recovery_ms?: number;
      readonly at: string;
    }
  | {
      readonly type: 'recovery';
      readonly phase: 'started' | 'aborted' | 'blocked';
      readonly reason: string;
      readonly at: string;
    }
  | {
      readonly type: 'fault';
      readonly action: 'added' | 'removed' | 'expired';
      readonly id: string;
      readonly target: TargetRole;
      readonly fault: string;
      readonly at: string;
    };

/** The `type` values of {@link RouterEvent}. */
export type RouterEventType = RouterEvent['type'];
