import { describe, expect, it } from 'vitest';

import {
  buildDownstreamHeaders,
  buildUpstreamHeaders,
} from '../../local-fallback/router/headers.js';

const from = {
  clientAddress: '198.51.100.3',
  host: 'api.example',
  protocol: 'http' as const,
  trustIncoming: false,
};

describe('buildUpstreamHeaders', () => {
  it.each([
    'connection',
    'keep-alive',
    'proxy-authorization',
    'proxy-connection',
    'te',
    'trailer',
    'transfer-encoding',
    'upgrade',
    'host',
    'expect',
  ])('drops %s', (name) => {
    const headers = buildUpstreamHeaders({ [name]: 'x', accept: 'application/json' }, from);

    expect(headers[name]).toBeUndefined();
    expect(headers.accept).toBe('application/json');
  });

  it('drops headers named in Connection', () => {
    const headers = buildUpstreamHeaders(
      { connection: 'close, X-Hop', 'x-hop': '1', 'x-kept': '2' },
      from,
    );

    expect(headers['x-hop']).toBeUndefined();
    expect(headers['x-kept']).toBe('2');
  });

  it('replaces forwarded headers from an untrusted client', () => {
    const headers = buildUpstreamHeaders(
      {
        'x-forwarded-for': '203.0.113.66',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil',
      },
      from,
    );

    expect(headers['x-forwarded-for']).toBe('198.51.100.3');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-host']).toBe('api.example');
  });

  it('extends forwarded headers from a trusted proxy', () => {
    const headers = buildUpstreamHeaders(
      { 'x-forwarded-for': '192.0.2.7', 'x-forwarded-proto': 'https' },
      { ...from, trustIncoming: true },
    );

    expect(headers['x-forwarded-for']).toBe('192.0.2.7, 198.51.100.3');
    expect(headers['x-forwarded-proto']).toBe('https');
  });
});

describe('buildDownstreamHeaders', () => {
  it('keeps end-to-end headers and repeated set-cookie values', () => {
    const headers = buildDownstreamHeaders({
      connection: 'keep-alive, x-internal',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'x-internal': 'secret',
      'set-cookie': ['a=1', 'b=2'],
      'content-type': 'application/json',
    });

    expect(headers).toEqual({ 'set-cookie': ['a=1', 'b=2'], 'content-type': 'application/json' });
  });
});
