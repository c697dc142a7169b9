import { createReplicationHandler } from '../handlers/replication.js';
import { createApiEntry } from './api-entry.js';
import { createAwsParts } from './cloud-aws.js';
import { FUNCTION_NEEDS } from './functions.js';

/** Lambda handler of the replication routes under `/internal/v1/`. */
export const handler = createApiEntry(FUNCTION_NEEDS.replication, createReplicationHandler, {
  awsParts: createAwsParts,
});
