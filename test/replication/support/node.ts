import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Client } from 'undici';
import { toAppLogger } from '../../../local-fallback/logging/index.js';
import {
  composeSqliteNode,
  type SqliteNode,
  type SqliteNodeConfig,
} from '../../../local-fallback/server/compose.js';
import { closeServer, createEdgeServer, listen } from '../../../local-fallback/server/server.js';

/** Admin token of every test node. */
export const ADMIN_TOKEN = 'happy_admin_replication_test_0123';
/** Replication token of every test node that has one. */
export const REPLICATION_TOKEN = 'happy_repl_replication_test_0123';

/** One response with its body parsed as JSON when it is JSON. */
export interface NodeResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read fields freely.
  readonly json: any;
}

/** A node on SQLite in a temporary folder, served on a free loopback port in this process. */
export interface TestNode {
  readonly node: SqliteNode;
  readonly url: string;
  /** Sends a request; `body` that is not a string is sent as JSON. */
  send(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<NodeResponse>;
  close(): Promise<void>;
}

/** Starts a node with the replication token unless `config` sets another value. */
export async function startTestNode(config: Partial<SqliteNodeConfig> = {}): Promise<TestNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'happy-replication-node-'));
  const base = {
    service: 'cloud' as const,
    dataDir,
    nodeId: 'cloud-test',
    adminToken: ADMIN_TOKEN,
  };
  const node = composeSqliteNode(
    { ...base, replicationToken: REPLICATION_TOKEN, ...config },
    toAppLogger(pino({ level: 'silent' })),
  );
  const server: Server = createEdgeServer({
    handlers: node.handlers,
    logger: pino({ level: 'silent' }),
  });
  const address = await listen(server, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${address.port}`;
  const client = new Client(url);

  return {
    node,
    url,
    send: async (method, path, options = {}) => {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await client.request({ method: method as 'GET', path, headers, body });
      const text = await response.body.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.statusCode, headers: response.headers, json };
    },
    close: async () => {
      await client.close();
      await closeServer(server, 500);
      node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates an agent with the admin token and returns its token. */
export async function createAgent(node: TestNode, agentId: string): Promise<string> {
  const response = await node.send('POST', '/api/v1/agents', {
    token: ADMIN_TOKEN,
    body: { agent_id: agentId, name: agentId },
  });
  if (response.status !== 201) throw new Error(`Creating ${agentId} returned ${response.status}.`);
  return response.json.token as string;
}
