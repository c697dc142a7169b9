import { afterAll, describe } from 'vitest';
import {
  createOpenSearchClient,
  deleteIndices,
  ensureIndices,
  OpenSearchAgentRegistry,
  OpenSearchGateway,
  OpenSearchMemoryStore,
  OpenSearchSearchIndex,
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
});

function urlOf(): string {
  return isMissing(OPENSEARCH) ? 'http://127.0.0.1:9' : requireUrl(OPENSEARCH);
}
