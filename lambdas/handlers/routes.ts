/** Lambda functions of the HTTP API, one per resource. */
export type HandlerName =
  'agents' | 'memory' | 'search' | 'tasks' | 'files' | 'health' | 'replication';

/** HTTP methods the API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';

/** One route of the API: its method, path template and the function that serves it. */
export interface RouteDefinition {
  readonly method: HttpMethod;
  /** Path template in API Gateway syntax, such as `/api/v1/{agent}/memory/{id}`. */
  readonly path: string;
  readonly handler: HandlerName;
}

/**
 * Every public route. The edge server matches requests against this table and the CDK stack
 * creates the same routes in API Gateway, so the two paths cannot drift apart.
 */
export const ROUTES: readonly RouteDefinition[] = [
  { method: 'GET', path: '/health', handler: 'health' },
  { method: 'GET', path: '/circuit-breakers', handler: 'health' },
  { method: 'GET', path: '/docs', handler: 'health' },
  { method: 'POST', path: '/api/v1/agents', handler: 'agents' },
  { method: 'GET', path: '/api/v1/agents/{agent}', handler: 'agents' },
  { method: 'POST', path: '/api/v1/agents/{agent}/disable', handler: 'agents' },
  { method: 'POST', path: '/api/v1/agents/{agent}/enable', handler: 'agents' },
  { method: 'POST', path: '/api/v1/agents/{agent}/tokens', handler: 'agents' },
  { method: 'POST', path: '/api/v1/{agent}/memory', handler: 'memory' },
  { method: 'GET', path: '/api/v1/{agent}/memory', handler: 'memory' },
  { method: 'GET', path: '/api/v1/{agent}/memory/{id}', handler: 'memory' },
  { method: 'PUT', path: '/api/v1/{agent}/memory/{id}', handler: 'memory' },
  { method: 'DELETE', path: '/api/v1/{agent}/memory/{id}', handler: 'memory' },
  { method: 'GET', path: '/api/v1/{agent}/memory/keys/{key}', handler: 'memory' },
  { method: 'PUT', path: '/api/v1/{agent}/memory/keys/{key}', handler: 'memory' },
  { method: 'DELETE', path: '/api/v1/{agent}/memory/keys/{key}', handler: 'memory' },
  { method: 'POST', path: '/api/v1/{agent}/search', handler: 'search' },
  { method: 'POST', path: '/api/v1/{agent}/search/index', handler: 'search' },
  { method: 'POST', path: '/api/v1/{agent}/tasks', handler: 'tasks' },
  { method: 'GET', path: '/api/v1/{agent}/tasks', handler: 'tasks' },
  { method: 'GET', path: '/api/v1/{agent}/tasks/{id}', handler: 'tasks' },
  { method: 'POST', path: '/api/v1/{agent}/tasks/{id}/cancel', handler: 'tasks' },
  { method: 'GET', path: '/api/v1/{agent}/files', handler: 'files' },
  { method: 'PUT', path: '/api/v1/{agent}/files/{name}', handler: 'files' },
  { method: 'GET', path: '/api/v1/{agent}/files/{name}', handler: 'files' },
  { method: 'HEAD', path: '/api/v1/{agent}/files/{name}', handler: 'files' },
  { method: 'DELETE', path: '/api/v1/{agent}/files/{name}', handler: 'files' },
  { method: 'GET', path: '/internal/v1/changes', handler: 'replication' },
  { method: 'POST', path: '/internal/v1/apply', handler: 'replication' },
  { method: 'GET', path: '/internal/v1/replication/status', handler: 'replication' },
];

/** Returns the API Gateway route key of a route, such as `GET /health`. */
export function routeKeyOf(route: RouteDefinition): string {
  return `${route.method} ${route.path}`;
}
