import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A running HAProxy in front of the same two targets as the router. */
export interface HaproxyProcess {
  readonly url: string;
  readonly pid: number;
  readonly version: string;
  /** Returns the health status HAProxy shows for a server, for example `UP` or `DOWN`. */
  serverStatus(server: 'cloud' | 'edge'): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Builds an HAProxy configuration with the router's default health checks: GET /health every
 * 200 ms, 150 ms timeout, down after 2 failures, up after 3 passes. The edge is a `backup`
 * server. Retries with redispatch give HAProxy its best chance to hide a dead primary. It runs
 * one thread, as the router runs one event loop.
 */
function config(port: number, primaryPort: number, secondaryPort: number, socket: string): string {
  return `global
  nbthread 1
  maxconn 4096
  stats socket ${socket} mode 600 level admin

defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 5s
  timeout check 150ms
  option http-keep-alive
  retries 2
  retry-on conn-failure empty-response response-timeout 503
  option redispatch 1

frontend fe
  bind 127.0.0.1:${port}
  default_backend be

backend be
  option httpchk GET /health
  http-check expect status 200
  http-response set-header x-happy-served-by %[srv_name]
  default-server inter 200ms fall 2 rise 3
  server cloud 127.0.0.1:${primaryPort} check
  server edge 127.0.0.1:${secondaryPort} check backup
`;
}

async function statsCommand(socket: string, command: string): Promise<string> {
  const connection = createConnection(socket);
  let text = '';
  connection.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  connection.end(`${command}\n`);
  await once(connection, 'close');
  return text;
}

/** Starts HAProxy in the foreground from Debian's `haproxy` package. */
export async function startHaproxy(
  directory: string,
  port: number,
  primaryPort: number,
  secondaryPort: number,
): Promise<HaproxyProcess> {
  const socket = join(directory, 'haproxy.sock');
  const file = join(directory, 'haproxy.cfg');
  writeFileSync(file, config(port, primaryPort, secondaryPort, socket));
  const version = execFileSync('haproxy', ['-v']).toString().split('\n')[0]!;
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', file], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  // Before HAProxy has opened its stats socket, the status is `unavailable`.
  const serverStatus = async (server: 'cloud' | 'edge') => {
    const csv = await statsCommand(socket, 'show stat').catch(() => '');
    if (csv === '') {
      return 'unavailable';
    }
    const row = csv.split('\n').find((line) => line.startsWith(`be,${server},`));
    // Column 18 of `show stat` is the status, e.g. UP, DOWN, "UP 1/3".
    return row?.split(',')[17] ?? 'unknown';
  };
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    version,
    serverStatus,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/**
 * Resolves once HAProxy shows the primary `UP`, polling every 50 ms.
 *
 * @throws {Error} when the primary is not UP within 10 s.
 */
export async function waitForHaproxyUp(haproxy: HaproxyProcess): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!(await haproxy.serverStatus('cloud')).startsWith('UP')) {
    if (performance.now() > deadline) {
      throw new Error('HAProxy did not mark the primary UP within 10 s');
    }
    await sleep(50);
  }
}
