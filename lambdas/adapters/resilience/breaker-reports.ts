import type { BreakerReport } from '../../handlers/services.js';

/** Anything that reports a circuit breaker: a `DependencyGuard` or a breaker itself. */
export interface BreakerReportSource {
  report(): BreakerReport;
}

/**
 * Builds the `breakers` option of the handler services from the guards of this node's
 * dependencies, so `GET /circuit-breakers` lists each of them.
 */
export function breakerReports(sources: readonly BreakerReportSource[]): () => BreakerReport[] {
  return () => sources.map((source) => source.report());
}
