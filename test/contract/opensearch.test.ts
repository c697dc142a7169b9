import { afterAll, beforeAll, describe } from 'vitest';
import {
  createOpenSearchClient,
  deleteIndices,
  ensureIndices,
  OpenSearchAgentRegistry,
  OpenSearchGateway,
  OpenSearchMemoryStore,
  OpenSearchSearchIndex,
  OpenSearchTaskStore,
} from '../../lambdas/adapters/index.js';
import {
  isMissing,
  OPENSEARCH,
  requireUrl,
  suiteTitle,
  uniqueName,
} from '../adapters/support/services.js';
import { describeAgentRegistryContract } from './agent-registry.contract.js';
import { describeMemoryStoreContract } from './memory-store.contract.js';
import { describeSearchIndexContract } from './search-index.contract.js';
import { describeTaskStoreContract } from './task-store.contract.js';
import { PURGE_HORIZON_STATE } from '../../lambdas/core/index.js';
import {
  cloudSuiteTitle,
  createCloudReplica,
  isCloudMissing,
  openCloudEngines,
  type CloudEngines,
} from '../replication/support/cloud-replica.js';
import { describeReplicaStoreContract } from './replica-store.contract.js';

// Each test gets its own indices under a unique prefix, deleted when the test ends. A short
// refresh interval keeps `refresh=wait_for` writes quick; the semantics are those of 1 s.

describe.skipIf(isMissing(OPENSEARCH))(suiteTitle('OpenSearch adapters', OPENSEARCH), () => {
  const client = createOpenSearchClient({ node: urlOf() });
  afterAll(() => client.close());

  async function freshGateway() {
    const prefix = uniqueName('contract');
    const names = await ensureIndices(client, { prefix, replicas: 0, refreshInterval: '100ms' });
    const gateway = new OpenSearchGateway({ client, names });
    return { gateway, dispose: () => deleteIndices(client, prefix) };
  }

  describeMemoryStoreContract('OpenSearch', async () => {
    const { gateway, dispose } = await freshGateway();
    return { store: new OpenSearchMemoryStore(gateway), dispose };
  });

  describeSearchIndexContract('OpenSearch', async () => {
    const { gateway, dispose } = await freshGateway();
    const index = new OpenSearchSearchIndex(gateway);
    return { index, store: new OpenSearchMemoryStore(gateway), dispose };
  });

  describeAgentRegistryContract('OpenSearch', async () => {
    const { gateway, dispose } = await freshGateway();
    return { registry: new OpenSearchAgentRegistry(gateway), dispose };
  });

  describeTaskStoreContract('OpenSearch', async () => {
    const { gateway, dispose } = await freshGateway();
    return { store: new OpenSearchTaskStore(gateway), dispose };
  });
});

function urlOf(): string {
  return isMissing(OPENSEARCH) ? 'http://127.0.0.1:9' : requireUrl(OPENSEARCH);
}

// The replica store of the cloud path keeps files in S3, so it needs moto as well. Tasks stay
// in an in-memory SQLite task store, as cloud-replica.ts explains.
describe.skipIf(isCloudMissing())(cloudSuiteTitle('OpenSearch change log'), () => {
  let engines: CloudEngines & { close(): Promise<void> };
  beforeAll(async () => void (engines = await openCloudEngines()));
  afterAll(() => engines?.close());

  describeReplicaStoreContract('OpenSearch with S3 files', async () => {
    const replica = await createCloudReplica(engines, 'node-o');
    return {
      store: replica.stores.replicaStore,
      memory: replica.stores.memoryStore,
      setPurgeHorizon: (horizon) => replica.changeLog.writeState(PURGE_HORIZON_STATE, horizon),
      dispose: replica.dispose,
    };
  });
});
