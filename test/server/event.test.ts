import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent } from '../../lambdas/handlers/http/types.js';
import { rawRequest, startTestServer, type TestServer } from './helpers.js';

const FIXTURES = new URL('../fixtures/apigw/', import.meta.url);
const HOST = 'r3pmxmplak.execute-api.us-east-1.amazonaws.com';

/**
 * Headers whose values depend on the connection (client address, listening port, scheme) or
 * are random; the test checks that they are present, not their values.
 */
const TRANSPORT_HEADERS = [
  'x-amzn-trace-id',
  'x-forwarded-for',
  'x-forwarded-port',
  'x-forwarded-proto',
];

const json = '{"user_id":"demo","context":"Prefers green tea in the morning."}';
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);

/** Each fixture with the HTTP request that API Gateway turned into it. */
const CASES: ReadonlyArray<{ fixture: string; request: Buffer }> = [
  {
    fixture: 'get-memory-list-query-cookies.json',
    request: httpRequest(
      'GET /api/v1/agent-7/memory?user_id=demo&tag=a&tag=b&empty=&q=hello%20world',
      [
        ['Accept', 'application/json'],
        ['Cookie', 'session=abc123; theme=dark'],
        ['Cookie', 'lang=en'],
        ['X-Custom', 'one'],
        ['X-Custom', 'two'],
      ],
    ),
  },
  {
    fixture: 'post-memory-json.json',
    request: httpRequest(
      'POST /api/v1/agent-7/memory',
      [
        ['Authorization', 'Bearer test-token'],
        ['Content-Type', 'application/json'],
        ['Content-Length', String(json.length)],
      ],
      Buffer.from(json),
    ),
  },
  {
    fixture: 'post-search-index-binary.json',
    request: httpRequest(
      'POST /api/v1/agent-7/search/index',
      [
        ['Content-Type', 'image/png'],
        ['Content-Length', String(png.length)],
      ],
      png,
    ),
  },
  {
    fixture: 'get-memory-key-path-parameters.json',
    request: httpRequest('GET /api/v1/agent-7/memory/keys/caf%C3%A9%20menu', [
      ['Accept', '*/*'],
      ['Authorization', 'Bearer test-token'],
    ]),
  },
  { fixture: 'get-health.json', request: httpRequest('GET /health', []) },
];

describe('API Gateway event', () => {
  let edge: TestServer;

  beforeAll(async () => {
    edge = await startTestServer({ accountId: '123456789012', apiId: 'r3pmxmplak' });
  });
  afterAll(() => edge.close());

  describe.each(CASES)('for $fixture', ({ fixture, request }) => {
    let expected: HttpEvent;
    let actual: HttpEvent;

    beforeAll(async () => {
      expected = JSON.parse(await readFile(new URL(fixture, FIXTURES), 'utf8')) as HttpEvent;
      const before = edge.invocations.length;
      const response = await rawRequest(edge.port, request);
      expect(response.status).toBe(200);
      const invocation = edge.invocations[before];
      if (!invocation) throw new Error(`The handler received no event for ${fixture}.`);
      actual = invocation.event;
    });

    it('has the same top-level fields', () => {
      expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    });

    it.each([
      'version',
      'routeKey',
      'rawPath',
      'rawQueryString',
      'cookies',
      'queryStringParameters',
      'pathParameters',
      'body',
      'isBase64Encoded',
    ] as const)('matches %s', (field) => {
      expect(actual[field]).toEqual(expected[field]);
    });

    it('matches the non-transport headers', () => {
      expect(withoutTransportHeaders(actual.headers)).toEqual(
        withoutTransportHeaders(expected.headers),
      );
    });

    it.each(TRANSPORT_HEADERS)('sets the %s header', (name) => {
      expect(actual.headers[name]).toMatch(/\S/);
    });

    it('matches the stable request context', () => {
      const { requestId: _id, time: _time, timeEpoch: _epoch, ...context } = actual.requestContext;
      const { requestId: _i, time: _t, timeEpoch: _e, ...wanted } = expected.requestContext;
      expect({ ...context, http: { ...context.http, sourceIp: '' } }).toEqual({
        ...wanted,
        http: { ...wanted.http, sourceIp: '' },
      });
    });

    it('fills the volatile context fields', () => {
      const { requestId, time, timeEpoch, http } = actual.requestContext;
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
      expect(Math.abs(timeEpoch - Date.now())).toBeLessThan(60_000);
      expect(http.sourceIp).toBe('127.0.0.1');
    });
  });
});

function httpRequest(line: string, headers: Array<[string, string]>, body?: Buffer): Buffer {
  const fields = [
    ['Host', HOST],
    ['User-Agent', 'happy-test/1.0'],
    ...headers,
    ['Connection', 'close'],
  ];
  const head = [`${line} HTTP/1.1`, ...fields.map(([name, value]) => `${name}: ${value}`)];
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), body ?? Buffer.alloc(0)]);
}

function withoutTransportHeaders(headers: HttpEvent['headers']): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !TRANSPORT_HEADERS.includes(name)),
  );
}
