import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('Could not read the port of a probe socket.'));
      });
    });
  });
}

/** A node process of Happy OS started by a test. */
export interface RunningNode {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Output so far, for failure messages. */
  output(): string;
  /** Sends `signal` and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Options of {@link startEdgeProcess}. */
export interface EdgeProcessOptions {
  /** Home folder: admin token file, token key and, unless `dataDir` is given, the database. */
  readonly home: string;
  readonly dataDir?: string;
  /** Admin token; when absent the process generates one into `<home>/admin-token`. */
  readonly adminToken?: string;
  readonly port?: number;
  readonly nodeId?: string;
  readonly service?: 'edge' | 'cloud';
  readonly env?: Record<string, string>;
}

/** Starts `local-fallback/server/main.ts` as a child process and waits until it is healthy. */
export async function startEdgeProcess(options: EdgeProcessOptions): Promise<RunningNode> {
  const port = options.port ?? (await freePort());
  const args = ['--import', 'tsx', 'local-fallback/server/main.ts'];
  args.push('--port', String(port), '--home', options.home);
  if (options.dataDir) args.push('--data-dir', options.dataDir);
  args.push('--node-id', options.nodeId ?? 'edge', '--service', options.service ?? 'edge');
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      HAPPY_ADMIN_TOKEN: options.adminToken ?? '',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));

  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child, () => output);
  return {
    url,
    port,
    child,
    output: () => output,
    stop: (signal = 'SIGTERM') => stopProcess(child, signal),
  };
}

async function waitForHealth(
  url: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `Edge process exited with ${child.exitCode} before it was healthy:\n${output()}`,
      );
    }
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`Edge process at ${url} was not healthy within 20 s:\n${output()}`);
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}
