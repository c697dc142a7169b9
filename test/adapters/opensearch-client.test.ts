import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterConfigError, createOpenSearchClient } from '../../lambdas/adapters/index.js';
import { isMissing, OPENSEARCH, requireUrl, suiteTitle } from './support/services.js';

// Static test credentials: the signer must never reach the AWS credential chain in tests.
const CREDENTIALS = { accessKeyId: 'AKIDTESTONLY', secretAccessKey: 'secret-for-tests-only' };

describe('createOpenSearchClient', () => {
  it.each([
    ['a non-URL node', { node: 'not a url' }, 'node'],
    ['a non-HTTP node', { node: 'ftp://127.0.0.1:9200' }, 'node'],
    ['an unknown service', { node: 'http://127.0.0.1:9', region: 'x', service: 's3' }, 'service'],
    ['a service without region', { node: 'http://127.0.0.1:9', service: 'aoss' }, 'region'],
    ['a zero timeout', { node: 'http://127.0.0.1:9', requestTimeoutMs: 0 }, 'requestTimeoutMs'],
  ])('rejects %s', (_name, config, option) => {
    const create = () => createOpenSearchClient(config as never);

    expect(create).toThrow(AdapterConfigError);
    expect(create).toThrow(`"${option}"`);
  });
});

describe('createOpenSearchClient signing', () => {
  const received: IncomingHttpHeaders[] = [];
  let server: Server;
  let node: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      received.push(request.headers);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ tagline: 'stand-in' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    node = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    ['es', 'eu-west-1'],
    ['aoss', 'us-east-2'],
  ] as const)('signs requests for %s with SigV4', async (service, region) => {
    const client = createOpenSearchClient({ node, region, service, credentials: CREDENTIALS });

    await client.info();
    const headers = received.at(-1) ?? {};
    await client.close();

    const scope = `Credential=AKIDTESTONLY/\\d{8}/${region}/${service}/aws4_request`;
    expect(headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 ${scope}`));
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('takes credentials from a function', async () => {
    const client = createOpenSearchClient({
      node,
      region: 'eu-west-1',
      credentials: async () => ({ ...CREDENTIALS, accessKeyId: 'AKIDFROMFUNCTION' }),
    });

    await client.info();
    await client.close();

    expect(received.at(-1)?.authorization).toContain('Credential=AKIDFROMFUNCTION/');
  });

  it('sends no signature without a region', async () => {
    const client = createOpenSearchClient({ node });

    await client.info();
    await client.close();

    expect(received.at(-1)?.authorization).toBeUndefined();
  });
});

describe.skipIf(isMissing(OPENSEARCH))(
  suiteTitle('signed client on OpenSearch', OPENSEARCH),
  () => {
    it('reaches the engine, which ignores the signature', async () => {
      const client = createOpenSearchClient({
        node: requireUrl(OPENSEARCH),
        region: 'eu-west-1',
        credentials: CREDENTIALS,
      });

      const info = await client.info();
      await client.close();

      expect(info.body.version.distribution).toBe('opensearch');
    });
  },
);
