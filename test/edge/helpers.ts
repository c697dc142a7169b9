import { readFileSync } from 'node:fs';
import { generateKeyPair, importJWK, SignJWT } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../lambdas/core/tokens.js';
import type { Transport, TransportRequest, TransportResponse } from '../support/transport.js';

/** Who may call a route: the admin, the agent named in the path, or either. */
export type Access = 'admin' | 'agent' | 'admin or agent';

/** A route with path parameters, and a valid body for it where it reads one. */
export interface RouteCall {
  readonly name: string;
  readonly method: string;
  /** Path template with `{agent}`, `{id}` (a record or task id), `{key}` or `{name}`. */
  readonly template: string;
  readonly access: Access;
  readonly body?: unknown;
  /** Body text sent instead of `body`, with `headers`, for routes that store raw bytes. */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

/** Every route that names an agent in its path, with a valid body where one is read. */
export const AGENT_PATH_ROUTES: readonly RouteCall[] = [
  {
    name: 'get agent',
    method: 'GET',
    template: '/api/v1/agents/{agent}',
    access: 'admin or agent',
  },
  {
    name: 'disable agent',
    method: 'POST',
    template: '/api/v1/agents/{agent}/disable',
    access: 'admin',
  },
  {
    name: 'enable agent',
    method: 'POST',
    template: '/api/v1/agents/{agent}/enable',
    access: 'admin',
  },
  {
    name: 'issue token',
    method: 'POST',
    template: '/api/v1/agents/{agent}/tokens',
    access: 'admin',
  },
  {
    name: 'add memory',
    method: 'POST',
    template: '/api/v1/{agent}/memory',
    access: 'agent',
    body: { user_id: 'demo', context: 'written by the caller' },
  },
  { name: 'list memory', method: 'GET', template: '/api/v1/{agent}/memory', access: 'agent' },
  { name: 'get memory', method: 'GET', template: '/api/v1/{agent}/memory/{id}', access: 'agent' },
  {
    name: 'put memory',
    method: 'PUT',
    template: '/api/v1/{agent}/memory/{id}',
    access: 'agent',
    body: { content: 'overwritten by the caller' },
  },
  {
    name: 'delete memory',
    method: 'DELETE',
    template: '/api/v1/{agent}/memory/{id}',
    access: 'agent',
  },
  {
    name: 'get key',
    method: 'GET',
    template: '/api/v1/{agent}/memory/keys/{key}',
    access: 'agent',
  },
  {
    name: 'put key',
    method: 'PUT',
    template: '/api/v1/{agent}/memory/keys/{key}',
    access: 'agent',
    body: { value: 'overwritten by the caller' },
  },
  {
    name: 'delete key',
    method: 'DELETE',
    template: '/api/v1/{agent}/memory/keys/{key}',
    access: 'agent',
  },
  {
    name: 'search',
    method: 'POST',
    template: '/api/v1/{agent}/search',
    access: 'agent',
    body: { query: 'seed' },
  },
  {
    name: 'index documents',
    method: 'POST',
    template: '/api/v1/{agent}/search/index',
    access: 'agent',
    body: { documents: [{ id: 'seed-doc', content: 'overwritten by the caller' }] },
  },
  {
    name: 'submit task',
    method: 'POST',
    template: '/api/v1/{agent}/tasks',
    access: 'agent',
    body: { type: 'echo', input: { note: 'written by the caller' } },
  },
  { name: 'list tasks', method: 'GET', template: '/api/v1/{agent}/tasks', access: 'agent' },
  { name: 'get task', method: 'GET', template: '/api/v1/{agent}/tasks/{id}', access: 'agent' },
  {
    name: 'cancel task',
    method: 'POST',
    template: '/api/v1/{agent}/tasks/{id}/cancel',
    access: 'agent',
  },
  { name: 'list files', method: 'GET', template: '/api/v1/{agent}/files', access: 'agent' },
  {
    name: 'put file',
    method: 'PUT',
    template: '/api/v1/{agent}/files/{name}',
    access: 'agent',
    rawBody: 'overwritten by the caller',
    headers: { 'content-type': 'text/plain' },
  },
  { name: 'get file', method: 'GET', template: '/api/v1/{agent}/files/{name}', access: 'agent' },
  { name: 'head file', method: 'HEAD', template: '/api/v1/{agent}/files/{name}', access: 'agent' },
  {
    name: 'delete file',
    method: 'DELETE',
    template: '/api/v1/{agent}/files/{name}',
    access: 'agent',
  },
];

/** Tells whether a route's `{id}` is a task id rather than a memory record id. */
export function isTaskRoute(route: RouteCall): boolean {
  return route.template.startsWith('/api/v1/{agent}/tasks');
}

/** Builds a request to `route` with its path parameters filled in and percent-encoded. */
export function routeRequest(
  route: RouteCall,
  parameters: Record<string, string>,
  token: string,
): TransportRequest {
  const path = route.template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = parameters[name];
    if (value === undefined) throw new Error(`No value for {${name}} in ${route.template}.`);
    return encodeURIComponent(value);
  });
  return {
    method: route.method,
    path,
    token,
    ...(route.body === undefined ? {} : { body: route.body }),
    ...(route.rawBody === undefined ? {} : { rawBody: route.rawBody }),
    ...(route.headers === undefined ? {} : { headers: route.headers }),
  };
}

