import type { HealthCheckResult, HealthProbe } from '../../ports/index.js';
import type { RedisGateway } from './gateway.js';

/**
 * Checks Redis with a PING. A failing Redis only degrades the service (the cache is bypassed,
 * limits are kept per instance, breakers run alone), so this probe reports `warn`, never
 * `fail`, and `/health` stays 200 with status `degraded`.
 */
export class RedisHealthProbe implements HealthProbe {
  readonly name = 'redis';
  private readonly redis: RedisGateway;

  constructor(redis: RedisGateway) {
    this.redis = redis;
  }

  async check(): Promise<HealthCheckResult> {
    const started = performance.now();
    try {
      await this.redis.ping();
      return { name: this.name, status: 'pass', latencyMs: performance.now() - started };
    } catch {
      return {
        name: this.name,
        status: 'warn',
        latencyMs: performance.now() - started,
        detail: 'unavailable; cache bypassed and limits kept per instance',
      };
    }
  }
}
