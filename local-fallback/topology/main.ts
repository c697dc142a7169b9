/**
 * `npm start`: the full local topology of Happy OS. The health router listens on port 8000 in
 * front of a local stand-in of the cloud path (primary) and the edge service (secondary).
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startLocalTopology, type LocalTopology } from './topology.js';

const USAGE = `Usage: npm start -- [options]
  --port N            router port (env PORT, default 8000)
  --host ADDR         router address (env HOST, default 127.0.0.1)
  --home DIR          folder of the admin token, token key and data (env HAPPY_HOME, default .happy)
  --primary-url URL   send primary traffic to a deployed API (an API Gateway stage URL) instead of
                      the local stand-in of the cloud path (env HAPPY_PRIMARY_URL)
The admin token comes from HAPPY_ADMIN_TOKEN; without it, one is generated at first start,
kept in <home>/admin-token and printed.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      home: { type: 'string' },
      'primary-url': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port ?? process.env.PORT ?? 8000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`Invalid port "${values.port ?? process.env.PORT}": use 0 to 65535.\n${USAGE}`);
  }

  const logger = pino({ name: 'happy-os', level: process.env.LOG_LEVEL ?? 'info' });
  const topology = await startLocalTopology({
    port,
    host: values.host ?? process.env.HOST,
    home: values.home ?? process.env.HAPPY_HOME,
    primaryUrl: values['primary-url'] ?? process.env.HAPPY_PRIMARY_URL,
    adminToken: process.env.HAPPY_ADMIN_TOKEN || undefined,
    logger,
  });
  printBanner(topology);

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'Stopping the local topology.');
    topology.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'Stopping the local topology failed.');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

function printBanner(topology: LocalTopology): void {
  const { adminToken } = topology;
  const primary = topology.cloud
    ? `${topology.primaryUrl}  (local stand-in of the cloud path, "service": "cloud", on ${
        topology.cloudBackend === 'cloud-adapters'
          ? 'the cloud adapters: OpenSearch, moto and Redis if REDIS_URL is set'
          : 'SQLite; set OPENSEARCH_URL and MOTO_URL for the cloud adapters'
      })`
    : `${topology.primaryUrl}  (deployed cloud path)`;
  const tokenLines = adminToken.file
    ? `Admin token${adminToken.generated ? ' (generated now)' : ''}: kept in ${adminToken.file}` +
      (adminToken.generated ? `\n  ${adminToken.value}` : '')
    : 'Admin token: taken from HAPPY_ADMIN_TOKEN.';
  const exportLine = adminToken.file
    ? `  export HAPPY_ADMIN_TOKEN=$(cat ${adminToken.file})\n`
    : '';
  console.log(`
Happy OS on ${topology.url}  (health router)
  primary    ${primary}
  secondary  ${topology.edge.url}  (edge service, "service": "edge")
${tokenLines}

Try it:
${exportLine}  curl -s ${topology.url}/health
  curl -s ${topology.url}/router/status -H "authorization: Bearer $HAPPY_ADMIN_TOKEN"
`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
