export { createEdgeServer, listen, closeServer } from './server.js';
export { API_GATEWAY_MAX_BODY_BYTES } from './options.js';
export type { EdgeHandler, EdgeServerOptions } from './types.js';
export {
  buildHttpEvent,
  formatRequestTime,
  isTextualContentType,
  parseQueryString,
} from './event.js';
export { createLambdaContext } from './context.js';
export { createRouteMatcher, parseRequestTarget, MAX_PATH_LENGTH } from './routes.js';
export type { RouteMatch, RouteMatcher, RequestTarget } from './routes.js';
export { toOutgoingResponse, writeResponse, serverProblem } from './response.js';
export type { OutgoingResponse } from './response.js';
export {
  EdgeServerOptionsError,
  HandlerTimeoutError,
  InvalidHandlerResultError,
  MethodNotAllowedError,
  PathTooLongError,
} from './errors.js';
