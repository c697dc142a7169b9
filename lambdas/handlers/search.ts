import { requireAgent } from './http/auth.js';
import { createHttpHandler, type HttpHandler, type RouteHandler } from './http/create-handler.js';
import { pathParam, readJsonBody, validate } from './http/request.js';
import { jsonResponse } from './http/response.js';
import type { HttpEvent } from './http/types.js';
import { documentToJson, hitToJson } from './mappers.js';
import { agentIdSchema, indexBodySchema, searchBodySchema } from './schemas.js';
import type { HandlerServices } from './services.js';

/** Builds the handler of `/api/v1/{agent}/search` and `/api/v1/{agent}/search/index`. */
export function createSearchHandler(services: HandlerServices): HttpHandler {
  const { search, service } = services;
  const authorize = (event: HttpEvent) =>
    requireAgent(event, services.agents, pathParam(event, 'agent', agentIdSchema));

  const routes: Record<string, RouteHandler> = {
    'POST /api/v1/{agent}/search': async (event) => {
      const agent = await authorize(event);
      const body = validate(searchBodySchema, readJsonBody(event, services.limits), 'body');
      const hits = await search.search(agent.agentId, {
        text: body.query,
        userId: body.user_id,
        sessionId: body.session_id,
        metadata: body.metadata,
        createdFrom: body.from && new Date(body.from).toISOString(),
        createdTo: body.to && new Date(body.to).toISOString(),
        limit: body.limit,
        highlight: body.highlight,
      });
      return jsonResponse(200, { results: hits.map(hitToJson) }, service);
    },
    'POST /api/v1/{agent}/search/index': async (event) => {
      const agent = await authorize(event);
      const body = validate(indexBodySchema, readJsonBody(event, services.limits), 'body');
      const inputs = body.documents.map((document) => ({
        id: document.id,
        content: document.content,
        userId: document.user_id,
        sessionId: document.session_id,
        metadata: document.metadata,
      }));
      const documents = await search.indexDocuments(agent.agentId, inputs);
      return jsonResponse(201, { documents: documents.map(documentToJson) }, service);
    },
  };
  return createHttpHandler('search', routes, services);
}
