import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { pino } from 'pino';
import { Pool } from 'undici';
import { afterEach } from 'vitest';

import {
  type Router,
  type RouterConfigInput,
  createRouter,
} from '../../local-fallback/router/index.js';
import type { RecoveryGate, RouterEvent } from '../../local-fallback/router/index.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/target.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Admin token used by every router in the tests. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** One fixture target process. */
export interface TargetProcess {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the first stdout event from index `from` on that matches. */
  waitFor(
    predicate: (event: FixtureEvent) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<FixtureEvent>;
  /** Number of stdout events so far, to pass as `from` to {@link waitFor}. */
  eventCount(): number;
  /** Sends `down` or `up` to the fixture and waits until it has closed or reopened. */
  command(line: 'down' | 'up'): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** One line the fixture writes to stdout. */
export interface FixtureEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** Returns a port that was free a moment ago, found by binding port 0. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

// Collects the fixture's stdout events and lets callers wait for one.
function watchEvents(child: ChildProcessWithoutNullStreams, name: string) {
  const events: FixtureEvent[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    events.push(JSON.parse(line) as FixtureEvent);
    for (const wake of waiters) {
      wake();
    }
  });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));

  const waitFor = (predicate: (event: FixtureEvent) => boolean, timeoutMs = 15_000, from = 0) =>
    new Promise<FixtureEvent>((resolve, reject) => {
      let seen = from;
      const check = () => {
        for (; seen < events.length; seen += 1) {
          const event = events[seen]!;
          if (predicate(event)) {
            cleanup();
            resolve(event);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        const output = stderr.join('');
        reject(new Error(`fixture ${name} did not emit the expected event; stderr: ${output}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { events, waitFor };
}

/**
 * Starts the fixture target as its own node process, so a test can SIGKILL it. It runs in one
 * process through `node --import tsx`; the `tsx` command would put a second process in between.
 */
export async function startTarget(
  name: string,
  env: Record<string, string> = {},
): Promise<TargetProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    cwd: REPO_ROOT,
    env: { ...process.env, TARGET_NAME: name, ...env, PORT: env.PORT ?? '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const { events, waitFor } = watchEvents(child, name);
  const listening = await waitFor((event) => event.event === 'listening');
  const port = Number(listening.port);

  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    waitFor,
    eventCount: () => events.length,
    async command(line) {
      const from = events.length;
      child.stdin.write(`${line}\n`);
      await waitFor((event) => event.event === line, 15_000, from);
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) {
        return;
      }
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}

/** Reads the per-method request counts of a fixture. */
export async function targetStats(
  url: string,
): Promise<{ counts: Record<string, number>; total: number }> {
  const response = await fetch(`${url}/__stats`);
  return (await response.json()) as { counts: Record<string, number>; total: number };
}

/** Starts a router on a free loopback port in this process. */
export async function startRouter(
  primary: string,
  secondary: string,
  overrides: Partial<RouterConfigInput> = {},
  recoveryGate?: RecoveryGate,
): Promise<{ router: Router; url: string }> {
  const router = createRouter(
    {
      adminToken: ADMIN_TOKEN,
      ...overrides,
      targets: {
        primary: { url: primary, ...overrides.targets?.primary },
        secondary: { url: secondary, ...overrides.targets?.secondary },
      },
    },
    { logger: pino({ level: process.env.ROUTER_TEST_LOG_LEVEL ?? 'silent' }), recoveryGate },
  );
  const address = await router.listen(0, '127.0.0.1');
  return { router, url: `http://127.0.0.1:${address.port}` };
}

/** Settings of the targets and router that {@link useRouterWithTargets} starts. */
export interface RouterWithTargetsOptions {
  /** Extra environment of the primary fixture, such as `POST_DELAY_MS`. */
  readonly primaryEnv?: Record<string, string>;
  readonly config?: Partial<RouterConfigInput>;
  readonly recoveryGate?: RecoveryGate;
}

/**
 * Returns `start`, which starts a primary and a secondary fixture, as `cloud` and `edge`, and a
 * router in front of them, and `track`, for a fixture a test starts itself. Call it in a
 * `describe` block: it registers an `afterEach` that closes the router and kills the fixtures.
 */
export function useRouterWithTargets() {
  const processes: TargetProcess[] = [];
  let router: Router | undefined;

  afterEach(async () => {
    await router?.close();
    router = undefined;
    await Promise.all(processes.splice(0).map((target) => target.kill()));
  });

  const track = (target: TargetProcess) => processes.push(target);
  const start = async (options: RouterWithTargetsOptions = {}) => {
    const primary = await startTarget('cloud', options.primaryEnv);
    const secondary = await startTarget('edge');
    processes.push(primary, secondary);
    const started = await startRouter(
      primary.url,
      secondary.url,
      options.config,
      options.recoveryGate,
    );
    router = started.router;
    return { primary, secondary, router: started.router, url: started.url };
  };
  return { start, track };
}

/** Collects router events of one type, with the time each arrived. */
export function recordEvents<T extends RouterEvent['type']>(
  router: Router,
  type: T,
): Array<Extract<RouterEvent, { type: T }> & { receivedAt: number }> {
  const seen: Array<Extract<RouterEvent, { type: T }> & { receivedAt: number }> = [];
  router.events.subscribeTo(type, (event) =>
    seen.push({ ...event, receivedAt: performance.now() }),
  );
  return seen;
}

/** Resolves when `condition` becomes true, checking every 20 ms; rejects after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  description: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves once `url` responds with 200, polling every 100 ms; rejects after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then(
      async (response) => {
        await response.arrayBuffer();
        return response.status === 200;
      },
      () => false,
    );
    if (ok) {
      return;
    }
    if (performance.now() > deadline) {
      throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Response of one load request. */
export interface LoadResult {
  readonly status: number;
  readonly servedBy: string | undefined;
  readonly failover: string | undefined;
  readonly error?: string;
  readonly startedAt: number;
}

/**
 * Sends GET requests through the router from `concurrency` loops until `stop()` is called, or
 * until `maxRequests` or `maxMs` is reached, whichever comes first.
 */
export function startLoad(
  url: string,
  options: { concurrency: number; maxRequests: number; maxMs: number },
) {
  const pool = new Pool(url, { connections: options.concurrency });
  const results: LoadResult[] = [];
  const deadline = performance.now() + options.maxMs;
  let stopped = false;
  let sent = 0;

  const loop = async () => {
    while (!stopped && sent < options.maxRequests && performance.now() < deadline) {
      sent += 1;
      const startedAt = performance.now();
      try {
        const response = await pool.request({ method: 'GET', path: `/load/${sent}` });
        await response.body.dump();
        results.push({
          status: response.statusCode,
          servedBy: response.headers['x-happy-served-by'] as string | undefined,
          failover: response.headers['x-happy-failover'] as string | undefined,
          startedAt,
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        results.push({
          status: 0,
          servedBy: undefined,
          failover: undefined,
          error: message,
          startedAt,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  const done = Promise.all(Array.from({ length: options.concurrency }, loop));
  return {
    results,
    async stop() {
      stopped = true;
      await done;
      await pool.close();
      return results;
    },
  };
}
