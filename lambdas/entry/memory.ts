import { createMemoryHandler } from '../handlers/memory.js';
import { createApiEntry } from './api-entry.js';
import { FUNCTION_NEEDS } from './functions.js';

/** Lambda handler of the memory routes under `/api/v1/{agent}/memory`. */
export const handler = createApiEntry(FUNCTION_NEEDS.memory, createMemoryHandler);
