import type { Logger } from 'pino';

import { breakerStateName } from './breaker.js';
import type { FailoverConfig } from './config.js';
import type { RouterEvents } from './events.js';
import type { ExchangeOutcome } from './exchange.js';
import type { FailoverPolicy, FailoverPolicyEvent } from './failover-policy.js';
import type { FaultEvent } from './faults.js';
import { type CheckResult, HealthCheckLoop } from './health.js';
import { runHealthCheck } from './health-check.js';
import type { RouterMetrics } from './metrics.js';
import type { Target } from './target.js';
import { callRecoveryGate } from './recovery-gate.js';
import {
  CONNECTION_FAILURES,
  type RecoveryGate,
  type TargetFailure,
  type TargetRole,
  otherRole,
} from './types.js';

/** Parts the controller connects. */
export interface ControllerParts {
  readonly targets: Readonly<Record<TargetRole, Target>>;
  readonly policy: FailoverPolicy;
  readonly events: RouterEvents;
  readonly metrics: RouterMetrics;
  readonly logger: Logger;
  readonly recoveryGate: RecoveryGate;
  readonly failover: FailoverConfig;
}

const iso = (at: number): string => new Date(at).toISOString();

/**
 * Connects health checks, circuit breakers and live traffic to the failover policy, and turns
 * what happens into router events, metrics and logs. It owns the timers: one health check loop
 * per target and the tick that runs the recovery gate.
 */
export class FailoverController {
  readonly #parts: ControllerParts;
  readonly #loops: HealthCheckLoop[] = [];
  readonly #disposers: Array<() => void> = [];
  /**
   * First failure of live traffic per role since the target last worked: a successful request,
   * or a passing health check that started after the failure. A flip to the secondary clears the
   * primary's entry too, because that flip has measured it.
   */
  readonly #firstLiveFailureAt: Partial<Record<TargetRole, number>> = {};
  #tick: NodeJS.Timeout | undefined;
  #gateInFlight = false;
  // The gate runs on every tick while it fails; only a new error message is logged.
  #lastGateError: string | undefined;

  constructor(parts: ControllerParts) {
    this.#parts = parts;
  }

  /** Starts the health check loops and the recovery tick, and subscribes to breaker events. */
  start(): void {
    const { targets, policy } = this.#parts;
    this.#disposers.push(policy.onEvent((event) => this.#onPolicyEvent(event)));
    for (const target of Object.values(targets)) {
      const loop = new HealthCheckLoop(async () => {
        this.#onCheck(target, await runHealthCheck(target));
      }, target.config.healthCheck.intervalMs);
      this.#loops.push(loop);
      loop.start();
      const subscription = target.breaker.onStateChange((state) =>
        this.#onBreakerState(target, state),
      );
      this.#disposers.push(() => subscription.dispose());
    }
    this.#tick = setInterval(() => void this.#evaluateRecovery(), this.#parts.failover.tickMs);
  }

