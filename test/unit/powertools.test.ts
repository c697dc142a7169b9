import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromPowertoolsLogger } from '../../lambdas/adapters/index.js';
import { createHandlers } from '../../lambdas/handlers/index.js';
import { composeSqliteNode } from '../../local-fallback/server/compose.js';
import { apiGatewayEvent, lambdaContext } from '../support/events.js';

/** Builds handlers that log, count and trace through Powertools, as the Lambda functions do. */
function powertoolsHandlers() {
  const logger = new Logger({ serviceName: 'happy-os-test', logLevel: 'INFO' });
  const metrics = new Metrics({ namespace: 'HappyOS', serviceName: 'happy-os-test' });
  const tracer = new Tracer({ serviceName: 'happy-os-test', enabled: false });
  const dataDir = mkdtempSync(join(tmpdir(), 'happy-powertools-'));
  const node = composeSqliteNode(
    { service: 'cloud', dataDir, nodeId: 'cloud', adminToken: 'admin-token-for-tests' },
    fromPowertoolsLogger(logger),
  );
  return createHandlers({ ...node.services, powertools: { logger, metrics, tracer } });
}

describe('handlers with Powertools', () => {
  afterEach(() => vi.restoreAllMocks());

  it('emit a response metric in EMF', async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const handlers = powertoolsHandlers();

    const result = await handlers.health(
      apiGatewayEvent({ method: 'GET', route: '/health' }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(200);
    const emf = written.map((line) => line.trim()).find((line) => line.includes('"_aws"'));
    expect(emf).toBeDefined();
    expect(JSON.parse(emf as string).Responses2xx).toBe(1);
  });

  it('count a problem response as 4xx', async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const handlers = powertoolsHandlers();
    const event = apiGatewayEvent({
      method: 'POST',
      route: '/api/v1/{agent}/memory',
      pathParameters: { agent: 'nobody' },
      body: { context: 'x' },
    });

    const result = await handlers.memory(event, lambdaContext());

    expect(result.statusCode).toBe(401);
    const emf = written.map((line) => line.trim()).find((line) => line.includes('"_aws"'));
    expect(JSON.parse(emf as string).Responses4xx).toBe(1);
  });
});
