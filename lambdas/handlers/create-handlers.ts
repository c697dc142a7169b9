import { createAgentsHandler } from './agents.js';
import { createFilesHandler } from './files.js';
import { createHealthHandler } from './health.js';
import { createMemoryHandler } from './memory.js';
import { createReplicationHandler } from './replication.js';
import { createSearchHandler } from './search.js';
import { createTasksHandler } from './tasks.js';
import type { HandlerName } from './routes.js';
import type { HandlerServices } from './services.js';
import type { HttpHandler } from './http/create-handler.js';

/** Builds every handler of the API from one set of services. */
export function createHandlers(services: HandlerServices): Record<HandlerName, HttpHandler> {
  return {
    agents: createAgentsHandler(services),
    memory: createMemoryHandler(services),
    search: createSearchHandler(services),
    tasks: createTasksHandler(services),
    files: createFilesHandler(services),
    health: createHealthHandler(services),
    replication: createReplicationHandler(services),
  };
}
