import type { ReplicationLinkReport } from '../../lambdas/core/index.js';
import type { HealthCheckResult, HealthProbe } from '../../lambdas/ports/index.js';

/** Options of {@link ReplicationMonitor}. */
export interface ReplicationMonitorOptions {
  /** Lag from which the health check warns, in milliseconds. @default 10000 */
  readonly lagWarnMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Counters and last outcome of one replication loop. */
interface LinkState {
  successes: number;
  changes: number;
  consecutiveFailures: number;
  lastSuccessAt: number | null;
  lastError: string | null;
}

/**
 * State of the pull and drain loops of one node: how far behind the upstream's feed it is, how
 * its outbox drain goes, and the `replication` health check built on both.
 *
 * Replication lag is the time since the pull loop last reached the end of the upstream's feed,
 * or since the start when it never did: every change the upstream committed before that moment
 * has been applied here.
 */
export class ReplicationMonitor {
  private readonly lagWarnMs: number;
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly pull: LinkState = newLinkState();
  private readonly drain: LinkState = newLinkState();
  private caughtUpAt: number | null = null;

  constructor(options: ReplicationMonitorOptions = {}) {
    this.lagWarnMs = options.lagWarnMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** Records a successful pull of `changes` changes; `caughtUp` when the feed had no more. */
  pullSucceeded(changes: number, caughtUp: boolean): void {
    succeed(this.pull, changes, this.now());
    if (caughtUp) this.caughtUpAt = this.now();
  }

  /** Records a failed pull. */
  pullFailed(error: unknown): void {
    fail(this.pull, error);
  }

  /** Records a drained batch of `changes` changes. */
  drainSucceeded(changes: number): void {
    succeed(this.drain, changes, this.now());
  }

  /** Records a failed drain. */
  drainFailed(error: unknown): void {
    fail(this.drain, error);
  }

  /** Returns the replication lag in milliseconds. */
  lagMs(): number {
    return this.now() - (this.caughtUpAt ?? this.startedAt);
  }

  /** Returns the state of both loops, for the replication status endpoint. */
  report(): ReplicationLinkReport[] {
    return [
      { name: 'pull', lag_ms: this.lagMs(), ...describe(this.pull) },
      { name: 'drain', ...describe(this.drain) },
    ];
  }

  /**
   * Returns the `replication` health check: `warn` while the lag exceeds the threshold or the
   * upstream is unreachable, because the node still serves every request, only with older data.
   */
  probe(): HealthProbe {
    return { name: 'replication', check: async () => this.check() };
  }

  private check(): HealthCheckResult {
    const lagMs = this.lagMs();
    const base = { name: 'replication', latencyMs: 0 };
    if (this.pull.consecutiveFailures > 0) {
      const detail = `upstream unreachable (${this.pull.lastError}); lag ${lagMs} ms`;
      return { ...base, status: 'warn', detail };
    }
    if (lagMs > this.lagWarnMs) {
      return { ...base, status: 'warn', detail: `lag ${lagMs} ms exceeds ${this.lagWarnMs} ms` };
    }
    return { ...base, status: 'pass', detail: `lag ${lagMs} ms` };
  }
}

function newLinkState(): LinkState {
  return { successes: 0, changes: 0, consecutiveFailures: 0, lastSuccessAt: null, lastError: null };
}

function succeed(state: LinkState, changes: number, at: number): void {
  state.successes += 1;
  state.changes += changes;
  state.consecutiveFailures = 0;
  state.lastSuccessAt = at;
  state.lastError = null;
}

function fail(state: LinkState, error: unknown): void {
  state.consecutiveFailures += 1;
  state.lastError = error instanceof Error ? error.message : String(error);
}

function describe(state: LinkState): Record<string, unknown> {
  return {
    changes_total: state.changes,
    consecutive_failures: state.consecutiveFailures,
    last_success_at:
      state.lastSuccessAt === null ? null : new Date(state.lastSuccessAt).toISOString(),
    last_error: state.lastError,
  };
}
