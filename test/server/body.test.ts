import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTextualContentType, parseQueryString } from '../../local-fallback/server/index.js';
import { headerOf, rawRequest, startTestServer, type TestServer } from './helpers.js';

const MAX_BODY_BYTES = 1024;

describe('request body', () => {
  let edge: TestServer;

  beforeAll(async () => {
    edge = await startTestServer({
      maxBodyBytes: MAX_BODY_BYTES,
      // Echoes the body back as the handlers received it.
      respond: async (event) => ({
        statusCode: 200,
        headers: { 'content-type': event.headers['content-type'] ?? 'application/octet-stream' },
        body: event.body ?? '',
        isBase64Encoded: event.isBase64Encoded,
      }),
    });
  });
  afterAll(() => edge.close());

  it('rejects an announced oversized body', async () => {
    const before = edge.invocations.length;
    const request =
      'POST /api/v1/a/memory HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n';
    // The client never sends the body, so the server must respond and close without it.
    const response = await rawRequest(edge.port, request, { holdOpen: true });

    expect(response.status).toBe(413);
    expect(headerOf(response, 'connection')).toBe('close');
    expect(JSON.parse(response.body.toString())).toMatchObject({
      code: 'payload_too_large',
      status: 413,
      detail: `The request body has 100000000 bytes; the limit is ${MAX_BODY_BYTES}.`,
      service: 'edge',
    });
    expect(edge.invocations.length).toBe(before);
  });

  it('rejects a chunked body past the cap', async () => {
    const before = edge.invocations.length;
    const chunk = 'x'.repeat(MAX_BODY_BYTES + 1);
    const request = [
      'POST /api/v1/a/memory HTTP/1.1',
      'Host: x',
      'Content-Type: application/json',
      'Transfer-Encoding: chunked',
      '',
      `${chunk.length.toString(16)}\r\n${chunk}\r\n`,
    ].join('\r\n');
    // No last chunk follows, so a server that waited for the whole body would never respond.
    const response = await rawRequest(edge.port, request, { holdOpen: true });

    expect(response.status).toBe(413);
    expect(headerOf(response, 'connection')).toBe('close');
    expect(edge.invocations.length).toBe(before);
  });

  it('accepts a body of exactly the cap', async () => {
    const body = 'y'.repeat(MAX_BODY_BYTES);
    const response = await fetch(`${edge.baseUrl}/api/v1/a/memory`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body,
    });

    expect(response.status).toBe(200);
    expect(await response.text()).toBe(body);
  });

  it('skips 100 Continue for an oversized body', async () => {
    const request = [
      'POST /api/v1/a/memory HTTP/1.1',
      'Host: x',
      'Content-Length: 5000',
      'Expect: 100-continue',
      '',
      '',
    ].join('\r\n');
    const response = await rawRequest(edge.port, request, { holdOpen: true });

    expect(response.status).toBe(413);
  });

  it('sends 100 Continue for an accepted body', async () => {
    const text = await expectContinueExchange(edge.port, '{"a":1}');

    expect(text.startsWith('HTTP/1.1 100 Continue\r\n')).toBe(true);
    expect(text).toContain('HTTP/1.1 200 OK');
    expect(text.endsWith('{"a":1}')).toBe(true);
  });

  it('round-trips every byte value through base64', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, value) => value));
    const response = await fetch(`${edge.baseUrl}/api/v1/a/memory`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    const invocation = edge.invocations.at(-1);

    expect(invocation?.event.isBase64Encoded).toBe(true);
    expect(invocation?.event.body).toBe(bytes.toString('base64'));
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
  });

  it('passes a UTF-8 JSON body as text', async () => {
    const body = '{"context":"naïve café ☕"}';
    const response = await fetch(`${edge.baseUrl}/api/v1/a/memory`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body,
    });
    const invocation = edge.invocations.at(-1);

    expect(invocation?.event.isBase64Encoded).toBe(false);
    expect(invocation?.event.body).toBe(body);
    expect(await response.text()).toBe(body);
  });

  it('passes invalid UTF-8 JSON as base64', async () => {
    const bytes = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]);
    await fetch(`${edge.baseUrl}/api/v1/a/memory`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bytes,
    });
    const invocation = edge.invocations.at(-1);

    expect(invocation?.event.isBase64Encoded).toBe(true);
    expect(invocation?.event.body).toBe(bytes.toString('base64'));
  });

  it('omits body for an empty request', async () => {
    await fetch(`${edge.baseUrl}/api/v1/a/memory`, { method: 'POST' });
    const event = edge.invocations.at(-1)?.event;

    expect(event).toBeDefined();
    expect(Object.keys(event ?? {})).not.toContain('body');
    expect(event?.isBase64Encoded).toBe(false);
  });
});

describe('isTextualContentType', () => {
  it.each([
    ['text/plain', true],
    ['text/html; charset=UTF-8', true],
    ['application/json', true],
    ['application/problem+json', true],
    ['application/xml', true],
    ['application/atom+xml', true],
    ['application/x-www-form-urlencoded', true],
    ['application/javascript', true],
    ['Application/JSON', true],
    ['text/plain; charset=iso-8859-1', false],
    ['application/octet-stream', false],
    ['image/png', false],
    ['multipart/form-data; boundary=x', false],
    [undefined, false],
  ])('classifies %s as textual: %s', (contentType, textual) => {
    expect(isTextualContentType(contentType)).toBe(textual);
  });
});

describe('parseQueryString', () => {
  it('joins repeated keys with commas', () => {
    expect(parseQueryString('a=1&a=2&b=3')).toEqual({ a: '1,2', b: '3' });
  });

  it('decodes percent-encoding and plus signs', () => {
    expect(parseQueryString('q=a%20b+c&k%C3%A9=v')).toEqual({ q: 'a b c', ké: 'v' });
  });

  it('keeps keys without a value as empty strings', () => {
    expect(parseQueryString('flag&x=')).toEqual({ flag: '', x: '' });
  });

  it.each(['', '&', '&&'])('returns undefined for the query "%s"', (query) => {
    expect(parseQueryString(query)).toBeUndefined();
  });
});

/** Sends headers with `Expect: 100-continue`, and the body only once 100 Continue arrived. */
function expectContinueExchange(port: number, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      const first = received === '';
      received += chunk.toString();
      if (first && received.startsWith('HTTP/1.1 100')) socket.end(body);
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.write(
      [
        'POST /api/v1/a/memory HTTP/1.1',
        'Host: x',
        'Content-Type: application/json',
        `Content-Length: ${body.length}`,
        'Expect: 100-continue',
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
    );
  });
}