/** Largest body the handlers accept, in bytes (the default request limit, 256 KiB). */
export const MAX_BODY_BYTES = 256 * 1024;
/** Deepest JSON nesting the handlers accept (the default request limit). */
export const MAX_JSON_DEPTH = 16;

/**
 * Sends a request and fails with the response in the message unless it gets `status`, so a
 * broken setup step names what went wrong.
 */
export async function sendExpecting(
  transport: Transport,
  request: TransportRequest,
  status: number,
): Promise<TransportResponse> {
  const response = await transport.send(request);
  if (response.status !== status) {
    const target = `${request.method} ${request.path}`;
    throw new Error(`${target} returned ${response.status}, expected ${status}: ${response.text}`);
  }
  return response;
}

/** Creates an agent and returns its token. */
export async function createAgent(
  transport: Transport,
  adminToken: string,
  agentId: string,
): Promise<string> {
  const request = {
    method: 'POST',
    path: '/api/v1/agents',
    token: adminToken,
    body: { agent_id: agentId, name: `Agent ${agentId}` },
  };
  const response = await sendExpecting(transport, request, 201);
  return (response.json as { token: string }).token;
}

/** Adds a memory record and returns its body. */
export async function addMemory(
  transport: Transport,
  agentId: string,
  token: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const request = { method: 'POST', path: `/api/v1/${agentId}/memory`, token, body };
  return (await sendExpecting(transport, request, 201)).json as Record<string, unknown>;
}

/** Returns the body text of every page of an agent's memory, task or file listing, in order. */
export async function listAllPages(
  transport: Transport,
  agentId: string,
  token: string,
  listing: 'memory' | 'tasks' | 'files' = 'memory',
): Promise<string[]> {
  const pages: string[] = [];
  let cursor: string | null = null;
  do {
    const query: Record<string, string> = { limit: '100' };
    if (cursor !== null) query.cursor = cursor;
    const request = { method: 'GET', path: `/api/v1/${agentId}/${listing}`, token, query };
    const response = await sendExpecting(transport, request, 200);
    pages.push(response.text);
    cursor = (response.json as { next_cursor: string | null }).next_cursor;
  } while (cursor !== null);
  return pages;
}

/** One day in milliseconds. */
const DAY_MS = 24 * 3600 * 1000;

/**
 * Returns the time one day from now as an ISO string. As `run_at`, it keeps a task queued for
 * the whole test, whether or not the node runs task workers.
 */
export function oneDayAhead(): string {
  return new Date(Date.now() + DAY_MS).toISOString();
}

