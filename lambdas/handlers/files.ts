import { RequestValidationError } from '../core/errors.js';
import type { Agent, FileContent } from '../ports/index.js';
import { requireAgent } from './http/auth.js';
import {
  createHttpHandler,
  type HttpHandler,
  type RouteContext,
  type RouteHandler,
} from './http/create-handler.js';
import { binaryResponse, readRawBody } from './http/raw-body.js';
import { pathParam, queryOf, validate } from './http/request.js';
import { emptyResponse, jsonResponse } from './http/response.js';
import type { HttpEvent, HttpResult } from './http/types.js';
import {
  agentIdSchema,
  fileContentTypeSchema,
  fileListQuerySchema,
  fileNameSchema,
} from './schemas.js';
import type { HandlerServices } from './services.js';
import { etagOf, fileToJson } from './task-file-mappers.js';

/** Media type of a file uploaded without a `content-type` header. */
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * Builds the handler of the file routes under `/api/v1/{agent}/files`. Uploads and downloads
 * are raw bytes of any media type; only listings and write results are JSON.
 */
export function createFilesHandler(services: HandlerServices): HttpHandler {
  const { files, service } = services;

  /** Authenticates the caller as the agent named in the path, before anything else is read. */
  const authorize = async (event: HttpEvent, context: RouteContext): Promise<Agent> => {
    const agentId = pathParam(event, 'agent', agentIdSchema);
    const agent = await requireAgent(event, services.agents, agentId);
    context.logger.debug('Agent authenticated.', { agentId });
    return agent;
  };
  const download = async (event: HttpEvent, context: RouteContext): Promise<HttpResult> => {
    const agent = await authorize(event, context);
    const name = pathParam(event, 'name', fileNameSchema);
    return contentResponse(await files.get(agent.agentId, name));
  };

  const routes: Record<string, RouteHandler> = {
    'PUT /api/v1/{agent}/files/{name}': async (event, context) => {
      const agent = await authorize(event, context);
      return uploadFile(event, agent, services);
    },
    'GET /api/v1/{agent}/files/{name}': download,
    // HEAD responds as GET does, so content-length is the file's size. HTTP drops the body.
    'HEAD /api/v1/{agent}/files/{name}': download,
    'DELETE /api/v1/{agent}/files/{name}': async (event, context) => {
      const agent = await authorize(event, context);
      await files.delete(agent.agentId, pathParam(event, 'name', fileNameSchema));
      return emptyResponse(204);
    },
    'GET /api/v1/{agent}/files': async (event, context) => {
      const agent = await authorize(event, context);
      const query = validate(fileListQuerySchema, queryOf(event), 'query');
      const page = await files.list(agent.agentId, query.prefix, query.limit, query.cursor ?? null);
      const items = page.items.map(fileToJson);
      return jsonResponse(200, { files: items, next_cursor: page.nextCursor }, service);
    },
  };
  return createHttpHandler('files', routes, services);
}

/** Stores the request body as the file named in the path; 201 when created, 200 when replaced. */
async function uploadFile(
  event: HttpEvent,
  agent: Agent,
  services: HandlerServices,
): Promise<HttpResult> {
  const name = pathParam(event, 'name', fileNameSchema);
  const contentType = contentTypeOf(event);
  const content = readRawBody(event, services.files.maxFileBytes);
  const { file, created } = await services.files.put(agent.agentId, name, content, contentType);
  const headers = { etag: etagOf(file) };
  return jsonResponse(created ? 201 : 200, fileToJson(file), services.service, headers);
}

/**
 * Returns the media type of an upload.
 *
 * @throws {RequestValidationError} `invalid_content_type` when the header is not a media type.
 */
function contentTypeOf(event: HttpEvent): string {
  const contentType = event.headers['content-type'] ?? DEFAULT_CONTENT_TYPE;
  if (fileContentTypeSchema.safeParse(contentType).success) return contentType;
  throw new RequestValidationError(
    'invalid_content_type',
    'The content-type is not a media type.',
    {
      field: 'header.content-type',
      hint: 'Send a media type such as "text/plain; charset=utf-8", or omit the header.',
    },
  );
}

/** Encodes a name for `filename*` (RFC 8187), which also excludes ' ( ) and *. */
function encodeFilename(name: string): string {
  return encodeURIComponent(name).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function contentResponse({ file, content }: FileContent): HttpResult {
  return binaryResponse(200, content, {
    'content-type': file.contentType,
    etag: etagOf(file),
    'last-modified': new Date(file.updatedAt).toUTCString(),
    'x-happy-version': file.version,
    // Stored content is the agent's, not the service's: browsers must not run or sniff it.
    'content-disposition': `attachment; filename*=UTF-8''${encodeFilename(file.name)}`,
    'x-content-type-options': 'nosniff',
    'content-security-policy': "sandbox; default-src 'none'",
    'cache-control': 'private, no-cache',
  });
}
