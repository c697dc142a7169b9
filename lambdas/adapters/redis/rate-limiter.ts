import { DependencyUnavailableError } from '../../core/errors.js';
import { requireIntegerInRange } from '../errors.js';
import type { RedisGateway } from './gateway.js';
import { RATE_LIMIT } from './scripts.js';
import { decideWindow, type WindowState } from './sliding-window.js';

/** Outcome of {@link AgentRateLimiter.consume}. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Requests left in the current window. */
  readonly remaining: number;
  /** How long to wait before a retry can pass, in ms; 0 when allowed. */
  readonly retryAfterMs: number;
  /** `redis` when the limit is shared by all instances, `local` when kept by this one alone. */
  readonly source: 'redis' | 'local';
}

/** Options of {@link AgentRateLimiter}. */
export interface RateLimiterOptions {
  /** Requests allowed per agent in any window of `windowMs`. */
  readonly limit: number;
  /** Length of the sliding window, in ms. @default 1000 */
  readonly windowMs?: number;
  /** Prefix of the counter keys. @default 'happy:ratelimit' */
  readonly keyPrefix?: string;
  /** Agents tracked by the fallback limiter; the oldest are dropped beyond. @default 10000 */
  readonly maxLocalAgents?: number;
}

/**
 * A per-agent sliding-window rate limit kept in Redis and shared by every instance. When Redis
 * is unavailable, each instance applies the same limit alone, so the effective limit across
 * instances grows with their number until Redis returns.
 */
export class AgentRateLimiter {
  private readonly redis: RedisGateway | undefined;
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly prefix: string;
  private readonly local: LocalRateLimiter;

  /**
   * @param redis the gateway, or undefined for a limiter that is always local.
   * @throws {AdapterConfigError} when a number is out of range.
   */
  constructor(redis: RedisGateway | undefined, options: RateLimiterOptions) {
    this.redis = redis;
    this.limit = requireIntegerInRange('limit', options.limit, 1, 1_000_000_000);
    this.windowMs = requireIntegerInRange('windowMs', options.windowMs ?? 1000, 1, 86_400_000);
    this.prefix = options.keyPrefix ?? 'happy:ratelimit';
    this.local = new LocalRateLimiter(this.limit, this.windowMs, options.maxLocalAgents);
  }

  /**
   * Counts one request of `agentId` when the limit allows it.
   *
   * @param nowMs time of the request for the local fallback; Redis uses its own clock.
   */
  async consume(agentId: string, nowMs = Date.now()): Promise<RateLimitDecision> {
    if (this.redis) {
      try {
        return await this.consumeInRedis(this.redis, agentId);
      } catch (error) {
        if (!(error instanceof DependencyUnavailableError)) throw error;
      }
    }
    return { ...this.local.consume(agentId, nowMs), source: 'local' };
  }

  private async consumeInRedis(redis: RedisGateway, agentId: string): Promise<RateLimitDecision> {
    const key = `${this.prefix}:{${agentId}}`;
    const args = [String(this.limit), String(this.windowMs), ''];
    // Not repeatable: a retry after a lost reply would count the request twice.
    const reply = (await redis.runScript(RATE_LIMIT, [key], args, false)) as number[];
    const [allowed, remaining, retryAfterMs] = reply;
    return {
      allowed: allowed === 1,
      remaining: remaining ?? 0,
      retryAfterMs: retryAfterMs ?? 0,
      source: 'redis',
    };
  }
}

/** The same sliding window held in this process, for when Redis is down. */
export class LocalRateLimiter {
  private readonly states = new Map<string, WindowState>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxAgents: number;

  /** @param maxAgents agents tracked; the least recently seen are dropped beyond. @default 10000 */
  constructor(limit: number, windowMs: number, maxAgents = 10_000) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.maxAgents = requireIntegerInRange('maxLocalAgents', maxAgents, 1, 10_000_000);
  }

  /** Counts one request of `agentId` at `nowMs` when the limit allows it. */
  consume(agentId: string, nowMs: number): Omit<RateLimitDecision, 'source'> {
    const decision = decideWindow(this.states.get(agentId), nowMs, this.limit, this.windowMs);
    // Deleting first moves the agent to the end of the map's insertion order.
    this.states.delete(agentId);
    this.states.set(agentId, decision.state);
    if (this.states.size > this.maxAgents) {
      this.states.delete(this.states.keys().next().value as string);
    }
    return {
      allowed: decision.allowed,
      remaining: decision.remaining,
      retryAfterMs: decision.retryAfterMs,
    };
  }
}
