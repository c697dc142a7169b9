import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MIMEType } from 'node:util';

import type { z } from 'zod';

import type { RouterEvents } from './events.js';
import { type FaultInjector, faultRequestSchema } from './faults.js';
import { type Problem, sendJson, sendProblem } from './problem.js';
import type { RouterStatus } from './status.js';
import type { RouterEvent } from './types.js';

/** Largest body accepted by `POST /router/faults`. */
const MAX_ADMIN_BODY_BYTES = 16 * 1024;

// A comment line keeps idle event streams open through proxies that drop silent connections.
const SSE_HEARTBEAT_MS = 15_000;

/** State and services used by the admin API. */
export interface AdminContext {
  /** Bearer token of the admin API; without one, every admin request gets 403. */
  readonly adminToken: string | undefined;
  readonly faults: FaultInjector;
  readonly events: RouterEvents;
  status(): RouterStatus;
}

/**
 * Compares a bearer token with the expected one in constant time. Both are hashed first, so
 * the comparison time depends on neither length nor content.
 */
export function isAuthorized(header: string | undefined, expected: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  const presentedDigest = createHash('sha256')
    .update(match?.[1] ?? '')
    .digest();
  const expectedDigest = createHash('sha256').update(expected).digest();
  return timingSafeEqual(presentedDigest, expectedDigest) && match !== null;
}

/**
 * Handles a request under `/router/`: status, the event stream and fault injection. Every one
 * needs the admin token.
 */
export async function handleAdmin(
  context: AdminContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  if (rejectUnauthorized(context, req, res)) {
    return;
  }

  const method = req.method ?? 'GET';
  if (path === '/router/status') {
    return allow(res, method, ['GET'], () => sendJson(res, 200, context.status()));
  }
  if (path === '/router/events') {
    return allow(res, method, ['GET'], () => streamEvents(context, req, res));
  }
  if (path === '/router/faults') {
    return allow(res, method, ['GET', 'POST'], () =>
      method === 'GET'
        ? sendJson(res, 200, { faults: context.faults.list(), service: 'router' })
        : addFault(context, req, res),
    );
  }
  const faultId = /^\/router\/faults\/([^/]+)$/.exec(path)?.[1];
  if (faultId !== undefined) {
    const id = decodeURIComponent(faultId);
    return allow(res, method, ['DELETE'], () => removeFault(context, res, id));
  }
  const detail = `No admin resource at ${path}; see /router/status, /router/events, /router/faults.`;
  sendProblem(res, { status: 404, code: 'not_found', title: 'Not found', detail });
}

// Writes 403 or 401 and returns true when the request may not use the admin API.
function rejectUnauthorized(
  context: AdminContext,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  if (context.adminToken === undefined) {
    const detail =
      'The admin API is disabled because no admin token is configured; set HAPPY_ADMIN_TOKEN.';
    sendProblem(res, { status: 403, code: 'admin_disabled', title: 'Admin API disabled', detail });
    return true;
  }
  if (!isAuthorized(req.headers.authorization, context.adminToken)) {
    const detail = 'Send the admin token as "Authorization: Bearer <token>".';
    const headers = { 'www-authenticate': 'Bearer realm="happy-router"' };
    sendProblem(res, { status: 401, code: 'unauthorized', title: 'Unauthorized', detail }, headers);
    return true;
  }
  return false;
}

async function allow(
  res: ServerResponse,
  method: string,
  methods: readonly string[],
  handle: () => void | Promise<void>,
): Promise<void> {
  if (methods.includes(method)) {
    return handle();
  }
  const detail = `Method ${method} is not allowed here; use ${methods.join(' or ')}.`;
  sendProblem(
    res,
    { status: 405, code: 'method_not_allowed', title: 'Method not allowed', detail },
    {
      allow: methods.join(', '),
    },
  );
}

