export type { BreakerState, CircuitBreaker, FailurePredicate } from './circuit-breaker.js';
export { LocalCircuitBreaker, type LocalCircuitBreakerOptions } from './local-circuit-breaker.js';
export {
  DependencyGuard,
  type CallOptions,
  type DependencyGuardOptions,
  type GuardOptions,
} from './dependency-guard.js';
export { breakerReports, type BreakerReportSource } from './breaker-reports.js';
