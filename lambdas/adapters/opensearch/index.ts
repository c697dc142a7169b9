export {
  createOpenSearchClient,
  type AwsCredentials,
  type OpenSearchClientConfig,
} from './client.js';
export {
  deleteIndices,
  ensureHealthIndex,
  ensureIndices,
  indexNames,
  type IndexNames,
  type OpenSearchIndexOptions,
} from './indices.js';
export { OpenSearchGateway, withinAgent, type OpenSearchAdapterOptions } from './gateway.js';
export { BulkItemsFailedError, isOpenSearchFailure } from './errors.js';
export { OpenSearchMemoryStore } from './memory-store.js';
export { OpenSearchSearchIndex } from './search-index.js';
export { OpenSearchAgentRegistry } from './agent-registry.js';
export { OpenSearchHealthProbe } from './health-probe.js';
export { OpenSearchChangeLog } from './change-log.js';
export { OpenSearchTaskStore } from './task-store.js';
export { metadataTerm, metadataTerms } from './records.js';
export { MAX_QUERY_TERMS, queryText } from './queries.js';
