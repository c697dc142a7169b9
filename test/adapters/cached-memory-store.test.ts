import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CachedMemoryStore,
  createRedisClient,
  type RedisClient,
} from '../../lambdas/adapters/index.js';
import { openDatabase } from '../../local-fallback/storage/database.js';
import { SqliteMemoryStore } from '../../local-fallback/storage/index.js';
import { memoryRecord, T0, versionAt } from '../contract/fixtures.js';
import { CountingStore } from './support/counting-store.js';
import { deleteKeys, testRedis, type TestRedis } from './support/redis.js';
import { isMissing, REDIS, requireUrl, suiteTitle, uniqueName } from './support/services.js';
import { startTcpProxy, type TcpProxy } from '../../local-fallback/topology/tcp-proxy.js';
import { eventually } from './support/wait.js';

describe.skipIf(isMissing(REDIS))(suiteTitle('CachedMemoryStore', REDIS), () => {
  let redis: TestRedis;
  let raw: RedisClient;
  let keyPrefix: string;
  let inner: CountingStore;
  let store: CachedMemoryStore;

  beforeAll(async () => {
    redis = testRedis(requireUrl(REDIS));
    raw = createRedisClient({ url: requireUrl(REDIS) });
    await raw.connect();
  });

  afterAll(async () => {
    await redis.gateway.close();
    raw.destroy();
  });

  beforeEach(() => {
    keyPrefix = uniqueName('cache');
    inner = new CountingStore(new SqliteMemoryStore(openDatabase(':memory:')));
    store = new CachedMemoryStore(inner, redis.gateway, 60, { keyPrefix });
  });

  afterEach(() => deleteKeys(requireUrl(REDIS), keyPrefix));

  it('serves a read after a put from Redis', async () => {
    const record = memoryRecord({ id: 'r1' });
    await store.put(record);

    const read = await store.get('agent-a', 'r1', T0);

    expect(read).toEqual(record);
    expect(inner.gets).toBe(0);
  });

  it('fills the cache on a miss', async () => {
    await inner.put(memoryRecord({ id: 'r1' }));

    await store.get('agent-a', 'r1', T0);
    await store.get('agent-a', 'r1', T0);

    expect(inner.gets).toBe(1);
    expect(await raw.exists(`${keyPrefix}:{agent-a}:id:r1`)).toBe(1);
  });

  it('returns the newer record after a put', async () => {
    await store.put(memoryRecord({ id: 'r1', content: 'old', version: versionAt(1) }));
    await store.get('agent-a', 'r1', T0);

    await store.put(memoryRecord({ id: 'r1', content: 'new', version: versionAt(2) }));

    expect((await store.get('agent-a', 'r1', T0))?.content).toBe('new');
    expect(inner.gets).toBe(0);
  });

  it('returns null after a tombstone', async () => {
    await store.put(memoryRecord({ id: 'r1', key: 'k', version: versionAt(1) }));
    await store.get('agent-a', 'r1', T0);
    await store.getByKey('agent-a', 'k', T0);

    await store.put(memoryRecord({ id: 'r1', key: 'k', version: versionAt(2), deleted: true }));

    expect(await store.get('agent-a', 'r1', T0)).toBeNull();
    expect(await store.getByKey('agent-a', 'k', T0)).toBeNull();
  });

  it('keeps a newer write against a read that loaded the old record', async () => {
    await inner.put(memoryRecord({ id: 'r1', content: 'old', version: versionAt(1) }));
    const { loaded, release } = inner.holdReads();
    const slowRead = store.get('agent-a', 'r1', T0);
    await loaded;

    await store.put(memoryRecord({ id: 'r1', content: 'new', version: versionAt(2) }));
    release();
    const raced = await slowRead;

    expect(raced?.content).toBe('old');
    expect((await store.get('agent-a', 'r1', T0))?.content).toBe('new');
    expect(inner.gets).toBe(1);
  });

  it('keeps the newer of two writes whatever order their cache updates take', async () => {
    await store.put(memoryRecord({ id: 'r1', content: 'newer', version: versionAt(5) }));

    const late = await store.put(
      memoryRecord({ id: 'r1', content: 'older', version: versionAt(4) }),
    );

    expect(late.applied).toBe(false);
    expect((await store.get('agent-a', 'r1', T0))?.content).toBe('newer');
  });

  it('serves a key lookup from Redis', async () => {
    await store.put(memoryRecord({ id: 'r1', key: 'colour', value: 'blue' }));

    const found = await store.getByKey('agent-a', 'colour', T0);

    expect(found?.value).toBe('blue');
    expect(inner.keyGets).toBe(0);
  });

  it('follows a key that moved to another record', async () => {
    await store.put(memoryRecord({ id: 'r1', key: 'colour', version: versionAt(1) }));
    await store.getByKey('agent-a', 'colour', T0);
    await store.put(
      memoryRecord({ id: 'r1', key: 'colour', version: versionAt(2), deleted: true }),
    );

    await store.put(memoryRecord({ id: 'r2', key: 'colour', version: versionAt(3) }));

    expect((await store.getByKey('agent-a', 'colour', T0))?.id).toBe('r2');
  });

  it('leaves out a cached record once it expires', async () => {
    await store.put(memoryRecord({ id: 'r1', expiresAt: new Date(T0 + 1000).toISOString() }));

    expect(await store.get('agent-a', 'r1', T0 + 999)).not.toBeNull();
    expect(await store.get('agent-a', 'r1', T0 + 1000)).toBeNull();
    expect(inner.gets).toBe(0);
  });

  it('keeps agents apart in the cache', async () => {
    await store.put(memoryRecord({ id: 'r1', agentId: 'agent-a', key: 'k' }));

    expect(await store.get('agent-b', 'r1', T0)).toBeNull();
    expect(await store.getByKey('agent-b', 'k', T0)).toBeNull();
  });
});

