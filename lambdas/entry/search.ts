import { createSearchHandler } from '../handlers/search.js';
import { createApiEntry } from './api-entry.js';
import { FUNCTION_NEEDS } from './functions.js';

/** Lambda handler of `/api/v1/{agent}/search` and `/api/v1/{agent}/search/index`. */
export const handler = createApiEntry(FUNCTION_NEEDS.search, createSearchHandler);
