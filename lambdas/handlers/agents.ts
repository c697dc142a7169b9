import { ResourceNotFoundError } from '../core/errors.js';
import { constantTimeEqual, requireAdmin, bearerToken } from './http/auth.js';
import { createHttpHandler, type HttpHandler, type RouteHandler } from './http/create-handler.js';
import { pathParam, readJsonBody, validate } from './http/request.js';
import { jsonResponse } from './http/response.js';
import type { HttpEvent } from './http/types.js';
import { agentToJson } from './mappers.js';
import { agentIdSchema, createAgentBodySchema } from './schemas.js';
import type { HandlerServices } from './services.js';

/** Builds the handler of the agent routes under `/api/v1/agents`. */
export function createAgentsHandler(services: HandlerServices): HttpHandler {
  const { agents, service } = services;

  const statusRoute =
    (status: 'active' | 'disabled'): RouteHandler =>
    async (event) => {
      requireAdmin(event, services.adminToken);
      const agent = await agents.setStatus(pathParam(event, 'agent', agentIdSchema), status);
      return jsonResponse(200, agentToJson(agent), service);
    };

  const routes: Record<string, RouteHandler> = {
    'POST /api/v1/agents': async (event, context) => {
      requireAdmin(event, services.adminToken);
      const body = validate(createAgentBodySchema, readJsonBody(event, services.limits), 'body');
      const quotas = body.quotas && { maxMemoryRecords: body.quotas.max_memory_records };
      const created = await agents.create(body.agent_id, body.name, quotas);
      context.logger.info('Agent created.', { agentId: body.agent_id });
      return jsonResponse(201, { ...agentToJson(created.agent), token: created.token }, service);
    },
    'GET /api/v1/agents/{agent}': async (event) => {
      const agentId = pathParam(event, 'agent', agentIdSchema);
      await requireAdminOrSelf(event, services, agentId);
      return jsonResponse(200, agentToJson(await agents.get(agentId)), service);
    },
    'POST /api/v1/agents/{agent}/disable': statusRoute('disabled'),
    'POST /api/v1/agents/{agent}/enable': statusRoute('active'),
    'POST /api/v1/agents/{agent}/tokens': async (event) => {
      requireAdmin(event, services.adminToken);
      const agentId = pathParam(event, 'agent', agentIdSchema);
      const token = await agents.issueToken(agentId);
      return jsonResponse(201, { agent_id: agentId, token }, service);
    },
  };
  return createHttpHandler('agents', routes, services);
}

/**
 * Lets the admin read any agent and an agent read itself. Another agent's token gets the same
 * 404 as a missing agent, so it learns nothing about which agents exist.
 */
async function requireAdminOrSelf(
  event: HttpEvent,
  services: HandlerServices,
  agentId: string,
): Promise<void> {
  const token = bearerToken(event);
  if (constantTimeEqual(token, services.adminToken)) return;

  const caller = await services.agents.authenticate(token);
  if (caller.agentId !== agentId) {
    throw new ResourceNotFoundError(
      'agent_not_found',
      `Agent "${agentId}" was not found, or this token cannot see it.`,
      {
        field: 'path.agent',
      },
    );
  }
}
