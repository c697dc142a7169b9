/**
 * `npm start`: the full local topology of Happy OS. The health router listens on port 8000 in
 * front of a local stand-in of the cloud path (primary) and the edge service (secondary).
 */
import { pino } from 'pino';
import { parseStartOptions, portProblem, START_USAGE } from './start-options.js';
import { startLocalTopology, type LocalTopology } from './topology.js';

async function main(): Promise<void> {
  const parsed = parseStartOptions(process.argv.slice(2), process.env);
  if (!parsed.ok) {
    throw new Error(
      `Invalid options of npm start:\n${parsed.problems.map((problem) => `  - ${problem}`).join('\n')}\n\n` +
        START_USAGE,
    );
  }
  const { options } = parsed;
  if (options.help) {
    console.log(START_USAGE);
    return;
  }
  const unavailable = await portProblem(options.host, options.port);
  if (unavailable) throw new Error(unavailable);

  const logger = pino({ name: 'happy-os', level: process.env.LOG_LEVEL ?? 'info' });
  const topology = await startLocalTopology({
    port: options.port,
    host: options.host,
    home: options.home,
    primaryUrl: options.primaryUrl,
    adminToken: options.adminToken,
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
