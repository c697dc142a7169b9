export {
  createRedisClient,
  type RedisClient,
  type RedisClientConfig,
  type RedisTlsOptions,
} from './client.js';
export { RedisGateway, type RedisGatewayOptions, type SetOptions } from './gateway.js';
export { isRedisFailure } from './errors.js';
export { RedisScript, RATE_LIMIT, SET_IF_NEWER } from './scripts.js';
export { CachedMemoryStore, type CachedMemoryStoreOptions } from './cached-memory-store.js';
export { decideWindow, type WindowDecision, type WindowState } from './sliding-window.js';
export {
  AgentRateLimiter,
  LocalRateLimiter,
  type RateLimitDecision,
  type RateLimiterOptions,
} from './rate-limiter.js';
export { makeIdempotentWrite, type IdempotentWriteOptions } from './idempotency.js';
export {
  SharedCircuitBreaker,
  type SharedCircuitBreakerOptions,
} from './shared-circuit-breaker.js';
export { RedisHealthProbe } from './health-probe.js';