describe.skipIf(isMissing(REDIS))(suiteTitle('CachedMemoryStore without Redis', REDIS), () => {
  let proxy: TcpProxy;
  let redis: TestRedis;
  let raw: RedisClient;
  let keyPrefix: string;
  let inner: CountingStore;
  let store: CachedMemoryStore;

  beforeAll(async () => {
    proxy = await startTcpProxy(Number(new URL(requireUrl(REDIS)).port));
    raw = createRedisClient({ url: requireUrl(REDIS) });
    await raw.connect();
    redis = testRedis(`redis://127.0.0.1:${proxy.port}`, {
      timeoutMs: 100,
      retries: 0,
      failureThreshold: 2,
      halfOpenAfterMs: 100,
    });
  });

  afterAll(async () => {
    await redis.gateway.close();
    await proxy.close();
    raw.destroy();
  });

  beforeEach(() => {
    proxy.setMode({ kind: 'pass' });
    keyPrefix = uniqueName('bypass');
    inner = new CountingStore(new SqliteMemoryStore(openDatabase(':memory:')));
    store = new CachedMemoryStore(inner, redis.gateway, 60, { keyPrefix });
  });

  afterEach(() => deleteKeys(requireUrl(REDIS), keyPrefix));

  it.each([
    ['unreachable', { kind: 'reset' } as const],
    ['slower than the timeout', { kind: 'delay', ms: 1000 } as const],
    ['hung', { kind: 'hang' } as const],
  ])('reads and writes through the store when Redis is %s', async (_name, mode) => {
    proxy.setMode(mode);

    await store.put(memoryRecord({ id: 'r1', key: 'k', content: 'stored' }));
    const byId = await store.get('agent-a', 'r1', T0);
    const byKey = await store.getByKey('agent-a', 'k', T0);

    expect(byId?.content).toBe('stored');
    expect(byKey?.content).toBe('stored');
    expect(inner.gets).toBe(1);
  });

  it('retries a failed cache update before it reads the cache again', async () => {
    await store.put(memoryRecord({ id: 'r1', content: 'old', version: versionAt(1) }));
    proxy.setMode({ kind: 'reset' });
    await store.put(memoryRecord({ id: 'r1', content: 'new', version: versionAt(2) }));
    proxy.setMode({ kind: 'pass' });
    const reads: (string | undefined)[] = [];

    await eventually(async () => {
      reads.push((await store.get('agent-a', 'r1', T0))?.content);
      expect((await raw.get(`${keyPrefix}:{agent-a}:id:r1`))?.startsWith(versionAt(2))).toBe(true);
    });

    expect(new Set(reads)).toEqual(new Set(['new']));
  });
});
