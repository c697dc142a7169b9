import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { ServiceName } from '../../lambdas/handlers/index.js';
import {
  readTaskFileSettings,
  TASK_FILE_OPTIONS,
  TASK_FILE_USAGE,
  type TaskFileSettings,
} from '../worker/settings.js';

/** Settings of one edge process, from flags first, then environment variables, then defaults. */
export interface EdgeSettings extends TaskFileSettings {
  readonly port: number;
  readonly host: string;
  /** Folder shared by the nodes of one local installation: admin token and token key. */
  readonly home: string;
  readonly dataDir: string;
  readonly nodeId: string;
  readonly service: ServiceName;
  readonly adminToken: AdminToken;
  readonly keyFile: string;
  /** Skips the start banner, for nodes started by another program. */
  readonly quiet: boolean;
  /** Credential of the `/internal/v1/` replication endpoints, of this node and its upstream. */
  readonly replicationToken: AdminToken;
  /** URL of the cloud this edge pulls from and drains to; null for a node without one. */
  readonly upstreamUrl: string | null;
  /** Changes per pulled page and per drained batch. */
  readonly replicationBatch: number;
  /** Task types that an edge with an upstream leaves queued for the cloud. */
  readonly cloudTaskTypes: string[];
}

/** The admin token and where it came from. */
export interface AdminToken {
  readonly value: string;
  /** File the token was read from or generated into; null when it came from the environment. */
  readonly file: string | null;
  /** True when this start generated it, so it should be printed once. */
  readonly generated: boolean;
}

const settingsSchema = z.strictObject({
  port: z.coerce.number().int().min(0).max(65_535),
  host: z.string().min(1),
  home: z.string().min(1),
  dataDir: z.string().min(1).optional(),
  nodeId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits, "-"'),
  service: z.enum(['edge', 'cloud']),
  adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
  keyFile: z.string().min(1).optional(),
  replicationToken: z.string().min(16, 'must be at least 16 characters').optional(),
  upstreamUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .optional(),
  replicationBatch: z.coerce.number().int().min(1).max(1000),
  cloudTaskTypes: z
    .string()
    .transform((text) => text.split(',').map((type) => type.trim()))
    .transform((types) => types.filter((type) => type !== ''))
    .pipe(z.array(z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'must list task type names'))),
});

/** Help text of the edge command. */
export const EDGE_USAGE = `Usage: npm start -- [options]
  --port N           TCP port to listen on (env PORT, default 8000)
  --host ADDR        address to bind (env HOST, default 127.0.0.1)
  --home DIR         folder of the admin token and token key (env HAPPY_HOME, default .happy)
  --data-dir DIR     folder of the database (env HAPPY_DATA_DIR, default <home>/<service>)
  --node-id ID       id of this node in record versions (env HAPPY_NODE_ID, default edge)
  --service NAME     "edge", or "cloud" for the local stand-in of the cloud path (default edge)
  --key-file FILE    token signing key (env HAPPY_KEY_FILE, default <home>/keys/token-signing.jwk.json)
  --upstream-url URL cloud to pull changes from and drain the outbox to (env HAPPY_UPSTREAM_URL,
                     default none: no replication loops run)
  --replication-batch N  changes per pulled page and drained batch (env HAPPY_REPLICATION_BATCH,
                     default 100, at most 1000)
  --cloud-task-types TYPES  comma-separated task types that an edge with an upstream leaves
                     queued for the cloud (env HAPPY_CLOUD_TASK_TYPES, default http; an
                     empty value for none)
${TASK_FILE_USAGE}
  --quiet            print no start banner
The admin token comes from HAPPY_ADMIN_TOKEN; without it, one is generated at first start,
kept in <home>/admin-token and printed. The replication token of the /internal/v1/ endpoints
likewise comes from HAPPY_REPLICATION_TOKEN or <home>/replication-token; an edge and its
upstream need the same one.`;

/**
 * Reads the settings from `argv` and `env`.
 *
 * @throws {Error} listing every invalid setting at once.
 */
