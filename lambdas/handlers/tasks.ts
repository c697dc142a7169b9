import { IdempotencyKeyReusedError } from '../core/task-errors.js';
import { RequestValidationError } from '../core/errors.js';
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
import { jsonResponse } from './http/response.js';
import type { HttpEvent, HttpResult } from './http/types.js';
import {
  agentIdSchema,
  recordIdSchema,
  taskListQuerySchema,
  taskSubmitBodySchema,
} from './schemas.js';
import type { HandlerServices } from './services.js';
import { taskToJson } from './task-file-mappers.js';

/** Builds the handler of the task routes under `/api/v1/{agent}/tasks`. */
export function createTasksHandler(services: HandlerServices): HttpHandler {
  const { tasks, service } = services;

  /** Authenticates the caller as the agent named in the path, before anything else is read. */
  const authorize = async (event: HttpEvent, context: RouteContext): Promise<Agent> => {
    const agentId = pathParam(event, 'agent', agentIdSchema);
    const agent = await requireAgent(event, services.agents, agentId);
    context.logger.debug('Agent authenticated.', { agentId });
    return agent;
  };

  const routes: Record<string, RouteHandler> = {
    'POST /api/v1/{agent}/tasks': async (event, context) => {
      const agent = await authorize(event, context);
      return submitTask(event, context, agent, services);
    },
    'GET /api/v1/{agent}/tasks': async (event, context) => {
      const agent = await authorize(event, context);
      const query = validate(taskListQuerySchema, queryOf(event), 'query');
      const page = await tasks.list(agent.agentId, query.status, query.limit, query.cursor ?? null);
      const items = page.items.map(taskToJson);
      return jsonResponse(200, { tasks: items, next_cursor: page.nextCursor }, service);
    },
    'GET /api/v1/{agent}/tasks/{id}': async (event, context) => {
      const agent = await authorize(event, context);
      const task = await tasks.get(agent.agentId, pathParam(event, 'id', recordIdSchema));
      return jsonResponse(200, taskToJson(task), service);
    },
    'POST /api/v1/{agent}/tasks/{id}/cancel': async (event, context) => {
      const agent = await authorize(event, context);
      const task = await tasks.cancel(agent.agentId, pathParam(event, 'id', recordIdSchema));
      // 202 while the worker is still stopping a running attempt.
      return jsonResponse(task.status === 'cancelled' ? 200 : 202, taskToJson(task), service);
    },
  };
  return createHttpHandler('tasks', routes, services);
}

/** Submits the task of the request body for `agent` and responds 202 with it. */
async function submitTask(
  event: HttpEvent,
  context: RouteContext,
  agent: Agent,
  services: HandlerServices,
): Promise<HttpResult> {
  const body = validate(taskSubmitBodySchema, readJsonBody(event, services.limits), 'body');
  const submission = services.tasks.submit(agent.agentId, {
    type: body.type,
    input: body.input,
    idempotencyKey: idempotencyKeyOf(event, body.idempotency_key),
    runAtMs: body.run_at === undefined ? undefined : Date.parse(body.run_at),
    maxAttempts: body.max_attempts,
  });
  const { task, created } = await submission.catch((error: unknown) => {
    // The core cannot know where the key came from; name the header when only it carried one.
    if (error instanceof IdempotencyKeyReusedError && body.idempotency_key === undefined) {
      throw new IdempotencyKeyReusedError(error.key, error.taskId, 'header.idempotency-key');
    }
    throw error;
  });
  if (created) {
    context.logger.info('Task submitted.', {
      agentId: agent.agentId,
      taskId: task.id,
      type: task.type,
    });
  }
  const headers: Record<string, string> = {
    location: `/api/v1/${agent.agentId}/tasks/${task.id}`,
  };
  if (!created) headers['idempotent-replayed'] = 'true';
  return jsonResponse(202, taskToJson(task), services.service, headers);
}

/**
 * Returns the idempotency key of a submission: the `Idempotency-Key` header (a bare token or a
 * quoted string) or the body's `idempotency_key`, which must agree when both are given.
 *
 * @throws {RequestValidationError} `invalid_idempotency_key` or `idempotency_key_mismatch`.
 */
function idempotencyKeyOf(event: HttpEvent, bodyKey: string | undefined): string | undefined {
  const unquoted = idempotencyKeyHeader(event);
  if (unquoted === undefined) return bodyKey;

  if (bodyKey !== undefined && bodyKey !== unquoted) {
    throw new RequestValidationError(
      'idempotency_key_mismatch',
      'The Idempotency-Key header and the body field idempotency_key differ.',
      { field: 'body.idempotency_key', hint: 'Send the key once, or the same key in both.' },
    );
  }
  return unquoted;
}