  /** Stops every loop and timer. */
  stop(): void {
    for (const loop of this.#loops) {
      loop.stop();
    }
    clearInterval(this.#tick);
    for (const dispose of this.#disposers.splice(0)) {
      dispose();
    }
  }

  /** Records the outcome of one live exchange: metrics, and passive detection of outages. */
  onExchange(target: Target, outcome: ExchangeOutcome, seconds: number): void {
    this.#parts.metrics.recordExchange(target.role, outcome, seconds);
    if (outcome.kind === 'client_aborted' || outcome.kind === 'body_too_large') {
      return;
    }

    const failure = outcome.failure;
    if (failure?.kind === 'abandoned') {
      // Cancelled by the flip itself, so it shows nothing new about the target.
      return;
    }
    if (failure === undefined) {
      // Assigned rather than deleted: a delete on every success can turn the object into a
      // slow dictionary.
      this.#firstLiveFailureAt[target.role] = undefined;
      return;
    }
    this.#firstLiveFailureAt[target.role] ??= Date.now();
    if (CONNECTION_FAILURES.has(failure.kind)) {
      this.#onConnectionFailure(target, failure);
    }
  }

  /** Publishes a fault event and logs it. */
  onFault(event: FaultEvent): void {
    const { fault, action } = event;
    this.#parts.events.publish({
      type: 'fault',
      action,
      id: fault.id,
      target: fault.target,
      fault: fault.fault,
      at: iso(Date.now()),
    });
    this.#parts.logger.info({ fault }, `fault ${action}`);
  }

  #onConnectionFailure(target: Target, failure: TargetFailure): void {
    const now = Date.now();
    const firstFailureAt = this.#firstFailureAt(target) ?? now;
    this.#markDown(target, `live traffic: ${failure.message}`, now);
    if (target.role === 'primary') {
      this.#parts.policy.primaryDown(`live traffic: ${failure.message}`, now, firstFailureAt);
    }
  }

  #firstFailureAt(target: Target): number | undefined {
    const times = [target.health.firstFailureAt, this.#firstLiveFailureAt[target.role]];
    const known = times.filter((time): time is number => time !== undefined);
    return known.length === 0 ? undefined : Math.min(...known);
  }

  #markDown(target: Target, reason: string, at: number): void {
    if (target.health.markDown(at)) {
      this.#publishHealth(target, false, reason, at);
    }
  }

  #onCheck(target: Target, result: CheckResult): void {
    const { events, metrics, policy } = this.#parts;
    metrics.checks.inc({ target: target.role, result: result.ok ? 'pass' : 'fail' });
    const change = target.health.record(result);
    if (result.ok) {
      this.#forgetLiveFailure(target.role, result.at - result.latencyMs);
    }
    if (change.resultChanged) {
      events.publish({
        type: 'check',
        target: target.role,
        ok: result.ok,
        ...(result.status === undefined ? {} : { status: result.status }),
        ...(result.error === undefined ? {} : { error: result.error }),
        latency_ms: result.latencyMs,
        at: iso(result.at),
      });
    }

    if (change.transition === 'unhealthy') {
      const reason = `health check failed ${target.health.consecutiveFailures} times: ${result.error ?? ''}`;
      this.#publishHealth(target, false, reason, result.at);
      if (target.role === 'primary') {
        policy.primaryDown(reason, result.at, this.#firstFailureAt(target) ?? result.at);
      }
    } else if (change.transition === 'healthy') {
      const since = target.health.firstSuccessAt ?? result.at;
      this.#publishHealth(target, true, 'health check passed', result.at);
      if (target.role === 'primary') {
        policy.primaryHealthy(result.at, since);
      }
    }
  }

  // A check that started before the failure cannot show that the target recovered from it.
  #forgetLiveFailure(role: TargetRole, checkStartedAt: number): void {
    const failedAt = this.#firstLiveFailureAt[role];
    if (failedAt !== undefined && checkStartedAt >= failedAt) {
      this.#firstLiveFailureAt[role] = undefined;
    }
  }

  #publishHealth(target: Target, healthy: boolean, reason: string, at: number): void {
    this.#parts.metrics.healthy.set({ target: target.role }, healthy ? 1 : 0);
    this.#parts.events.publish({
      type: 'health',
      target: target.role,
      healthy,
      reason,
      at: iso(at),
    });
    const level = healthy ? 'info' : 'warn';
    this.#parts.logger[level](
      { target: target.role, label: target.label, reason },
      'target health changed',
    );
  }

  #onBreakerState(target: Target, state: Parameters<typeof breakerStateName>[0]): void {
    const name = breakerStateName(state);
    const now = Date.now();
    this.#parts.metrics.breakerState.set({ target: target.role }, state);
    this.#parts.events.publish({ type: 'breaker', target: target.role, state: name, at: iso(now) });
    this.#parts.logger.info({ target: target.role, state: name }, 'circuit breaker changed state');
    if (name === 'open' && target.role === 'primary') {
      this.#parts.policy.primaryDown(
        'circuit breaker opened',
        now,
        this.#firstFailureAt(target) ?? now,
      );
    }
  }

  #onPolicyEvent(event: FailoverPolicyEvent): void {
    if (event.type === 'flipped') {
      this.#onFlip(event);
      return;
    }

    const phases = {
      recovery_started: 'started',
      recovery_aborted: 'aborted',
      recovery_blocked: 'blocked',
    } as const;
    const phase = phases[event.type];
    const reason =
      'reason' in event ? event.reason : `primary healthy, waiting ${event.stableMs} ms`;
    this.#parts.events.publish({ type: 'recovery', phase, reason, at: iso(event.at) });
    this.#parts.logger.info({ phase, reason }, 'failover recovery');
  }

  #onFlip(event: Extract<FailoverPolicyEvent, { type: 'flipped' }>): void {
    const { events, metrics, logger, targets } = this.#parts;
    const from = otherRole(event.to);
    metrics.flips.inc({ to: event.to });
    metrics.setActive(event.to);
    if (event.detectionMs !== undefined) {
      metrics.detection.observe(event.detectionMs / 1000);
    }
    if (event.recoveryMs !== undefined) {
      metrics.recovery.observe(event.recoveryMs / 1000);
    }
    if (event.to === 'secondary') {
      // This flip has measured the failure, so a later outage must not start from it.
      this.#firstLiveFailureAt.primary = undefined;
      // Safe requests still waiting on the primary go to the edge now, not at their timeout.
      targets.primary.waiting.cancelAll();
      // Recovery needs fresh passing checks, even when the flip came from traffic alone.
      this.#markDown(targets.primary, event.reason, event.at);
    }

    const times = {
      ...(event.detectionMs === undefined ? {} : { detection_ms: event.detectionMs }),
      ...(event.recoveryMs === undefined ? {} : { recovery_ms: event.recoveryMs }),
    };
    events.publish({
      type: 'flip',
      from,
      to: event.to,
      reason: event.reason,
      ...times,
      at: iso(event.at),
    });
    logger.warn({ from, to: event.to, reason: event.reason, ...times }, 'traffic flipped');
  }

  async #evaluateRecovery(): Promise<void> {
    const { policy, recoveryGate, failover } = this.#parts;
    if (this.#gateInFlight || !policy.isGateDue(Date.now())) {
      return;
    }

    this.#gateInFlight = true;
    try {
      let threw = false;
      const result = await callRecoveryGate(recoveryGate, failover.gateTimeoutMs, (error) => {
        threw = true;
        this.#onGateError(error);
      });
      if (!threw) {
        this.#lastGateError = undefined;
      }
      policy.gateResult(result, Date.now());
    } finally {
      this.#gateInFlight = false;
    }
  }

  #onGateError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (message !== this.#lastGateError) {
      this.#lastGateError = message;
      this.#parts.logger.warn(
        { err: error },
        'recovery gate failed; the router stays on the secondary',
      );
    }
  }
}
