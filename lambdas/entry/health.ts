import { createHealthHandler } from '../handlers/health.js';
import { createApiEntry } from './api-entry.js';
import { createAwsParts } from './cloud-aws.js';
import { FUNCTION_NEEDS } from './functions.js';

/** Lambda handler of `/health`, `/circuit-breakers` and `/docs`. */
export const handler = createApiEntry(FUNCTION_NEEDS.health, createHealthHandler, {
  awsParts: createAwsParts,
});
