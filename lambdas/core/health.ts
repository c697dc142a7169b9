import type { HealthCheckResult, HealthProbe } from '../ports/index.js';

/** Overall health: healthy unless a check fails; a warning only degrades. */
export interface HealthReport {
  readonly status: 'healthy' | 'degraded' | 'unhealthy';
  readonly checks: HealthCheckResult[];
}

/** Runs every dependency probe and combines the results. */
export class HealthService {
  private readonly probes: HealthProbe[];
  private readonly timeoutMs: number;

  /** @param timeoutMs how long one probe may take before it counts as failed. @default 2000 */
  constructor(probes: HealthProbe[], timeoutMs = 2000) {
    this.probes = probes;
    this.timeoutMs = timeoutMs;
  }

  /** Runs all probes in parallel. */
  async check(): Promise<HealthReport> {
    const checks = await Promise.all(this.probes.map((probe) => this.run(probe)));
    const status = checks.some((check) => check.status === 'fail')
      ? 'unhealthy'
      : checks.some((check) => check.status === 'warn')
        ? 'degraded'
        : 'healthy';
    return { status, checks };
  }

  private async run(probe: HealthProbe): Promise<HealthCheckResult> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<HealthCheckResult>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            name: probe.name,
            status: 'fail',
            latencyMs: this.timeoutMs,
            detail: 'timed out',
          }),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([probe.check(), timeout]);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { name: probe.name, status: 'fail', latencyMs: performance.now() - started, detail };
    } finally {
      clearTimeout(timer);
    }
  }
}
