import * as z from 'zod';
import { applyBodySchema, changesQuerySchema } from './replication-wire.js';
import { ROUTES, routeKeyOf } from './routes.js';
import {
  createAgentBodySchema,
  fileListQuerySchema,
  indexBodySchema,
  memoryBodySchema,
  memoryListQuerySchema,
  searchBodySchema,
  taskListQuerySchema,
  taskSubmitBodySchema,
} from './schemas.js';

/** Credential a route requires. */
type Access = 'public' | 'admin' | 'agent' | 'admin or agent' | 'replication';

interface RouteDoc {
  readonly summary: string;
  readonly access: Access;
  readonly body?: z.ZodType;
  readonly query?: z.ZodObject;
  /** True when the request body is raw bytes of any media type rather than JSON. */
  readonly rawBody?: boolean;
  readonly success: number;
}

const DOCS: Record<string, RouteDoc> = {
  'GET /health': {
    summary: 'Check the store with a real write and read',
    access: 'public',
    success: 200,
  },
  'GET /circuit-breakers': {
    summary: 'List the circuit breakers of this node',
    access: 'public',
    success: 200,
  },
  'GET /docs': { summary: 'This OpenAPI document', access: 'public', success: 200 },
  'POST /api/v1/agents': {
    summary: 'Create an agent and its first token',
    access: 'admin',
    body: createAgentBodySchema,
    success: 201,
  },
  'GET /api/v1/agents/{agent}': { summary: 'Get an agent', access: 'admin or agent', success: 200 },
  'POST /api/v1/agents/{agent}/disable': {
    summary: 'Disable an agent; its tokens stop working',
    access: 'admin',
    success: 200,
  },
  'POST /api/v1/agents/{agent}/enable': {
    summary: 'Enable a disabled agent',
    access: 'admin',
    success: 200,
  },
  'POST /api/v1/agents/{agent}/tokens': {
    summary: 'Issue another token for an agent',
    access: 'admin',
    success: 201,
  },
  'POST /api/v1/{agent}/memory': {
    summary: 'Add a memory record; a key replaces the record with that key',
    access: 'agent',
    body: memoryBodySchema,
    success: 201,
  },
  'GET /api/v1/{agent}/memory': {
    summary: 'List memory records with cursor pagination',
    access: 'agent',
    query: memoryListQuerySchema,
    success: 200,
  },
  'GET /api/v1/{agent}/memory/{id}': {
    summary: 'Get a memory record by id',
    access: 'agent',
    success: 200,
  },
  'PUT /api/v1/{agent}/memory/{id}': {
    summary: 'Create or replace a memory record by id',
    access: 'agent',
    body: memoryBodySchema,
    success: 200,
  },
  'DELETE /api/v1/{agent}/memory/{id}': {
    summary: 'Delete a memory record by id',
    access: 'agent',
    success: 204,
  },
  'GET /api/v1/{agent}/memory/keys/{key}': {
    summary: 'Get a memory record by key',
    access: 'agent',
    success: 200,
  },
  'PUT /api/v1/{agent}/memory/keys/{key}': {
    summary: 'Create or replace a memory record by key',
    access: 'agent',
    body: memoryBodySchema,
    success: 200,
  },
  'DELETE /api/v1/{agent}/memory/keys/{key}': {
    summary: 'Delete a memory record by key',
    access: 'agent',
    success: 204,
  },
  'POST /api/v1/{agent}/search': {
    summary: 'Full-text search ranked by BM25',
    access: 'agent',
    body: searchBodySchema,
    success: 200,
  },
  'POST /api/v1/{agent}/search/index': {
    summary: 'Add plain documents to the search index',
    access: 'agent',
    body: indexBodySchema,
    success: 201,
  },
  'POST /api/v1/{agent}/tasks': {
    summary:
      'Submit a task (echo, http or memory.export); a repeated idempotency key, in the body or ' +
      'the Idempotency-Key header, returns the first task; 429 when the agent has too many tasks',
    access: 'agent',
    body: taskSubmitBodySchema,
    success: 202,
  },
  'GET /api/v1/{agent}/tasks': {
    summary: 'List tasks, optionally of one status, with cursor pagination',
    access: 'agent',
    query: taskListQuerySchema,
    success: 200,
  },
  'GET /api/v1/{agent}/tasks/{id}': { summary: 'Get a task', access: 'agent', success: 200 },
  'POST /api/v1/{agent}/tasks/{id}/cancel': {
    summary: 'Cancel a task: 200 when cancelled, 202 while a running attempt is being stopped',
    access: 'agent',
    success: 200,
  },
  'GET /api/v1/{agent}/files': {
    summary: 'List files by name, optionally with a prefix, with cursor pagination',
    access: 'agent',
    query: fileListQuerySchema,
    success: 200,
  },
  'PUT /api/v1/{agent}/files/{name}': {
    summary: 'Create or replace a file; the body is the content, of any media type',
    access: 'agent',
    rawBody: true,
    success: 201,
  },
  'GET /api/v1/{agent}/files/{name}': {
    summary: 'Download a file, with its content type and an ETag of its SHA-256',
    access: 'agent',
    success: 200,
  },
  'HEAD /api/v1/{agent}/files/{name}': {
    summary: 'Get the headers of a file download',
    access: 'agent',
    success: 200,
  },
  'DELETE /api/v1/{agent}/files/{name}': {
    summary: 'Delete a file',
    access: 'agent',
    success: 204,
  },
  'GET /internal/v1/changes': {
    summary:
      "Read the change feed after a cursor; `node` leaves out the caller's own changes and " +
      'records its position',
    access: 'replication',
    query: changesQuerySchema,
    success: 200,
  },
  'POST /internal/v1/apply': {
    summary: 'Apply a batch of changes last-writer-wins; returns applied or ignored per change',
    access: 'replication',
    body: applyBodySchema,
    success: 200,
  },
  'GET /internal/v1/replication/status': {
    summary: 'Outbox size, drained cursor and replication loops of this node',
    access: 'replication',
    success: 200,
  },
};

/** Builds the OpenAPI 3.1 document of the API from the route table and the request schemas. */
export function buildOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const doc = DOCS[routeKeyOf(route)];
    if (!doc) continue;
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(route.path, doc);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Happy OS API',
      version: '1',
      description:
        'Memory, search, tasks, files and identity for AI agents. Errors are application/problem+json ' +
        '(RFC 9457) with a stable `code`, the `field` at fault and a `hint`.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    paths,
  };
}

function operation(path: string, doc: RouteDoc): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = [...path.matchAll(/\{(\w+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  for (const [name, schema] of Object.entries(doc.query?.shape ?? {})) {
    parameters.push({
      name,
      in: 'query',
      required: false,
      schema: jsonSchema(schema as z.ZodType),
    });
  }

  const result: Record<string, unknown> = {
    summary: doc.summary,
    description: `Access: ${doc.access}.`,
    parameters,
    responses: {
      [doc.success]: { description: 'Success' },
      '4XX': { description: 'Invalid request', content: { 'application/problem+json': {} } },
    },
  };
  if (doc.access !== 'public') result.security = [{ bearer: [] }];
  const requestBody = requestBodyOf(doc);
  if (requestBody) result.requestBody = requestBody;
  return result;
}

function requestBodyOf(doc: RouteDoc): Record<string, unknown> | undefined {
  if (doc.rawBody) {
    const schema = { type: 'string', contentMediaType: 'application/octet-stream' };
    return { required: true, content: { '*/*': { schema } } };
  }
  if (!doc.body) return undefined;
  return { required: true, content: { 'application/json': { schema: jsonSchema(doc.body) } } };
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
}
