/** Outcome of one dependency check. */
export interface HealthCheckResult {
  readonly name: string;
  /** `warn` means the service still serves, with reduced function. */
  readonly status: 'pass' | 'warn' | 'fail';
  readonly latencyMs: number;
  readonly detail?: string;
}

/** A dependency that can prove it works, for example by writing and reading back a row. */
export interface HealthProbe {
  readonly name: string;
  check(): Promise<HealthCheckResult>;
}
