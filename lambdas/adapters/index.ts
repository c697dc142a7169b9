export { fromPowertoolsLogger } from './powertools-logger.js';
export { AdapterConfigError } from './errors.js';
export * from './resilience/index.js';
export * from './opensearch/index.js';
export * from './redis/index.js';
export { createCloudAdapters, type CloudAdapters, type CloudAdaptersConfig } from './compose.js';
export * from './sqs/index.js';
export * from './s3/index.js';