async function addFault(
  context: AdminContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const mediaTypeProblem = checkJsonMediaType(req.headers['content-type']);
  if (mediaTypeProblem !== undefined) {
    sendProblem(res, mediaTypeProblem);
    req.resume();
    return;
  }

  const json = await readJson(req);
  if (!json.ok) {
    // After a 413 the rest of the body is unread, so the connection cannot carry a next request.
    const headers: Record<string, string> =
      json.problem.status === 413 ? { connection: 'close' } : {};
    sendProblem(res, json.problem, headers);
    req.resume();
    return;
  }

  const parsed = faultRequestSchema.safeParse(json.value);
  if (!parsed.success) {
    sendInvalidFault(res, parsed.error);
    return;
  }

  const fault = context.faults.add(parsed.data);
  res.setHeader('location', `/router/faults/${fault.id}`);
  sendJson(res, 201, { ...fault, service: 'router' });
}

function sendInvalidFault(res: ServerResponse, error: z.ZodError): void {
  const errors = error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: key, message: 'is not a known field' }))
      : [{ field: issue.path.length > 0 ? issue.path.join('.') : null, message: issue.message }],
  );
  const listed = errors.map((entry) => `${entry.field ?? 'body'}: ${entry.message}`).join('; ');
  sendProblem(res, {
    status: 400,
    code: 'invalid_request',
    title: 'Invalid fault',
    detail: `The fault request is invalid: ${listed}. Fix these fields and send it again.`,
    errors,
  });
}

function removeFault(context: AdminContext, res: ServerResponse, id: string): void {
  if (!context.faults.remove(id)) {
    const detail = `No active fault has id ${id}; list active faults with GET /router/faults.`;
    sendProblem(res, { status: 404, code: 'not_found', title: 'Fault not found', detail });
    return;
  }
  res.writeHead(204).end();
}

// Returns the 415 problem unless the content-type is application/json. A charset other than
// UTF-8 is rejected too, because the body is decoded as UTF-8.
function checkJsonMediaType(contentType: string | undefined): Problem | undefined {
  let mediaType: MIMEType | undefined;
  try {
    mediaType = contentType === undefined ? undefined : new MIMEType(contentType);
  } catch {
    mediaType = undefined;
  }
  const charset = mediaType?.params.get('charset')?.toLowerCase();
  const isJson = mediaType?.essence === 'application/json';
  if (isJson && (charset === undefined || charset === 'utf-8')) {
    return undefined;
  }

  const received =
    contentType === undefined ? 'no content-type' : `content-type ${contentType.slice(0, 100)}`;
  return {
    status: 415,
    code: 'unsupported_media_type',
    title: 'Unsupported media type',
    detail: `A fault must be sent as JSON, but the request has ${received}.`,
    hint: 'Send the body with "content-type: application/json" (charset utf-8 if any).',
  };
}

type JsonBody = { ok: true; value: unknown } | { ok: false; problem: Problem };

// Stops reading at the size limit without destroying the request, so the 413 still reaches
// the client. The caller drains the rest of the body.
async function readJson(req: IncomingMessage): Promise<JsonBody> {
  const declared = Number(req.headers['content-length']);
  const body =
    declared > MAX_ADMIN_BODY_BYTES ? undefined : await readCapped(req, MAX_ADMIN_BODY_BYTES);
  if (body === undefined) {
    const detail = `The body exceeds ${MAX_ADMIN_BODY_BYTES} bytes; a fault needs far less.`;
    const problem: Problem = {
      status: 413,
      code: 'payload_too_large',
      title: 'Payload too large',
      detail,
    };
    return { ok: false, problem };
  }

  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const detail = `The body is not valid JSON (${message}); send a JSON object.`;
    return {
      ok: false,
      problem: { status: 400, code: 'invalid_request', title: 'Invalid request', detail },
    };
  }
}

// Resolves with the whole body, or undefined as soon as it grows past maxBytes. Rejects when
// the client goes away first.
function readCapped(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      req.pause();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > maxBytes) {
        stop();
        resolve(undefined);
      }
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () =>
      onError(new Error('the client closed the connection before the body ended'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

function streamEvents(context: AdminContext, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  const send = (type: string, data: unknown) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  send('status', context.status());

  const unsubscribe = context.events.subscribe((event: RouterEvent) => send(event.type, event));
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), SSE_HEARTBEAT_MS);
  req.socket.setTimeout(0);
  res.on('close', () => {
    unsubscribe();
    clearInterval(heartbeat);
  });
}
