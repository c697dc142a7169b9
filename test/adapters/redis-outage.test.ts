import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentRateLimiter,
  CachedMemoryStore,
  createRedisClient,
  RedisHealthProbe,
} from '../../lambdas/adapters/index.js';
import { HealthService } from '../../lambdas/core/health.js';
import { openDatabase } from '../../local-fallback/storage/database.js';
import { SqliteMemoryStore } from '../../local-fallback/storage/index.js';
import { freePort } from '../support/processes.js';
import { memoryRecord, T0, versionAt } from '../contract/fixtures.js';
import { CountingStore } from './support/counting-store.js';
import { startRedisServer, type RedisServer } from './support/engines.js';
import { testRedis, type TestRedis } from './support/redis.js';
import { isMissing, REDIS, suiteTitle } from './support/services.js';
import { eventually } from './support/wait.js';

// A redis-server of this test's own, stopped by its pid, slowed with DEBUG SLEEP and started
// again on the same port. REDIS_URL only signals that redis-server is installed.

describe.skipIf(isMissing(REDIS))(suiteTitle('Redis outage', REDIS), () => {
  let port: number;
  let server: RedisServer;
  let redis: TestRedis;
  let inner: CountingStore;
  let store: CachedMemoryStore;
  let probe: RedisHealthProbe;
  let limiter: AgentRateLimiter;

  beforeAll(async () => {
    port = await freePort();
    server = await startRedisServer(port);
    redis = testRedis(`redis://127.0.0.1:${port}`, {
      timeoutMs: 100,
      retries: 0,
      failureThreshold: 2,
      halfOpenAfterMs: 200,
    });
    inner = new CountingStore(new SqliteMemoryStore(openDatabase(':memory:')));
    store = new CachedMemoryStore(inner, redis.gateway, 60);
    probe = new RedisHealthProbe(redis.gateway);
    limiter = new AgentRateLimiter(redis.gateway, { limit: 100, windowMs: 60_000 });
    await store.put(memoryRecord({ id: 'r1', content: 'before the outage' }));
  });

  afterAll(async () => {
    await redis.gateway.close();
    await server.kill();
  });

  it('passes the health check while Redis runs', async () => {
    expect((await probe.check()).status).toBe('pass');
  });

  it('bypasses Redis while it sleeps', async () => {
    const sleeper = createRedisClient({ url: `redis://127.0.0.1:${port}` });
    await sleeper.connect();
    const asleep = sleeper.sendCommand(['DEBUG', 'SLEEP', '1']);
    const gets = inner.gets;

    const record = await store.get('agent-a', 'r1', T0);
    await asleep;
    sleeper.destroy();

    expect(record?.content).toBe('before the outage');
    expect(inner.gets).toBe(gets + 1);
  });

  it('serves reads and writes through the store while Redis is stopped', async () => {
    await server.kill();
    const gets = inner.gets;

    await store.put(
      memoryRecord({ id: 'r1', content: 'during the outage', version: versionAt(2) }),
    );
    const record = await store.get('agent-a', 'r1', T0);

    expect(record?.content).toBe('during the outage');
    expect(inner.gets).toBe(gets + 1);
  });

  it('reports Redis as a warning, not a failure, while it is stopped', async () => {
    const result = await probe.check();
    const health = await new HealthService([probe]).check();

    expect(result.status).toBe('warn');
    expect(health.status).toBe('degraded');
  });

  it('limits requests in this process while Redis is stopped', async () => {
    const decision = await limiter.consume('agent-a');

    expect(decision.allowed).toBe(true);
    expect(decision.source).toBe('local');
  });

  it('uses Redis again after it restarts', async () => {
    server = await startRedisServer(port);

    await eventually(async () => expect((await probe.check()).status).toBe('pass'));
    await eventually(async () => expect((await limiter.consume('agent-a')).source).toBe('redis'));
    await store.get('agent-a', 'r1', T0);
    const gets = inner.gets;
    const record = await store.get('agent-a', 'r1', T0);

    expect(record?.content).toBe('during the outage');
    expect(inner.gets).toBe(gets);
  });
});
