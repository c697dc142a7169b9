export { createAgentsHandler } from './agents.js';
export { createMemoryHandler } from './memory.js';
export { createSearchHandler } from './search.js';
export { createTasksHandler } from './tasks.js';
export { createFilesHandler } from './files.js';
export { createHealthHandler } from './health.js';
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
