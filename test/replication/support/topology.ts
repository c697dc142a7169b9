import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { request } from 'undici';
import type { RouterEvent, TargetRole } from '../../../local-fallback/router/index.js';
import {
  freeLoopbackPort,
  startLocalTopology,
  type LocalTopology,
  type LocalTopologyOptions,
} from '../../../local-fallback/topology/index.js';

/** One response of a call. */
export interface CallResponse {
  readonly status: number;
  /** `x-happy-served-by` of responses that came through the router. */
  readonly servedBy: string | undefined;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read fields freely.
  readonly json: any;
}

/**
 * Sends one request on a fresh connection, so a process killed by the test leaves no pooled
 * connection behind. A connection error comes back as status 0.
 */
export async function call(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<CallResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await request(`${baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      reset: true,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const text = await response.body.text();
    const servedBy = response.headers['x-happy-served-by'];
    return {
      status: response.statusCode,
      servedBy: typeof servedBy === 'string' ? servedBy : undefined,
      json: text ? JSON.parse(text) : undefined,
    };
  } catch {
    return { status: 0, servedBy: undefined, json: undefined };
  }
}

/**
 * Calls `probe` every `intervalMs` until it returns a value other than undefined or false.
 *
 * @throws {Error} naming `description` when `timeoutMs` passes first.
 */
export async function waitFor<T>(
  description: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await sleep(intervalMs);
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}.`);
}

/** A local topology in a fresh home, with its tokens at hand. */
export interface TestTopology {
  readonly topology: LocalTopology;
  readonly admin: string;
  readonly replication: string;
  /** Every router event since the start, in order. */
  readonly events: RouterEvent[];
  /** Resolves with the next flip to `role`. */
  nextFlip(role: TargetRole): Promise<RouterEvent>;
}

/** Starts the local topology in a new temporary home on free loopback ports. */
export async function startTestTopology(
  options: Partial<LocalTopologyOptions> = {},
): Promise<TestTopology> {
  const topology = await startLocalTopology({
    home: mkdtempSync(join(tmpdir(), 'happy-replication-')),
    port: await freeLoopbackPort(),
    logger: pino({ level: 'silent' }),
    // These tests drive hundreds of changes through the replication protocol. The stand-in on
    // the cloud adapters applies each one with several OpenSearch round trips, which is too slow
    // for their deadlines. The topology and drill tests cover that stand-in.
    cloudBackend: 'sqlite',
    ...options,
  });
  const events: RouterEvent[] = [];
  topology.router.events.subscribe((event) => events.push(event));
  const nextFlip = (role: TargetRole) =>
    new Promise<RouterEvent>((resolve) => {
      const unsubscribe = topology.router.events.subscribeTo('flip', (event) => {
        if (event.to !== role) return;
        unsubscribe();
        resolve(event);
      });
    });
  return {
    topology,
    admin: topology.adminToken.value,
    replication: topology.replicationToken.value,
    events,
    nextFlip,
  };
}

/** Reads the replication status of a node. */
export async function replicationStatus(baseUrl: string, token: string): Promise<CallResponse> {
  return call(baseUrl, 'GET', '/internal/v1/replication/status', { token });
}

/** Waits until the edge's outbox is empty and returns its status. */
export async function waitForDrain(test: TestTopology, timeoutMs = 30_000): Promise<CallResponse> {
  return waitFor(
    'the edge outbox to drain',
    async () => {
      const status = await replicationStatus(test.topology.edge.url, test.replication);
      return status.status === 200 && status.json.outbox.pending === 0 && status;
    },
    timeoutMs,
  );
}

/** Creates an agent through `baseUrl` and returns its token. */
export async function createAgent(test: TestTopology, baseUrl: string, agentId: string) {
  const response = await call(baseUrl, 'POST', '/api/v1/agents', {
    token: test.admin,
    body: { agent_id: agentId, name: agentId },
  });
  if (response.status !== 201) throw new Error(`Creating ${agentId} returned ${response.status}.`);
  return response.json.token as string;
}
