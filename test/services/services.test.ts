import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';

// Smoke test of the services that scripts/services/*.sh start on loopback. Each service is
// tested when its URL variable is set (load them with `set -a; . .run/env; set +a`), and
// reported as skipped with the command that starts it when the variable is missing.

const TIMEOUT_MS = 10_000;

interface Service {
  readonly variable: 'REDIS_URL' | 'OPENSEARCH_URL' | 'MOTO_URL';
  readonly script: string;
}

const REDIS: Service = { variable: 'REDIS_URL', script: 'scripts/services/redis.sh' };
const OPENSEARCH: Service = {
  variable: 'OPENSEARCH_URL',
  script: 'scripts/services/opensearch.sh',
};
const MOTO: Service = { variable: 'MOTO_URL', script: 'scripts/services/moto.sh' };

function urlOf(service: Service): string | undefined {
  return process.env[service.variable] || undefined;
}

/** Names the suite, adding the missing variable and its start command when it is skipped. */
function suiteTitle(service: Service, name: string): string {
  if (urlOf(service)) {
    return name;
  }
  return `${name} needs ${service.variable} (start: ${service.script} start)`;
}

function requireUrl(service: Service): string {
  const url = urlOf(service);
  if (!url) {
    throw new Error(`${service.variable} is not set. Run ${service.script} start first.`);
  }
  return url;
}

/** Sends PING as a RESP array over a raw TCP connection and resolves with the first reply line. */
function redisPing(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    socket.setTimeout(TIMEOUT_MS, () => {
      socket.destroy(new Error(`Redis at ${url} sent no reply to PING within ${TIMEOUT_MS} ms`));
    });
    socket.on('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      const lineEnd = received.indexOf('\r\n');
      if (lineEnd >= 0) {
        socket.end();
        resolve(received.slice(0, lineEnd));
      }
    });
    socket.on('error', reject);
  });
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe.skipIf(!urlOf(REDIS))(suiteTitle(REDIS, 'redis service'), () => {
  it('replies PONG to PING', async () => {
    const reply = await redisPing(requireUrl(REDIS));

    expect(reply).toBe('+PONG');
  });
});

describe.skipIf(!urlOf(OPENSEARCH))(suiteTitle(OPENSEARCH, 'opensearch service'), () => {
  it('reports version 2.19', async () => {
    const info = await getJson(`${requireUrl(OPENSEARCH)}/`);

    expect((info.version as { number: string }).number).toMatch(/^2\.19\./);
  });

  it('reports yellow or green health', async () => {
    const health = await getJson(`${requireUrl(OPENSEARCH)}/_cluster/health`);

    expect(['yellow', 'green']).toContain(health.status);
  });
});

interface MotoRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** Sends an unsigned AWS request to moto, which reads the service from the credential scope. */
function callMoto(service: string, init: MotoRequest = {}): Promise<Response> {
  const scope = `test/20250101/us-east-1/${service}/aws4_request`;
  return fetch(`${requireUrl(MOTO)}/`, {
    ...init,
    headers: {
      ...init.headers,
      // moto does not check signatures, so a fixed one is enough.
      authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host, Signature=0`,
    },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
}

describe.skipIf(!urlOf(MOTO))(suiteTitle(MOTO, 'moto service'), () => {
  it('responds to SQS ListQueues', async () => {
    const response = await callMoto('sqs', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListQueues&Version=2012-11-05',
    });

    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<ListQueuesResponse');
  });

  it('responds to S3 ListBuckets', async () => {
    const response = await callMoto('s3');

    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<ListAllMyBucketsResult');
  });
});
