import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

/** Entry points of a node of the API, resolved from this file so any working folder works. */
const MAINS = {
  /** The edge service on SQLite; also the SQLite stand-in of the cloud path. */
  sqlite: fileURLToPath(new URL('../server/main.ts', import.meta.url)),
  /** The stand-in of the cloud path on the cloud adapters (OpenSearch, Redis, moto). */
  'cloud-adapters': fileURLToPath(new URL('./cloud-stand-in.ts', import.meta.url)),
};

/** Options of {@link startNodeProcess}. */
export interface NodeProcessOptions {
  /** `cloud` for the local stand-in of the cloud path, `edge` for the edge service. */
  readonly service: 'cloud' | 'edge';
  readonly home: string;
  readonly nodeId: string;
  readonly adminToken: string;
  /** @default a free loopback port */
  readonly port?: number;
  /** Level of the child's own log. @default 'warn' */
  readonly logLevel?: string;
  /** Program of the node. @default 'sqlite' */
  readonly backend?: keyof typeof MAINS;
  /** Further command-line flags of the node, such as `--upstream-url`. @default [] */
  readonly args?: readonly string[];
  /** Further environment variables of the node, such as `HAPPY_REPLICATION_TOKEN`. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  readonly logger: Logger;
}

/** A node of the API running as a child process. */
export interface NodeProcess {
  readonly service: 'cloud' | 'edge';
  readonly url: string;
  readonly child: ChildProcess;
  /** Sends `signal` (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts a node (`local-fallback/server/main.ts`, or the stand-in of the cloud path on the
 * cloud adapters) as a child process with tsx loaded in the same
 * process, so a signal sent to the child reaches the server itself, and waits until its
 * `/health` returns 200.
 *
 * @throws {Error} when the child exits or is not healthy within 30 s.
 */
export async function startNodeProcess(options: NodeProcessOptions): Promise<NodeProcess> {
  const port = options.port ?? (await freeLoopbackPort());
  const main = MAINS[options.backend ?? 'sqlite'];
  const args = ['--import', 'tsx', main, '--quiet', '--port', String(port)];
  args.push('--home', options.home, '--service', options.service, '--node-id', options.nodeId);
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      HAPPY_ADMIN_TOKEN: options.adminToken,
      LOG_LEVEL: options.logLevel ?? 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let stopping = false;
  child.once('exit', (code, signal) => {
    const fields = { service: options.service, code, signal };
    if (stopping) options.logger.info(fields, 'Node process stopped.');
    else options.logger.warn(fields, 'Node process exited unexpectedly.');
  });

  const url = `http://127.0.0.1:${port}`;
  await waitUntilHealthy(url, child, options.service);
  options.logger.info({ service: options.service, url, pid: child.pid }, 'Node process ready.');
  const stopNode = (signal?: NodeJS.Signals) => {
    stopping = true;
    return stop(child, signal);
  };
  return { service: options.service, url, child, stop: stopNode };
}

/** Returns a loopback port that was free a moment ago. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitUntilHealthy(url: string, child: ChildProcess, service: string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`The ${service} process exited with code ${child.exitCode} during start.`);
    }
    const healthy = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`The ${service} process at ${url} was not healthy within 30 s.`);
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}
