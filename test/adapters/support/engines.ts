import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { eventually } from './wait.js';

/**
 * Engines started by a test for itself, so that it can stop and restart them by process id
 * without touching the shared ones that REDIS_URL and OPENSEARCH_URL point at.
 */

/** Runs a service script with its own RUN_DIR and returns the URL it prints. */
export async function runServiceScript(
  script: 'opensearch.sh' | 'redis.sh',
  command: 'start' | 'stop',
  runDir: string,
): Promise<string | undefined> {
  const child = spawn(`scripts/services/${script}`, [command], {
    env: { ...process.env, RUN_DIR: runDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${script} ${command} exited with ${code}:\n${output}`);
  return /^[A-Z_]+=(\S+)$/m.exec(output)?.[1];
}

/** Reads a pid file and kills that process with SIGKILL, as a crash would. */
export async function killByPidFile(pidFile: string): Promise<number> {
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  process.kill(pid, 'SIGKILL');
  await eventually(() => {
    if (isAlive(pid)) throw new Error(`Process ${pid} is still alive.`);
  });
  return pid;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A redis-server started by a test on a fixed loopback port. */
export interface RedisServer {
  readonly port: number;
  readonly pid: number;
  /** Kills the server by its pid and waits for it to exit. */
  kill(): Promise<void>;
}

/**
 * Starts `redis-server` without persistence on `port` and waits until it replies to PING. DEBUG
 * is enabled for local connections, so a test can make the server sleep.
 */
export async function startRedisServer(port: number): Promise<RedisServer> {
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'];
  const child: ChildProcess = spawn('redis-server', [...args, '--enable-debug-command', 'local'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await eventually(() => ping(port), 10_000, 50);
  return {
    port,
    pid: child.pid as number,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resolves when a Redis server on `port` replies PONG to PING. */
async function ping(port: number): Promise<void> {
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000, () => socket.destroy(new Error('PING timed out')));
    socket.on('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk) => {
      socket.end();
      resolve(chunk.toString('utf8'));
    });
    socket.on('error', reject);
  });
  if (!reply.startsWith('+PONG')) throw new Error(`Unexpected reply to PING: ${reply}`);
}
