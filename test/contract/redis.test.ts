import { afterAll, beforeAll, describe } from 'vitest';
import {
  CachedMemoryStore,
  createOpenSearchClient,
  deleteIndices,
  ensureIndices,
  OpenSearchGateway,
  OpenSearchMemoryStore,
  OpenSearchSearchIndex,
} from '../../lambdas/adapters/index.js';
import { openDatabase } from '../../local-fallback/storage/database.js';
import { SqliteMemoryStore } from '../../local-fallback/storage/index.js';
import { deleteKeys, testRedis, type TestRedis } from '../adapters/support/redis.js';
import {
  isMissing,
  OPENSEARCH,
  REDIS,
  requireUrl,
  suiteTitle,
  uniqueName,
} from '../adapters/support/services.js';
import { describeMemoryStoreContract } from './memory-store.contract.js';
import { describeSearchIndexContract } from './search-index.contract.js';

// The Redis cache in front of each store must keep the store's contract. Every test uses its
// own key prefix, deleted when the test ends.

describe.skipIf(isMissing(REDIS))(suiteTitle('Redis cache over SQLite', REDIS), () => {
  let redis: TestRedis;
  beforeAll(() => void (redis = testRedis(requireUrl(REDIS))));
  afterAll(() => redis.gateway.close());

  describeMemoryStoreContract('SQLite with Redis cache', async () => {
    const db = openDatabase(':memory:');
    const keyPrefix = uniqueName('cache');
    const store = new CachedMemoryStore(new SqliteMemoryStore(db), redis.gateway, 60, {
      keyPrefix,
    });
    const dispose = async () => {
      db.close();
      await deleteKeys(requireUrl(REDIS), keyPrefix);
    };
    return { store, dispose };
  });
});

describe.skipIf(isMissing(REDIS, OPENSEARCH))(
  suiteTitle('Redis cache over OpenSearch', REDIS, OPENSEARCH),
  () => {
    let redis: TestRedis;
    const client = createOpenSearchClient({
      node: isMissing(OPENSEARCH) ? 'http://127.0.0.1:9' : requireUrl(OPENSEARCH),
    });
    beforeAll(() => void (redis = testRedis(requireUrl(REDIS))));
    afterAll(async () => {
      await redis.gateway.close();
      await client.close();
    });

    async function cachedStore() {
      const prefix = uniqueName('cached');
      const names = await ensureIndices(client, { prefix, replicas: 0, refreshInterval: '100ms' });
      const gateway = new OpenSearchGateway({ client, names });
      const inner = new OpenSearchMemoryStore(gateway);
      const store = new CachedMemoryStore(inner, redis.gateway, 60, { keyPrefix: prefix });
      const dispose = async () => {
        await deleteIndices(client, prefix);
        await deleteKeys(requireUrl(REDIS), prefix);
      };
      return { gateway, store, dispose };
    }

    describeMemoryStoreContract('OpenSearch with Redis cache', async () => {
      const { store, dispose } = await cachedStore();
      return { store, dispose };
    });

    describeSearchIndexContract('OpenSearch with Redis cache', async () => {
      const { gateway, store, dispose } = await cachedStore();
      return { index: new OpenSearchSearchIndex(gateway), store, dispose };
    });
  },
);
