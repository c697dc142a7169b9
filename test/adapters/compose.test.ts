import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCloudAdapters,
  createOpenSearchClient,
  deleteIndices,
  type CloudAdapters,
} from '../../lambdas/adapters/index.js';
import { memoryRecord, T0 } from '../contract/fixtures.js';
import { deleteKeys } from './support/redis.js';
import {
  isMissing,
  OPENSEARCH,
  REDIS,
  requireUrl,
  suiteTitle,
  uniqueName,
} from './support/services.js';

describe('createCloudAdapters', () => {
  it('opens no connection when it builds the adapters', async () => {
    let connections = 0;
    const server = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;

    const adapters = createCloudAdapters({
      openSearch: { node: `http://127.0.0.1:${port}` },
      redis: { url: `redis://127.0.0.1:${port}` },
    });
    await sleep(100);
    await adapters.close();
    server.close();

    expect(connections).toBe(0);
    expect(adapters.breakers().map((breaker) => breaker.state)).toEqual(['closed', 'closed']);
  });
});

describe.skipIf(isMissing(OPENSEARCH, REDIS))(
  suiteTitle('createCloudAdapters on the engines', OPENSEARCH, REDIS),
  () => {
    const prefix = uniqueName('compose');
    let adapters: CloudAdapters;

    beforeAll(async () => {
      adapters = createCloudAdapters({
        openSearch: { node: requireUrl(OPENSEARCH), indices: { prefix, replicas: 0 } },
        redis: { url: requireUrl(REDIS), keyPrefix: prefix },
        nodeId: 'compose-test',
      });
      await adapters.ensureIndices();
    });

    afterAll(async () => {
      await adapters.close();
      const client = createOpenSearchClient({ node: requireUrl(OPENSEARCH) });
      await deleteIndices(client, prefix);
      await client.close();
      await deleteKeys(requireUrl(REDIS), prefix);
    });

    it('stores and reads a memory record', async () => {
      const record = memoryRecord({ id: 'r1', content: 'composed' });

      await adapters.memoryStore.put(record);

      expect(await adapters.memoryStore.get('agent-a', 'r1', T0)).toEqual(record);
    });

    it('passes both health probes', async () => {
      const results = await Promise.all(adapters.probes.map((probe) => probe.check()));

      expect(results.map((result) => [result.name, result.status])).toEqual([
        ['opensearch', 'pass'],
        ['redis', 'pass'],
      ]);
    });

    it('lists the OpenSearch and Redis breakers', () => {
      expect(adapters.breakers().map((breaker) => breaker.name)).toEqual(['opensearch', 'redis']);
    });
  },
);
