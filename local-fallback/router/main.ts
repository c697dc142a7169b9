import { randomBytes } from 'node:crypto';

import { type Logger, pino } from 'pino';

import type { RouterConfig } from './config.js';
import { ROUTER_USAGE, loadRouterConfig } from './config-loader.js';
import { RouterConfigInvalidError } from './errors.js';
import { type Router, createRouter } from './router.js';

// Returns the configuration, or undefined after printing the help; exits 2 when it is invalid.
function loadOrExit(): RouterConfig | undefined {
  try {
    const loaded = loadRouterConfig({ argv: process.argv.slice(2), env: process.env });
    if (loaded.help) {
      process.stdout.write(`${ROUTER_USAGE}\n`);
      return undefined;
    }
    return loaded.config;
  } catch (error) {
    if (error instanceof RouterConfigInvalidError) {
      process.stderr.write(`${error.message}\n\n${ROUTER_USAGE}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** Returns the config with an admin token, and the token when this run generated it. */
function withAdminToken(config: RouterConfig): { config: RouterConfig; generated?: string } {
  if (config.adminToken !== undefined) {
    return { config };
  }
  const adminToken = randomBytes(24).toString('base64url');
  return { config: { ...config, adminToken }, generated: adminToken };
}

function stopOnSignals(router: Router, logger: Logger): void {
  const stop = (signal: string) => {
    logger.info({ signal }, 'router stopping');
    router.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'router failed to close');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/**
 * Runs the health router from the command line:
 * `tsx local-fallback/router/main.ts --primary URL --secondary URL --port 8000`.
 * Exits with status 2 on an invalid configuration and 1 when the port cannot be bound.
 */
async function main(): Promise<void> {
  const loaded = loadOrExit();
  if (loaded === undefined) {
    return;
  }

  const { config, generated } = withAdminToken(loaded);
  const logger = pino({ name: 'happy-router', level: process.env.LOG_LEVEL ?? 'info' });
  const router = createRouter(config, { logger });
  try {
    await router.listen();
  } catch (error) {
    await router.close();
    process.stderr.write(`${describeListenError(error, config.host, config.port)}\n`);
    process.exit(1);
  }
  if (generated !== undefined) {
    // Printed once the router listens, outside the log, so that it never reaches log storage.
    process.stderr.write(
      `HAPPY_ADMIN_TOKEN is not set; the admin token of this run is ${generated}\n`,
    );
  }
  stopOnSignals(router, logger);
}

// Describes the error in one sentence for the terminal instead of a log line with a stack,
// because the usual cause is a port held by another process, which a flag works around.
function describeListenError(error: unknown, host: string, port: number): string {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  if (code === 'EADDRINUSE') {
    return (
      `Port ${port} on ${host} is in use; stop the process that holds it, or pass --port N ` +
      'to listen on another port.'
    );
  }

  const reason = code ?? (error instanceof Error ? error.message : String(error));
  return (
    `The router cannot listen on ${host}:${port} (${reason}); ` +
    'pass --host or --port to change the address.'
  );
}

await main();
