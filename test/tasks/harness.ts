import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { Client } from 'undici';
import { toAppLogger } from '../../local-fallback/logging/index.js';
import {
  composeSqliteNode,
  type SqliteNode,
  type SqliteNodeConfig,
} from '../../local-fallback/server/compose.js';
import { closeServer, createEdgeServer, listen } from '../../local-fallback/server/server.js';

/** Admin token of every harness node. */
export const ADMIN_TOKEN = 'happy_admin_test_token_0123456789';

/** Node settings a test may choose. */
export type EdgeOverrides = Partial<Pick<SqliteNodeConfig, 'tasks' | 'maxFileBytes'>>;

/** One request. The path is sent exactly as given, with no URL normalization. */
export interface HarnessRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly token?: string;
  /** Body sent JSON-encoded with `content-type: application/json`. */
  readonly json?: unknown;
  /** Body sent as is. */
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
}

/** One response, with the body as bytes, text and parsed JSON (undefined unless JSON). */
export interface HarnessResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly bytes: Buffer;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read fields freely.
  readonly json: any;
}

/** An edge node on SQLite in a temporary folder, served over HTTP on a free loopback port. */
export interface EdgeHarness {
  readonly node: SqliteNode;
  readonly dataDir: string;
  send(request: HarnessRequest): Promise<HarnessResponse>;
  /** Stops the workers, the server and the database, and removes the folder. */
  close(): Promise<void>;
}

/** Starts a node with the given settings; its task workers run only when `workers` is true. */
export async function startEdge(
  overrides: EdgeOverrides = {},
  { workers = false }: { workers?: boolean } = {},
): Promise<EdgeHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'happy-tasks-files-'));
  const logger = toAppLogger(pino({ level: 'silent' }));
  const config = { service: 'edge' as const, dataDir, nodeId: 'edge', adminToken: ADMIN_TOKEN };
  const node = composeSqliteNode({ ...config, ...overrides }, logger);
  const server: Server = createEdgeServer({
    handlers: node.handlers,
    logger: pino({ level: 'silent' }),
  });
  const address = await listen(server, 0, '127.0.0.1');
  const client = new Client(`http://127.0.0.1:${address.port}`);
  if (workers) node.workers.start();

  return {
    node,
    dataDir,
    send: (request) => send(client, request),
    close: async () => {
      await node.workers.stop();
      await client.close();
      await closeServer(server, 500);
      node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function send(client: Client, request: HarnessRequest): Promise<HarnessResponse> {
  const headers: Record<string, string> = { ...request.headers };
  let body = request.body;
  if (request.json !== undefined) {
    body = JSON.stringify(request.json);
    headers['content-type'] ??= 'application/json';
  }
  if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;

  const response = await client.request({
    method: request.method,
    path: request.path,
    headers,
    body,
  });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  const text = bytes.toString('utf8');
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { status: response.statusCode, headers: flat, bytes, text, json: parseJson(text) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Creates an agent with the admin token and returns the agent's token. */
export async function createAgent(edge: EdgeHarness, agentId: string): Promise<string> {
  const response = await edge.send({
    method: 'POST',
    path: '/api/v1/agents',
    token: ADMIN_TOKEN,
    json: { agent_id: agentId, name: `Agent ${agentId}` },
  });
  if (response.status !== 201) throw new Error(`Agent creation failed: ${response.text}`);
  return response.json.token as string;
}

/**
 * Polls `read` every 25 ms until `done` holds for its value, and returns that value.
 *
 * @throws {Error} with the last value when `timeoutMs` passes first.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) {
      throw new Error(
        `Condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`,
      );
    }
    await sleep(25);
    value = await read();
  }
  return value;
}