/** Submits an `echo` task that starts {@link oneDayAhead} and returns its body. */
export async function submitQueuedTask(
  transport: Transport,
  agentId: string,
  token: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const request = {
    method: 'POST',
    path: `/api/v1/${agentId}/tasks`,
    token,
    body: { type: 'echo', ...body, run_at: oneDayAhead() },
  };
  return (await sendExpecting(transport, request, 202)).json as Record<string, unknown>;
}

/** Stores a file and returns its body. */
export async function putFile(
  transport: Transport,
  agentId: string,
  token: string,
  file: { name: string; content: Uint8Array; contentType: string },
): Promise<Record<string, unknown>> {
  const request = {
    method: 'PUT',
    path: `/api/v1/${agentId}/files/${encodeURIComponent(file.name)}`,
    token,
    rawBody: file.content,
    headers: { 'content-type': file.contentType },
  };
  return (await sendExpecting(transport, request, 201)).json as Record<string, unknown>;
}

/** Returns the content of a file, as the download sends it. */
export async function fileContent(
  transport: Transport,
  agentId: string,
  token: string,
  name: string,
): Promise<Buffer> {
  const path = `/api/v1/${agentId}/files/${encodeURIComponent(name)}`;
  return (await sendExpecting(transport, { method: 'GET', path, token }, 200)).bytes;
}

/** Returns the results of a search, without the volatile parts of the envelope. */
export async function searchResults(
  transport: Transport,
  agentId: string,
  token: string,
  query: string,
): Promise<unknown[]> {
  const request = {
    method: 'POST',
    path: `/api/v1/${agentId}/search`,
    token,
    body: { query, limit: 100 },
  };
  const response = await sendExpecting(transport, request, 200);
  return (response.json as { results: unknown[] }).results;
}

/** Returns `build(padding)` as JSON text, with the padding sized so the text has `bytes` bytes. */
export function jsonOfSize(bytes: number, build: (padding: string) => unknown): string {
  const base = Buffer.byteLength(JSON.stringify(build('')));
  const text = JSON.stringify(build('x'.repeat(bytes - base)));
  if (Buffer.byteLength(text) !== bytes) {
    throw new Error(`Padding gave ${Buffer.byteLength(text)} bytes, expected ${bytes}.`);
  }
  return text;
}

/** Returns a string wrapped in `depth` nested arrays. */
export function nestedArray(depth: number): unknown {
  let value: unknown = 'deep';
  for (let level = 0; level < depth; level += 1) value = [value];
  return value;
}

/** Claims of an agent token, as the token service writes them. */
interface TokenClaims {
  readonly agentId: string;
  /** Expiry in seconds since the Unix epoch. */
  readonly expiresAt: number;
}

/** Signs an agent token with the private JWK in `keyFile`, such as one that has expired. */
export async function signWithKeyFile(keyFile: string, claims: TokenClaims): Promise<string> {
  const jwk = JSON.parse(readFileSync(keyFile, 'utf8')) as { kid: string; alg: string };
  const key = await importJWK(jwk, jwk.alg);
  return signToken(key, jwk.kid, jwk.alg, claims);
}

/** Signs an agent token with a new key that no node trusts. */
export async function signWithForeignKey(claims: TokenClaims): Promise<string> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  return signToken(privateKey, 'foreign-key', 'EdDSA', claims);
}

async function signToken(
  key: Parameters<SignJWT['sign']>[0],
  kid: string,
  alg: string,
  claims: TokenClaims,
): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg, kid, typ: 'JWT' })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(claims.agentId)
    .setJti('test-token')
    .setIssuedAt(claims.expiresAt - 3600)
    .setExpirationTime(claims.expiresAt)
    .sign(key);
}

/** Returns an unsigned token (`alg: none`) for `agentId`, which no verifier may accept. */
export function unsignedToken(agentId: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, sub: agentId, jti: 'none' };
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
}