export function readEdgeSettings(argv: string[], env: NodeJS.ProcessEnv): EdgeSettings {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      home: { type: 'string' },
      'data-dir': { type: 'string' },
      'node-id': { type: 'string' },
      service: { type: 'string' },
      'key-file': { type: 'string' },
      'upstream-url': { type: 'string' },
      'replication-batch': { type: 'string' },
      'cloud-task-types': { type: 'string' },
      quiet: { type: 'boolean' },
      ...TASK_FILE_OPTIONS,
    },
    strict: true,
  });
  const parsed = settingsSchema.safeParse({
    port: values.port ?? env.PORT ?? 8000,
    host: values.host ?? env.HOST ?? '127.0.0.1',
    home: values.home ?? env.HAPPY_HOME ?? '.happy',
    dataDir: values['data-dir'] ?? env.HAPPY_DATA_DIR,
    nodeId: values['node-id'] ?? env.HAPPY_NODE_ID ?? 'edge',
    service: values.service ?? 'edge',
    adminToken: env.HAPPY_ADMIN_TOKEN || undefined,
    keyFile: values['key-file'] ?? env.HAPPY_KEY_FILE,
    replicationToken: env.HAPPY_REPLICATION_TOKEN || undefined,
    upstreamUrl: values['upstream-url'] ?? (env.HAPPY_UPSTREAM_URL || undefined),
    replicationBatch: values['replication-batch'] ?? (env.HAPPY_REPLICATION_BATCH || 100),
    cloudTaskTypes: values['cloud-task-types'] ?? env.HAPPY_CLOUD_TASK_TYPES ?? 'http',
  });
  const taskFile = readTaskFileSettings(values, env);
  if (!parsed.success || 'problems' in taskFile) {
    const problems = parsed.success
      ? []
      : parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    if ('problems' in taskFile) problems.push(...taskFile.problems);
    throw new Error(`Invalid edge settings:\n${problems.join('\n')}\n\n${EDGE_USAGE}`);
  }

  const settings = parsed.data;
  const home = resolve(settings.home);
  return {
    ...settings,
    ...taskFile.settings,
    home,
    quiet: values.quiet ?? false,
    dataDir: resolve(settings.dataDir ?? join(home, settings.service)),
    keyFile: resolve(settings.keyFile ?? join(home, 'keys', 'token-signing.jwk.json')),
    adminToken: settings.adminToken
      ? { value: settings.adminToken, file: null, generated: false }
      : loadOrCreateAdminToken(home),
    replicationToken: settings.replicationToken
      ? { value: settings.replicationToken, file: null, generated: false }
      : loadOrCreateReplicationToken(home),
    upstreamUrl: settings.upstreamUrl ?? null,
  };
}

/**
 * Reads the admin token kept in the home folder, generating it at first start. Nodes started
 * with the same home share it.
 */
export function loadOrCreateAdminToken(home: string): AdminToken {
  return loadOrCreateSecret(home, 'admin-token', 'happy_admin_');
}

/**
 * Reads the replication token kept in the home folder, generating it at first start. Nodes
 * started with the same home share it, as the cloud stand-in and the edge of `npm start` do.
 */
export function loadOrCreateReplicationToken(home: string): AdminToken {
  return loadOrCreateSecret(home, 'replication-token', 'happy_repl_');
}

/** Reads a secret from `<home>/<name>`, or generates one with `prefix` into a new file. */
function loadOrCreateSecret(home: string, name: string, prefix: string): AdminToken {
  const file = join(home, name);
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), file, generated: false };

  mkdirSync(home, { recursive: true, mode: 0o700 });
  const value = `${prefix}${randomBytes(24).toString('base64url')}`;
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${value}\n`, { mode: 0o600 });
  try {
    // Linking fails when another process sharing this home wrote its token first; keep that one.
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { value: readFileSync(file, 'utf8').trim(), file, generated: false };
  } finally {
    unlinkSync(temporary);
  }
  return { value, file, generated: true };
}
