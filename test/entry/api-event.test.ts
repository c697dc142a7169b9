import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { isHttpEvent, toHttpEvent, toRestResult } from '../../lambdas/entry/index.js';

/** Builds a REST API (payload format 1.0) event as API Gateway sends it to a Lambda proxy. */
function restEvent(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    resource: '/api/v1/{agent}/memory',
    path: '/api/v1/agent-7/memory',
    httpMethod: 'GET',
    headers: { Host: 'abc123.execute-api.us-east-1.amazonaws.com', 'X-Trace': 'b' },
    multiValueHeaders: {
      Host: ['abc123.execute-api.us-east-1.amazonaws.com'],
      'X-Trace': ['a', 'b'],
      Cookie: ['theme=dark; lang=en'],
    },
    queryStringParameters: { user_id: 'demo', tag: 'b' },
    multiValueQueryStringParameters: { user_id: ['demo'], tag: ['a', 'b c'] },
    pathParameters: { agent: 'agent-7' },
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: null,
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      httpMethod: 'GET',
      identity: { sourceIp: '198.51.100.23', userAgent: 'curl/8' } as never,
      path: '/dev/api/v1/agent-7/memory',
      protocol: 'HTTP/1.1',
      requestId: 'req-1',
      requestTimeEpoch: Date.UTC(2026, 11, 4, 16, 0, 1),
      resourceId: 'r1',
      resourcePath: '/api/v1/{agent}/memory',
      stage: 'dev',
    },
    body: null,
    isBase64Encoded: false,
    ...overrides,
  };
}

describe('toHttpEvent', () => {
  it('builds the route key from method and resource', () => {
    const event = toHttpEvent(restEvent());
    expect(event.routeKey).toBe('GET /api/v1/{agent}/memory');
    expect(event.requestContext.routeKey).toBe('GET /api/v1/{agent}/memory');
    expect(event.rawPath).toBe('/api/v1/agent-7/memory');
    expect(isHttpEvent(event)).toBe(true);
  });

  it('lower-cases headers and joins repeated values', () => {
    const event = toHttpEvent(restEvent());
    expect(event.headers['x-trace']).toBe('a,b');
    expect(event.headers.host).toBe('abc123.execute-api.us-east-1.amazonaws.com');
  });

  it('moves cookies out of the headers', () => {
    const event = toHttpEvent(restEvent());
    expect(event.cookies).toEqual(['theme=dark', 'lang=en']);
    expect(event.headers.cookie).toBeUndefined();
  });

  it('keeps repeated query parameters', () => {
    const event = toHttpEvent(restEvent());
    expect(event.queryStringParameters).toEqual({ user_id: 'demo', tag: 'a,b c' });
    expect(event.rawQueryString).toBe('user_id=demo&tag=a&tag=b+c');
  });

  it('copies the request context', () => {
    const context = toHttpEvent(restEvent()).requestContext;
    expect(context.requestId).toBe('req-1');
    expect(context.http).toEqual({
      method: 'GET',
      path: '/api/v1/agent-7/memory',
      protocol: 'HTTP/1.1',
      sourceIp: '198.51.100.23',
      userAgent: 'curl/8',
    });
    expect(context.time).toBe('04/Dec/2026:16:00:01 +0000');
  });

  it('passes the body and its encoding', () => {
    const event = toHttpEvent(
      restEvent({ httpMethod: 'POST', body: 'e30=', isBase64Encoded: true }),
    );
    expect(event.body).toBe('e30=');
    expect(event.isBase64Encoded).toBe(true);
    expect(toHttpEvent(restEvent()).body).toBeUndefined();
  });

  it('reads single-value headers when multi-value ones are absent', () => {
    const event = toHttpEvent(
      restEvent({ multiValueHeaders: {}, multiValueQueryStringParameters: null }),
    );
    expect(event.headers['x-trace']).toBe('b');
    expect(event.queryStringParameters).toEqual({ user_id: 'demo', tag: 'b' });
  });
});

describe('toRestResult', () => {
  it('moves cookies into multi-value set-cookie headers', () => {
    const result = toRestResult({
      statusCode: 201,
      headers: { 'content-type': 'application/json' },
      cookies: ['a=1', 'b=2'],
      body: '{}',
    });
    expect(result).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json' },
      multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
      body: '{}',
      isBase64Encoded: false,
    });
  });

  it('fills in an empty body and status 200', () => {
    expect(toRestResult({})).toEqual({
      statusCode: 200,
      headers: {},
      body: '',
      isBase64Encoded: false,
    });
  });
});
