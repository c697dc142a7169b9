import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdapterConfigError,
  createRedisClient,
  RedisGateway,
  type RedisClientConfig,
} from '../../lambdas/adapters/index.js';
import { DependencyUnavailableError } from '../../lambdas/core/errors.js';
import { freePort } from '../support/processes.js';
import { isMissing, REDIS, suiteTitle } from './support/services.js';
import { eventually, rejection } from './support/wait.js';

const PASSWORD = 'password-for-tests-only';

describe('createRedisClient', () => {
  it.each([
    ['a non-URL', { url: 'not a url' }, 'url'],
    ['an HTTP URL', { url: 'http://127.0.0.1:6379' }, 'url'],
    [
      'a zero connect timeout',
      { url: 'redis://127.0.0.1:6379', connectTimeoutMs: 0 },
      'connectTimeoutMs',
    ],
  ])('rejects %s', (_name, config, option) => {
    const create = () => createRedisClient(config);

    expect(create).toThrow(AdapterConfigError);
    expect(create).toThrow(`"${option}"`);
  });
});

// A redis-server of this test's own that accepts only TLS connections with a password, with a
// self-signed certificate made by openssl for 127.0.0.1.
describe.skipIf(isMissing(REDIS))(suiteTitle('Redis client over TLS with AUTH', REDIS), () => {
  let dir: string;
  let server: ChildProcess;
  let url: string;
  let ca: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'happy-redis-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(cert, 'utf8');
    const port = await freePort();
    url = `rediss://127.0.0.1:${port}`;
    server = spawn(
      'redis-server',
      [
        '--bind',
        '127.0.0.1',
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        cert,
        '--tls-key-file',
        key,
        '--tls-ca-cert-file',
        cert,
        '--tls-auth-clients',
        'no',
        '--requirepass',
        PASSWORD,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    );
    await eventually(() => ping({ url, password: PASSWORD, tls: { ca } }));
  });

  afterAll(() => {
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the CA and the password', async () => {
    await expect(ping({ url, password: PASSWORD, tls: { ca } })).resolves.toBeUndefined();
  });

  it('connects as an ACL user', async () => {
    await expect(
      ping({ url, username: 'default', password: PASSWORD, tls: { ca } }),
    ).resolves.toBeUndefined();
  });

  it('rejects a certificate it does not trust', async () => {
    const error = await rejection(ping({ url, password: PASSWORD }));

    expect(error).toBeInstanceOf(DependencyUnavailableError);
  });

  it('fails with a wrong password', async () => {
    const error = await rejection(ping({ url, password: 'wrong', tls: { ca } }));

    expect(error).toBeInstanceOf(DependencyUnavailableError);
  });
});

/** Sends one PING through a fresh gateway, then closes it. */
async function ping(config: RedisClientConfig): Promise<void> {
  const client = createRedisClient({ ...config, connectTimeoutMs: 2000 });
  const gateway = new RedisGateway({ client, guard: { timeoutMs: 2000, retries: 0 } });
  try {
    await gateway.ping();
  } finally {
    await gateway.close();
  }
}
