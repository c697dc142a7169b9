/**
 * Entry point of the edge service: `npm start` (or `tsx local-fallback/server/main.ts --help`).
 * Serves the API from SQLite on the same handler functions the Lambda functions run.
 */
import { UPSTREAM_PEER } from '../../lambdas/core/index.js';
import { createPinoLogger, toAppLogger } from '../logging/index.js';
import {
  registerReplicationMetrics,
  ReplicationMonitor,
  ReplicationPeerClient,
  Replicator,
  startTombstonePurge,
} from '../replication/index.js';
import { composeSqliteNode, type SqliteNode } from './compose.js';
import { closeServer, createEdgeServer, listen } from './server.js';
import { EDGE_USAGE, readEdgeSettings, type EdgeSettings } from './settings.js';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { AppLogger } from '../../lambdas/ports/index.js';

/**
 * Age after which a temporary file counts as left by an interrupted write. A write keeps its
 * temporary file for milliseconds, so a minute leaves a wide margin for a slow disk.
 */
const TEMPORARY_FILE_MAX_AGE_MS = 60_000;

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log(EDGE_USAGE);
    return;
  }
  const settings = readEdgeSettings(process.argv.slice(2), process.env);
  const logger = createPinoLogger({ name: settings.service });
  const appLogger = toAppLogger(logger);
  const monitor = settings.upstreamUrl ? new ReplicationMonitor() : null;
  const node = composeSqliteNode(
    {
      service: settings.service,
      dataDir: settings.dataDir,
      nodeId: settings.nodeId,
      adminToken: settings.adminToken.value,
      keyFile: settings.keyFile,
      tasks: settings.tasks,
      maxFileBytes: settings.maxFileBytes,
      replicationToken: settings.replicationToken.value,
      // Only an edge with a cloud to defer to leaves tasks of cloud types queued.
      taskRole: settings.upstreamUrl ? 'edge' : 'cloud',
      cloudTaskTypes: settings.cloudTaskTypes,
      healthProbes: monitor ? [monitor.probe()] : [],
      replicationLinks: monitor ? () => monitor.report() : undefined,
      outboxPeers: settings.upstreamUrl ? [UPSTREAM_PEER] : [],
    },
    appLogger,
  );
  await recoverInterruptedWrites(node, logger);
  // `/metrics` has the replication gauges on a node with an upstream, and is empty otherwise.
  const metrics = new Registry();
  if (monitor) registerReplicationMetrics(metrics, monitor);
  const server = createEdgeServer({
    handlers: node.handlers,
    logger,
    service: settings.service,
    metrics,
  });
  const address = await listen(server, settings.port, settings.host);
  node.workers.start();
  const replication = startReplication(settings, node, monitor, appLogger);
  logger.info({ port: address.port, host: settings.host, dataDir: settings.dataDir }, 'Listening.');
  if (!settings.quiet) printBanner(settings, address.port);

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'Shutting down.');
    await closeServer(server);
    await replication.stop();
    await node.workers.stop();
    node.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/** Resolves file writes that a crash interrupted, before the node serves. */
async function recoverInterruptedWrites(node: SqliteNode, logger: Logger): Promise<void> {
  const removed = await node.fileStore.removeTemporaryFiles(TEMPORARY_FILE_MAX_AGE_MS);
  if (removed > 0) logger.warn({ removed }, 'Removed temporary files of interrupted file writes.');
  const resolved = await node.fileJournal.recover();
  if (resolved > 0) logger.warn({ resolved }, 'Resolved file writes a crash interrupted.');
}

/**
 * Starts the tombstone purge and, on a node with an upstream, the pull and drain loops.
 *
 * @returns a handle whose `stop` ends them all.
 */
function startReplication(
  settings: EdgeSettings,
  node: SqliteNode,
  monitor: ReplicationMonitor | null,
  logger: AppLogger,
): { stop(): Promise<void> } {
  const outboxPeers = settings.upstreamUrl ? [UPSTREAM_PEER] : [];
  const stopPurge = startTombstonePurge({
    database: node.database,
    nodeId: settings.nodeId,
    outboxPeers,
    logger,
  });
  if (!settings.upstreamUrl || !monitor) return { stop: async () => stopPurge() };

  const upstream = new ReplicationPeerClient({
    baseUrl: settings.upstreamUrl,
    token: settings.replicationToken.value,
  });
  const replicator = new Replicator({
    service: node.replication,
    upstream,
    monitor,
    logger,
    batchSize: settings.replicationBatch,
  });
  replicator.start();
  return {
    stop: async () => {
      stopPurge();
      await replicator.stop();
      await upstream.close();
    },
  };
}

function printBanner(settings: EdgeSettings, port: number): void {
  const host = settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host;
  const base = `http://${host}:${port}`;
  const { adminToken } = settings;
  const tokenLine = adminToken.file
    ? `Admin token${adminToken.generated ? ' (generated now)' : ''}: kept in ${adminToken.file}`
    : 'Admin token: taken from HAPPY_ADMIN_TOKEN.';
  const exportLine = adminToken.file
    ? `  export HAPPY_ADMIN_TOKEN=$(cat ${adminToken.file})\n`
    : '';
  console.log(`
Happy OS ${settings.service} service on ${base} (data in ${settings.dataDir})
${tokenLine}
${adminToken.generated ? `  ${adminToken.value}\n` : ''}
Try it:
${exportLine}  curl -s ${base}/health
  curl -s -X POST ${base}/api/v1/agents -H "authorization: Bearer $HAPPY_ADMIN_TOKEN" \\
    -H 'content-type: application/json' -d '{"agent_id": "demo-agent", "name": "Demo"}'
`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
