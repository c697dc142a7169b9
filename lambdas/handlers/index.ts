export { createAgentsHandler } from './agents.js';
export { createMemoryHandler } from './memory.js';
export { createSearchHandler } from './search.js';
export { createTasksHandler } from './tasks.js';
export { createFilesHandler } from './files.js';
export { createHealthHandler } from './health.js';
export { createReplicationHandler, REPLICATION_REQUEST_LIMITS } from './replication.js';
export { changeToJson, feedEntryToJson } from './replication-json.js';
export {
  applyBodySchema,
  changesQuerySchema,
  changeWireSchema,
  MAX_APPLY_CHANGES,
  toChange,
} from './replication-wire.js';
export { ROUTES, routeKeyOf } from './routes.js';
export type { HandlerName, HttpMethod, RouteDefinition } from './routes.js';
export type { HandlerServices, BreakerReport } from './services.js';
export type { HttpHandler, RouteContext, PowertoolsUtilities } from './http/create-handler.js';
export type {
  HttpEvent,
  HttpResult,
  LambdaContext,
  RequestLimits,
  ServiceName,
} from './http/types.js';
export { DEFAULT_REQUEST_LIMITS } from './http/types.js';
export { PROBLEM_CONTENT_TYPE } from './http/problem.js';
export { constantTimeEqual } from './http/auth.js';
export { createHandlers } from './create-handlers.js';
