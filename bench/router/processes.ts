import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { freePort, waitForHttp } from '../../test/router/harness.js';

/** Admin token of every process the benchmark starts. */
export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../../local-fallback/router/main.ts', import.meta.url));

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** A router started by {@link startRouterProcess}. */
export interface RouterProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Returns the CPU time of a process in milliseconds (user + system, all threads) from /proc;
 * Linux only.
 */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
  if (fields === undefined) {
    throw new Error(
      `Failed to parse /proc/${pid}/stat because it has no ") " after the command name`,
    );
  }
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Returns the load average over 1, 5 and 15 minutes, as `/proc/loadavg` shows it. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/**
 * Starts the router as its own process through `main.ts` under tsx, with default settings and
 * logging at level error, and waits until its `/health` returns 200.
 */
export async function startRouterProcess(
  primary: string,
  secondary: string,
): Promise<RouterProcess> {
  const port = await freePort();
  const args = [
    '--import',
    'tsx',
    MAIN,
    '--primary',
    primary,
    '--secondary',
    secondary,
    '--port',
    String(port),
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, HAPPY_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, 20_000);
  return {
    url,
    pid: child.pid ?? 0,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
