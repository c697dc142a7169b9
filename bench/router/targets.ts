import { pino } from 'pino';

import { type NodeProcess, startNodeProcess } from '../../local-fallback/topology/index.js';
import { type TargetProcess, startTarget } from '../../test/router/harness.js';
import type { LoadRequest } from './load.js';

/** Target kinds the benchmark measures against. */
export type TargetKind = 'fixture' | 'edge-service';

/** One target process on loopback. */
export interface TargetEndpoint {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
}

/** The primary and secondary target of one benchmark round, and the request the load sends. */
export interface TargetPair {
  readonly kind: TargetKind;
  readonly primary: TargetEndpoint;
  readonly secondary: TargetEndpoint;
  readonly request: LoadRequest;
  /** Unmeasured load on each path before the measured rounds, so the JIT has compiled the hot
   * paths of every process. */
  readonly warmupMs: number;
  /** Stops both targets. */
  stop(): Promise<void>;
}

/** A pair of fixture targets, which the failover run can kill and restart. */
export interface FixturePair extends TargetPair {
  readonly cloud: TargetProcess;
  readonly edge: TargetProcess;
}

const AGENT_ID = 'bench-agent';
const MEMORY_KEY = 'preferences';

function endpoint(url: string, pid: number | undefined): TargetEndpoint {
  return { url, port: Number(new URL(url).port), pid: pid ?? 0 };
}

/**
 * Starts two instances of the router test fixture `test/router/fixtures/target.ts`: a node:http
 * server that returns a JSON body of about 250 bytes and does no other work, which makes it the
 * worst case for a proxy.
 */
export async function startFixturePair(): Promise<FixturePair> {
  const cloud = await startTarget('cloud', { QUIET: '1' });
  const edge = await startTarget('edge', { QUIET: '1' });
  return {
    kind: 'fixture',
    primary: endpoint(cloud.url, cloud.child.pid),
    secondary: endpoint(edge.url, edge.child.pid),
    request: { path: '/bench', headers: {} },
    warmupMs: 2_000,
    cloud,
    edge,
    async stop() {
      await Promise.all([cloud.kill(), edge.kill()]);
    },
  };
}

async function postJson(url: string, token: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) {
    throw new Error(`POST ${url} returned ${response.status}, expected 201: ${text}`);
  }
  return JSON.parse(text) as unknown;
}

// Creates an agent with one memory record stored under a key, and returns the request that
// reads that record back, the call an agent makes most.
async function seedMemoryKey(baseUrl: string, adminToken: string): Promise<LoadRequest> {
  const agent = { agent_id: AGENT_ID, name: 'Benchmark agent' };
  const created = (await postJson(`${baseUrl}/api/v1/agents`, adminToken, agent)) as {
    token: string;
  };
  const record = {
    user_id: 'bench-user',
    key: MEMORY_KEY,
    value: 'Prefers short answers in British English; timezone Europe/London; works on billing.',
  };
  await postJson(`${baseUrl}/api/v1/${AGENT_ID}/memory`, created.token, record);

  const request = {
    path: `/api/v1/${AGENT_ID}/memory/keys/${MEMORY_KEY}`,
    headers: { authorization: `Bearer ${created.token}` },
  };
  const check = await fetch(`${baseUrl}${request.path}`, { headers: request.headers });
  await check.arrayBuffer();
  if (check.status !== 200) {
    throw new Error(`GET ${request.path} returned ${check.status} after seeding, expected 200`);
  }
  return request;
}

/**
 * Starts the edge service (`local-fallback/server/main.ts`) twice: as the local stand-in of the
 * cloud path (primary) and as the edge (secondary). Both share `home`, so they verify the same
 * agent tokens, and each keeps its SQLite database in its own folder under it. The agent and
 * its memory record exist on the primary only, because the throughput rounds expect no
 * failover. A request that the secondary served would fail and count in the errors column.
 */
export async function startEdgeServicePair(home: string, adminToken: string): Promise<TargetPair> {
  const logger = pino({ name: 'router-bench', level: 'warn' });
  const started: NodeProcess[] = [];
  try {
    // One after the other: the first start writes the token signing key into `home`.
    const options = { home, adminToken, logger };
    started.push(await startNodeProcess({ ...options, service: 'cloud', nodeId: 'cloud' }));
    started.push(await startNodeProcess({ ...options, service: 'edge', nodeId: 'edge' }));
    const [cloud, edge] = started as [NodeProcess, NodeProcess];
    return {
      kind: 'edge-service',
      primary: endpoint(cloud.url, cloud.child.pid),
      secondary: endpoint(edge.url, edge.child.pid),
      request: await seedMemoryKey(cloud.url, adminToken),
      // In a trial run, the edge service's direct throughput kept rising for about 8 s of load,
      // where the fixture settles within 2 s.
      warmupMs: 10_000,
      async stop() {
        await Promise.all(started.map((node) => node.stop()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((node) => node.stop()));
    throw error;
  }
}
