/**
 * Entry point of the local stand-in of the cloud path on the cloud adapters. It serves the
 * Lambda handlers, composed by `composeCloudNode` on a real OpenSearch, Redis (optional) and moto
 * for SQS and S3, over HTTP like the edge, and runs a task worker that polls the queue. The
 * topology starts it instead of the SQLite stand-in when OPENSEARCH_URL and MOTO_URL are set.
 *
 * It takes the edge's flags (`--port`, `--home`, `--node-id`, `--cloud-task-types` and so on)
 * and these variables: OPENSEARCH_URL, MOTO_URL, REDIS_URL (optional), HAPPY_STAND_IN_PREFIX
 * (prefix of its indices, queue and bucket; default derived from the home folder) and
 * HAPPY_DEPENDENCY_FAULTS=on to serve `/stand-in/faults` to the admin token.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ensureFileBucket } from '../../lambdas/adapters/s3/buckets.js';
import { createS3Client } from '../../lambdas/adapters/s3/client.js';
import { createSqsClient } from '../../lambdas/adapters/sqs/client.js';
import { createTaskQueues } from '../../lambdas/adapters/sqs/queues.js';
import { createAwsParts } from '../../lambdas/entry/cloud-aws.js';
import { composeCloudNode, type CloudNode } from '../../lambdas/entry/cloud-node.js';
import { LiteralSecretValues } from '../../lambdas/entry/secrets.js';
import { createHandlers } from '../../lambdas/handlers/index.js';
import { createPinoLogger, toAppLogger } from '../logging/index.js';
import { closeServer, createEdgeServer, listen } from '../server/server.js';
import { readEdgeSettings, type EdgeSettings } from '../server/settings.js';
import { WorkerPool } from '../worker/index.js';
import { DependencyFaultSwitch, handleFaultRequest, FAULTS_PATH } from './dependency-faults.js';

/** Region of the moto clients; moto accepts any. */
const REGION = 'us-east-1';
/** Credentials moto accepts; they never leave loopback. */
const MOTO_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Engine addresses of the stand-in, from its environment. */
interface Engines {
  readonly openSearchUrl: string;
  readonly motoUrl: string;
  readonly redisUrl: string | undefined;
  readonly prefix: string;
  readonly faults: boolean;
}

async function main(): Promise<void> {
  const settings = readEdgeSettings(process.argv.slice(2), process.env);
  const engines = readEngines(process.env, settings.home);
  const logger = createPinoLogger({ name: 'cloud-stand-in' });
  const faults = await DependencyFaultSwitch.start(engines);
  const node = await composeStandIn(settings, engines, faults, logger);
  await node.ensureIndices();

  const services = await node.services();
  const server = createEdgeServer({
    handlers: createHandlers(services),
    logger,
    service: 'cloud',
  });
  if (engines.faults) {
    routeFaultRequests(server, faults, settings.adminToken.value, logger);
  }
  const address = await listen(server, settings.port, settings.host);
  const workers = new WorkerPool({
    runner: node.tasks.pollingRunner,
    queue: node.tasks.queue,
    tasks: node.tasks.service,
    logger: toAppLogger(logger),
    // SQS long polling is not used, so poll often enough for tasks to start promptly.
    pollIntervalMs: 250,
  });
  workers.start();
  logger.info(
    { port: address.port, prefix: engines.prefix, redis: engines.redisUrl !== undefined },
    'Cloud stand-in on the cloud adapters is listening.',
  );

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'Shutting down.');
    await closeServer(server);
    await workers.stop();
    await node.close();
    await faults.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/**
 * Reads the engine URLs. The prefix defaults to a hash of the home folder, so two local
 * installations on the same engines never share indices, queues or buckets.
 */
function readEngines(env: NodeJS.ProcessEnv, home: string): Engines {
  const missing = ['OPENSEARCH_URL', 'MOTO_URL'].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(
      `The cloud stand-in on the cloud adapters needs ${missing.join(' and ')}; start the ` +
        'engines with scripts/services/all.sh start and load .run/env.',
    );
  }
  const digest = createHash('sha256').update(home).digest('hex').slice(0, 10);
  return {
    openSearchUrl: env.OPENSEARCH_URL as string,
    motoUrl: env.MOTO_URL as string,
    redisUrl: env.REDIS_URL || undefined,
    prefix: env.HAPPY_STAND_IN_PREFIX || `happy-local-${digest}`,
    faults: env.HAPPY_DEPENDENCY_FAULTS === 'on',
  };
}

/** Creates the queue and the bucket on moto, then composes the cloud node through the proxies. */
async function composeStandIn(
  settings: EdgeSettings,
  engines: Engines,
  faults: DependencyFaultSwitch,
  logger: Logger,
): Promise<CloudNode> {
  const aws = { region: REGION, endpoint: faults.urls.moto, credentials: MOTO_CREDENTIALS };
  const sqs = createSqsClient(aws);
  const s3 = createS3Client(aws);
  const queues = await createTaskQueues(sqs, { queueName: `${engines.prefix}-tasks` });
  const bucket = `${engines.prefix}-files`;
  await ensureFileBucket(s3, bucket);
  sqs.destroy();
  s3.destroy();

  return composeCloudNode(
    {
      stage: 'local',
      nodeId: settings.nodeId,
      openSearch: {
        url: faults.urls.openSearch,
        indexPrefix: engines.prefix,
        indices: 'all',
        // One node: replicas could never be assigned. A short refresh keeps writes quick.
        replicas: 0,
        refreshInterval: '200ms',
      },
      aws,
      ...(faults.urls.redis ? { redis: { url: faults.urls.redis } } : {}),
      taskQueueUrl: queues.queueUrl,
      filesBucket: bucket,
      maxFileBytes: settings.maxFileBytes,
      tasks: { cloudTaskTypes: settings.cloudTaskTypes },
      // The edge has no per-agent rate limit, and drills send bursts from one agent.
      agentRateLimit: false,
    },
    {
      secrets: new LiteralSecretValues({
        signingKey: readFileSync(settings.keyFile, 'utf8'),
        adminToken: settings.adminToken.value,
        replicationToken: settings.replicationToken.value,
      }),
      logger: toAppLogger(logger),
      awsParts: createAwsParts,
    },
  );
}

/**
 * Serves `/stand-in/faults` ahead of the API routes, which never use that path. Both request
 * events are wrapped: a client that sends `Expect: 100-continue` (curl does for large bodies)
 * arrives through `checkContinue` instead of `request`.
 */
function routeFaultRequests(
  server: ReturnType<typeof createEdgeServer>,
  faults: DependencyFaultSwitch,
  adminToken: string,
  logger: Logger,
): void {
  for (const event of ['request', 'checkContinue'] as const) {
    const [api] = server.listeners(event) as ((
      req: IncomingMessage,
      res: ServerResponse,
    ) => void)[];
    if (!api) continue;
    server.removeAllListeners(event);
    server.on(event, (req: IncomingMessage, res: ServerResponse) => {
      if (!req.url?.startsWith(FAULTS_PATH)) {
        api(req, res);
        return;
      }
      if (event === 'checkContinue') res.writeContinue();
      handleFaultRequest(req, res, faults, adminToken).catch((error: unknown) => {
        logger.error({ err: error, url: req.url }, 'Dependency fault request failed.');
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
