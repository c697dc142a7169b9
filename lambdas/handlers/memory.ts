import type * as z from 'zod';
import type { MemoryInput } from '../core/memory.js';
import type { Agent } from '../ports/index.js';
import { requireAgent } from './http/auth.js';
import {
  createHttpHandler,
  type HttpHandler,
  type RouteContext,
  type RouteHandler,
} from './http/create-handler.js';
import {
  idempotencyKeyHeader,
  pathParam,
  queryOf,
  readJsonBody,
  validate,
} from './http/request.js';
import { emptyResponse, jsonResponse } from './http/response.js';
import type { HttpEvent } from './http/types.js';
import { memoryToJson } from './mappers.js';
import {
  agentIdSchema,
  keySchema,
  memoryBodySchema,
  memoryListQuerySchema,
  recordIdSchema,
} from './schemas.js';
import type { HandlerServices } from './services.js';

type MemoryBody = z.output<typeof memoryBodySchema>;

/** Builds the handler of the memory routes under `/api/v1/{agent}/memory`. */
export function createMemoryHandler(services: HandlerServices): HttpHandler {
  const { memory, service } = services;

  /** Authenticates the caller as the agent named in the path, before anything else is read. */
  const authorize = async (event: HttpEvent, context: RouteContext): Promise<Agent> => {
    const agentId = pathParam(event, 'agent', agentIdSchema);
    const agent = await requireAgent(event, services.agents, agentId);
    context.logger.debug('Agent authenticated.', { agentId });
    return agent;
  };
  const body = (event: HttpEvent): MemoryBody =>
    validate(memoryBodySchema, readJsonBody(event, services.limits), 'body');
  const written = (result: { record: Parameters<typeof memoryToJson>[0]; created: boolean }) =>
    jsonResponse(result.created ? 201 : 200, memoryToJson(result.record), service);

  const routes: Record<string, RouteHandler> = {
    'POST /api/v1/{agent}/memory': async (event, context) => {
      const agent = await authorize(event, context);
      // With an Idempotency-Key the id is derived from it, so a retry of this request on the
      // other node (the router's in-call failover) writes the same record there.
      const result = await memory.add(
        agent.agentId,
        agent.quotas.maxMemoryRecords,
        toInput(body(event)),
        idempotencyKeyHeader(event),
      );
      // The original demo expects 201 for every add, also when a key replaced a record.
      return jsonResponse(201, memoryToJson(result.record), service);
    },
    'GET /api/v1/{agent}/memory': async (event, context) => {
      const agent = await authorize(event, context);
      const query = validate(memoryListQuerySchema, queryOf(event), 'query');
      const filter = {
        userId: query.user_id,
        sessionId: query.session_id,
        keyPrefix: query.prefix,
      };
      const page = await memory.list(agent.agentId, filter, query.limit, query.cursor ?? null);
      const records = page.items.map(memoryToJson);
      return jsonResponse(200, { records, next_cursor: page.nextCursor }, service);
    },
    'GET /api/v1/{agent}/memory/{id}': async (event, context) => {
      const agent = await authorize(event, context);
      const record = await memory.get(agent.agentId, pathParam(event, 'id', recordIdSchema));
      return jsonResponse(200, memoryToJson(record), service);
    },
    'PUT /api/v1/{agent}/memory/{id}': async (event, context) => {
      const agent = await authorize(event, context);
      const id = pathParam(event, 'id', recordIdSchema);
      const input = toInput(body(event));
      return written(await memory.putById(agent.agentId, id, agent.quotas.maxMemoryRecords, input));
    },
    'DELETE /api/v1/{agent}/memory/{id}': async (event, context) => {
      const agent = await authorize(event, context);
      await memory.delete(agent.agentId, pathParam(event, 'id', recordIdSchema));
      return emptyResponse(204);
    },
    'GET /api/v1/{agent}/memory/keys/{key}': async (event, context) => {
      const agent = await authorize(event, context);
      const record = await memory.getByKey(agent.agentId, pathParam(event, 'key', keySchema));
      return jsonResponse(200, memoryToJson(record), service);
    },
    'PUT /api/v1/{agent}/memory/keys/{key}': async (event, context) => {
      const agent = await authorize(event, context);
      const key = pathParam(event, 'key', keySchema);
      const input = toInput(body(event));
      return written(
        await memory.putByKey(agent.agentId, key, agent.quotas.maxMemoryRecords, input),
      );
    },
    'DELETE /api/v1/{agent}/memory/keys/{key}': async (event, context) => {
      const agent = await authorize(event, context);
      await memory.deleteByKey(agent.agentId, pathParam(event, 'key', keySchema));
      return emptyResponse(204);
    },
  };
  return createHttpHandler('memory', routes, services);
}

function toInput(body: MemoryBody): MemoryInput {
  return {
    userId: body.user_id,
    sessionId: body.session_id,
    key: body.key,
    content: body.content ?? body.context,
    value: body.value,
    metadata: body.metadata,
    ttlSeconds: body.ttl_seconds,
  };
}
