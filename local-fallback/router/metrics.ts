import { Counter, Gauge, Histogram, Registry } from 'prom-client';

import { CircuitState } from 'cockatiel';

import type { ExchangeOutcome } from './exchange.js';
import { TARGET_ROLES, type TargetRole } from './types.js';

/** Content type of the Prometheus text format served on `GET /metrics`. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

// From 0.5 ms, to see the router's own overhead on loopback, up to the 30 s body timeout.
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
// Around the 1 s detection target.
const DETECTION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 5, 10];
// Around the 5 s flip-back target; longer values come from a blocked recovery gate.
const RECOVERY_BUCKETS = [1, 2, 3, 4, 5, 7.5, 10, 30, 60, 300];

/**
 * Prometheus metrics of one router, in a registry of its own so that several routers (as in
 * tests) do not collide.
 */
export class RouterMetrics {
  readonly registry = new Registry();

  // Exchanges per role and outcome label since the last read of `requests`. In prom-client 15,
  // Counter.inc validates and hashes its labels on every call, and so do the children that
  // labels() returns. So each request adds 1 here, and `collect` moves the sums into the
  // counter whenever it is read.
  readonly #pendingRequests: Record<TargetRole, Map<string, number>> = {
    primary: new Map(),
    secondary: new Map(),
  };

  readonly requests = new Counter({
    name: 'happy_router_requests_total',
    help: 'Requests sent to a target, by target role and outcome.',
    labelNames: ['target', 'outcome'] as const,
    registers: [this.registry],
    collect: () => this.#flushRequests(),
  });

  readonly latency = new Histogram({
    name: 'happy_router_request_duration_seconds',
    help: 'Time from sending a request to a target to the end of its response, by target role.',
    labelNames: ['target'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly routerErrors = new Counter({
    name: 'happy_router_errors_total',
    help: 'Responses written by the router itself because no target served the request, by code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly flips = new Counter({
    name: 'happy_router_flips_total',
    help: 'Changes of the active target, by the role that became active.',
    labelNames: ['to'] as const,
    registers: [this.registry],
  });

  readonly detection = new Histogram({
    name: 'happy_router_detection_seconds',
    help: 'Time from the first failure seen on the primary to the flip to the secondary.',
    buckets: DETECTION_BUCKETS,
    registers: [this.registry],
  });

  readonly recovery = new Histogram({
    name: 'happy_router_recovery_seconds',
    help: 'Time from the first passing health check of the primary to the flip back to it.',
    buckets: RECOVERY_BUCKETS,
    registers: [this.registry],
  });

  readonly retries = new Counter({
    name: 'happy_router_failover_retries_total',
    help: 'Requests sent to a second target after the first one failed, by roles and reason.',
    labelNames: ['from', 'to', 'reason'] as const,
    registers: [this.registry],
  });

  readonly breakerState = new Gauge({
    name: 'happy_router_breaker_state',
    help: 'Circuit breaker state by target role: 0 closed, 1 open, 2 half-open, 3 isolated.',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  readonly healthy = new Gauge({
    name: 'happy_router_target_healthy',
    help: 'Health of a target by role: 1 healthy, 0 unhealthy.',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  readonly active = new Gauge({
    name: 'happy_router_active_target',
    help: 'Target role that receives traffic first: 1 for the active role, 0 for the other.',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  readonly checks = new Counter({
    name: 'happy_router_health_checks_total',
    help: 'Active health checks by target role and result.',
    labelNames: ['target', 'result'] as const,
    registers: [this.registry],
  });

  /** Sets the gauges to their starting values: both targets healthy, primary active. */
  constructor() {
    for (const role of ['primary', 'secondary'] as const) {
      this.breakerState.set({ target: role }, CircuitState.Closed);
      this.healthy.set({ target: role }, 1);
    }
    this.setActive('primary');
  }

  /** Marks one role active in `happy_router_active_target`. */
  setActive(role: TargetRole): void {
    this.active.set({ target: 'primary' }, role === 'primary' ? 1 : 0);
    this.active.set({ target: 'secondary' }, role === 'secondary' ? 1 : 0);
  }

  /** Counts one exchange with a target and its duration. */
  recordExchange(role: TargetRole, outcome: ExchangeOutcome, seconds: number): void {
    const pending = this.#pendingRequests[role];
    const label = outcomeLabel(outcome);
    pending.set(label, (pending.get(label) ?? 0) + 1);
    if (outcome.kind === 'forwarded' || outcome.kind === 'held') {
      this.latency.observe({ target: role }, seconds);
    }
  }

  #flushRequests(): void {
    for (const role of TARGET_ROLES) {
      const pending = this.#pendingRequests[role];
      for (const [outcome, count] of pending) {
        this.requests.inc({ target: role, outcome }, count);
      }
      pending.clear();
    }
  }
}

/** Returns the `outcome` label of an exchange. */
export function outcomeLabel(outcome: ExchangeOutcome): string {
  switch (outcome.kind) {
    case 'client_aborted':
      return 'client_aborted';
    case 'body_too_large':
      return 'body_too_large';
    case 'forwarded':
      return outcome.failure === undefined ? 'success' : failureLabel(outcome.failure.kind);
    case 'held':
      return 'http_error';
    case 'failed':
      return failureLabel(outcome.failure.kind);
  }
}

function failureLabel(kind: string): string {
  return kind === 'status' ? 'http_error' : kind;
}
