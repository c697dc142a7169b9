import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestValidationError, ResourceNotFoundError } from '../../lambdas/core/errors.js';
import type { RouteDefinition } from '../../lambdas/handlers/routes.js';
import {
  createRouteMatcher,
  MAX_PATH_LENGTH,
  MethodNotAllowedError,
  parseRequestTarget,
  PathTooLongError,
} from '../../local-fallback/server/index.js';
import { headerOf, rawRequest, startTestServer, type TestServer } from './helpers.js';

const match = createRouteMatcher();
const segmentsOf = (path: string) => parseRequestTarget(path).segments;

describe('createRouteMatcher', () => {
  it.each([
    ['GET', '/health', 'GET /health', undefined],
    ['POST', '/api/v1/agents', 'POST /api/v1/agents', undefined],
    ['GET', '/api/v1/agents/agent-7', 'GET /api/v1/agents/{agent}', { agent: 'agent-7' }],
    [
      'GET',
      '/api/v1/agent-7/memory/r1',
      'GET /api/v1/{agent}/memory/{id}',
      { agent: 'agent-7', id: 'r1' },
    ],
    [
      'DELETE',
      '/api/v1/a/memory/keys/k',
      'DELETE /api/v1/{agent}/memory/keys/{key}',
      { agent: 'a', key: 'k' },
    ],
    ['POST', '/api/v1/a/search/index', 'POST /api/v1/{agent}/search/index', { agent: 'a' }],
  ])('matches %s %s to its route', (method, path, routeKey, parameters) => {
    const result = match(method, segmentsOf(path));

    expect(result.routeKey).toBe(routeKey);
    expect(result.pathParameters).toEqual(parameters);
  });

  it('prefers a literal segment over a parameter', () => {
    // Both GET /api/v1/agents/{agent} and GET /api/v1/{agent}/memory match this path.
    const result = match('GET', segmentsOf('/api/v1/agents/memory'));

    expect(result.routeKey).toBe('GET /api/v1/agents/{agent}');
    expect(result.pathParameters).toEqual({ agent: 'memory' });
  });

  it('prefers the leftmost literal segment', () => {
    const routes: RouteDefinition[] = [
      { method: 'GET', path: '/{a}/x', handler: 'memory' },
      { method: 'GET', path: '/x/{b}', handler: 'search' },
    ];
    const result = createRouteMatcher(routes)('GET', segmentsOf('/x/x'));

    expect(result.routeKey).toBe('GET /x/{b}');
  });

  it('falls back to a parameter route', () => {
    // POST /api/v1/agents/{agent} does not exist, but POST /api/v1/{agent}/memory does.
    const result = match('POST', segmentsOf('/api/v1/agents/memory'));

    expect(result.routeKey).toBe('POST /api/v1/{agent}/memory');
  });

  it('decodes path parameters', () => {
    const result = match('GET', segmentsOf('/api/v1/a/memory/keys/caf%C3%A9%20menu'));

    expect(result.pathParameters).toEqual({ agent: 'a', key: 'café menu' });
  });

  it('lists the allowed methods', () => {
    const call = () => match('PATCH', segmentsOf('/api/v1/a/memory/r1'));

    expect(call).toThrow(MethodNotAllowedError);
    expect(catchError(call)).toMatchObject({ allow: ['DELETE', 'GET', 'PUT'] });
  });

  it.each(['/nowhere', '/health/', '/api/v1//memory', '/', '/api/v1/a/memory/r1/extra'])(
    'rejects %s as not found',
    (path) => {
      expect(() => match('GET', segmentsOf(path))).toThrow(ResourceNotFoundError);
    },
  );
});

