import { createAgentsHandler } from '../handlers/agents.js';
import { createApiEntry } from './api-entry.js';
import { FUNCTION_NEEDS } from './functions.js';

/** Lambda handler of the agent routes under `/api/v1/agents`. */
export const handler = createApiEntry(FUNCTION_NEEDS.agents, createAgentsHandler);