describe('parseRequestTarget', () => {
  it('splits at the first question mark', () => {
    const target = parseRequestTarget('/health?a=1?b&c');

    expect(target.encodedPath).toBe('/health');
    expect(target.rawQueryString).toBe('a=1?b&c');
  });

  it('keeps an empty query', () => {
    expect(parseRequestTarget('/health?').rawQueryString).toBe('');
  });

  it('decodes the path segment by segment', () => {
    expect(parseRequestTarget('/a%20b/c%3Fd').decodedPath).toBe('/a b/c?d');
  });

  it.each([
    ['/api/v1/a/memory/keys/x%2Fy', 'encoded_slash_in_path'],
    ['/api/v1/a/memory/keys/x%2fy', 'encoded_slash_in_path'],
    ['/api/v1/a/memory/%E0%A4', 'malformed_path'],
    ['/api/v1/a/memory/%zz', 'malformed_path'],
    ['*', 'invalid_request_target'],
    ['http://example.test/health', 'invalid_request_target'],
  ])('rejects %s with %s', (url, code) => {
    const error = catchError(() => parseRequestTarget(url));

    expect(error).toBeInstanceOf(RequestValidationError);
    expect(error).toMatchObject({ code });
  });

  it('accepts a path of the maximum length', () => {
    const path = `/${'a'.repeat(MAX_PATH_LENGTH - 1)}`;

    expect(parseRequestTarget(path).segments).toHaveLength(1);
  });

  it('rejects a path past the maximum', () => {
    const path = `/${'a'.repeat(MAX_PATH_LENGTH)}`;

    expect(() => parseRequestTarget(path)).toThrow(PathTooLongError);
  });
});

describe('routing over HTTP', () => {
  let edge: TestServer;

  beforeAll(async () => {
    edge = await startTestServer();
  });
  afterAll(() => edge.close());

  it('returns 404 for an unknown path', async () => {
    const response = await fetch(`${edge.baseUrl}/api/v2/nowhere`, {
      headers: { 'x-request-id': 'req-404' },
    });
    const body = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('x-request-id')).toBe('req-404');
    expect(body).toEqual({
      type: 'urn:happy-os:problem:route_not_found',
      title: 'Not Found',
      status: 404,
      code: 'route_not_found',
      detail: 'No route matches GET on this path.',
      instance: '/api/v2/nowhere',
      request_id: 'req-404',
      service: 'edge',
      field: 'path',
      hint: 'Check the path against GET /docs.',
    });
  });

  it('returns 405 for another method', async () => {
    const response = await fetch(`${edge.baseUrl}/health`, { method: 'DELETE' });
    const body = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(body).toMatchObject({ status: 405, code: 'method_not_allowed', service: 'edge' });
  });

  it('calls no handler for a 404 or 405', async () => {
    const before = edge.invocations.length;
    await fetch(`${edge.baseUrl}/nowhere`);
    await fetch(`${edge.baseUrl}/health`, { method: 'POST', body: '{}' });

    expect(edge.invocations.length).toBe(before);
  });

  it('calls the handler of the most specific route', async () => {
    await fetch(`${edge.baseUrl}/api/v1/agents/memory`);

    expect(edge.invocations.at(-1)?.handler).toBe('agents');
    expect(edge.invocations.at(-1)?.event.routeKey).toBe('GET /api/v1/agents/{agent}');
  });

  it('returns 414 for an over-long path', async () => {
    const response = await fetch(`${edge.baseUrl}/${'a'.repeat(MAX_PATH_LENGTH)}`);
    const body = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(414);
    expect(body).toMatchObject({ title: 'URI Too Long', code: 'path_too_long', status: 414 });
  });

  it('returns 400 for an encoded slash', async () => {
    const response = await fetch(`${edge.baseUrl}/api/v1/a/memory/keys/x%2Fy`);
    const body = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(400);
    expect(body).toMatchObject({ code: 'encoded_slash_in_path', field: 'path' });
  });

  it('returns 400 for non-HTTP input', async () => {
    const response = await rawRequest(edge.port, 'HELLO\r\n\r\n');

    expect(response.status).toBe(400);
    expect(headerOf(response, 'content-type')).toBe('application/problem+json');
    expect(JSON.parse(response.body.toString())).toMatchObject({ code: 'malformed_request' });
  });

  it('returns 431 for oversized headers', async () => {
    const request = `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    const response = await rawRequest(edge.port, request);

    expect(response.status).toBe(431);
    expect(JSON.parse(response.body.toString())).toMatchObject({ code: 'headers_too_large' });
  });
});

function catchError(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('Expected the call to throw.');
}
