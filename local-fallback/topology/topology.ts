import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { createOutboxRecoveryGate } from '../replication/index.js';
import { createRouter, type Router } from '../router/index.js';
import {
  loadOrCreateAdminToken,
  loadOrCreateReplicationToken,
  type AdminToken,
} from '../server/settings.js';
import { defaultKeyFile, FileSigningKeyProvider } from '../storage/index.js';
import { freeLoopbackPort, startNodeProcess, type NodeProcess } from './node-process.js';

/** Options of {@link startLocalTopology}. */
export interface LocalTopologyOptions {
  /** Folder of the admin token, the shared token key and each node's data. @default '.happy' */
  readonly home?: string;
  /** Port of the router. @default 8000 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * URL of a deployed cloud path (an API Gateway stage URL). When set, no local stand-in of the
   * cloud is started and the router sends primary traffic there.
   */
  readonly primaryUrl?: string;
  /** Admin token; read from or generated into `<home>/admin-token` when absent. */
  readonly adminToken?: string;
  /** Replication token; read from or generated into `<home>/replication-token` when absent. */
  readonly replicationToken?: string;
  /**
   * Task types the edge leaves queued for the cloud. @default ['http'] with the SQLite stand-in,
   * none with the stand-in on the cloud adapters, which cannot run `http`
   */
  readonly cloudTaskTypes?: readonly string[];
  /** Changes per pulled page and per drained batch of the edge. @default 100 */
  readonly replicationBatch?: number;
  /**
   * Program of the cloud stand-in: `sqlite`, or `cloud-adapters` for the Lambda handlers on
   * OpenSearch, Redis and moto (the child reads OPENSEARCH_URL, MOTO_URL and REDIS_URL).
   * @default {@link cloudBackendFromEnv} of this process's environment
   */
  readonly cloudBackend?: CloudBackend;
  /**
   * Serves `/stand-in/faults` on the cloud stand-in to the admin token, to cut one of its
   * engines. Only with the `cloud-adapters` backend. @default false
   */
  readonly dependencyFaults?: boolean;
  /** Log level of the node processes, which log to this process's stdout. @default 'warn' */
  readonly nodeLogLevel?: string;
  readonly logger: Logger;
}

/** Program of the local stand-in of the cloud path. */
export type CloudBackend = 'sqlite' | 'cloud-adapters';

/**
 * Returns `cloud-adapters` when the environment names OpenSearch and moto (as `bash .ci/run` and
 * `. .run/env` do), so the stand-in crosses the real cloud code, and `sqlite` otherwise.
 * HAPPY_CLOUD_BACKEND=sqlite or =cloud-adapters overrides it.
 */
export function cloudBackendFromEnv(env: NodeJS.ProcessEnv): CloudBackend {
  const chosen = env.HAPPY_CLOUD_BACKEND;
  if (chosen === 'sqlite' || chosen === 'cloud-adapters') return chosen;
  return env.OPENSEARCH_URL && env.MOTO_URL ? 'cloud-adapters' : 'sqlite';
}

/** Options of {@link LocalTopology.restartCloud}. */
export interface CloudRestartOptions {
  /**
   * Replication token of the restarted cloud; another value than the edge's makes every drain
   * call fail, as a misconfigured deployment would. @default the topology's token
   */
  readonly replicationToken?: string;
}

/** The running local topology: router, edge and (unless a URL was given) the cloud stand-in. */
export interface LocalTopology {
  readonly url: string;
  readonly router: Router;
  /** The edge process; a new one after {@link restartEdge}. */
  readonly edge: NodeProcess;
  /** The local stand-in of the cloud path, or null when the primary is a deployed API. */
  readonly cloud: NodeProcess | null;
  readonly primaryUrl: string;
  /** Program of the cloud stand-in; null when the primary is a deployed API. */
  readonly cloudBackend: CloudBackend | null;
  readonly adminToken: AdminToken;
  readonly replicationToken: AdminToken;
  /**
   * Starts the cloud stand-in again on its port and data, stopping the running one first.
   *
   * @throws {Error} when the primary is a deployed API, or the new process does not get healthy.
   */
  restartCloud(options?: CloudRestartOptions): Promise<NodeProcess>;
  /** Starts the edge again on its port and data, stopping the running one first. */
  restartEdge(): Promise<NodeProcess>;
  stop(): Promise<void>;
}

const CLOUD_NODE_ID = 'cloud-local';
const EDGE_NODE_ID = 'edge';

/**
 * Starts the full local topology: a stand-in for the cloud path (the same handlers behind the
 * same adapter, responding with `"service": "cloud"`, on the cloud adapters when OpenSearch and
 * moto are configured and on SQLite in its own folder otherwise), the edge service,
 * and the health router in front of both. The nodes share the admin token, the token key and the
 * replication token, so a token issued by either is accepted by both.
 *
 * The edge pulls the cloud's change feed and drains its outbox to the cloud, and the router's
 * recovery gate keeps traffic on the edge until that outbox is empty.
 */
export async function startLocalTopology(options: LocalTopologyOptions): Promise<LocalTopology> {
  const home = resolve(options.home ?? '.happy');
  const adminToken = tokenOf(options.adminToken, () => loadOrCreateAdminToken(home));
  const replicationToken = tokenOf(options.replicationToken, () =>
    loadOrCreateReplicationToken(home),
  );
  // Create the shared key before the nodes start, so they never race to generate it.
  await new FileSigningKeyProvider({ keyFile: defaultKeyFile(home) }).signingKey();

  const common = {
    home,
    adminToken: adminToken.value,
    logger: options.logger,
    logLevel: options.nodeLogLevel,
  };
  const cloudPort = await freeLoopbackPort();
  const edgePort = await freeLoopbackPort();
  const upstreamUrl = options.primaryUrl ?? `http://127.0.0.1:${cloudPort}`;
  const cloudBackend = options.cloudBackend ?? cloudBackendFromEnv(process.env);
  // The Lambda composition has no `http` task type (its allow-list lives with the edge worker),
  // so with that stand-in the edge runs every type itself rather than deferring `http`.
  const taskOptions = {
    ...options,
    cloudTaskTypes: options.cloudTaskTypes ?? (cloudBackend === 'cloud-adapters' ? [] : undefined),
  };
  const startCloud = (token = replicationToken.value) =>
    startNodeProcess({
      ...common,
      service: 'cloud',
      nodeId: CLOUD_NODE_ID,
      port: cloudPort,
      backend: cloudBackend,
      args: taskTypeArgs(taskOptions),
      // The stand-in is the top of the chain and pulls from no node, whatever the shell exports.
      env: {
        HAPPY_REPLICATION_TOKEN: token,
        HAPPY_UPSTREAM_URL: '',
        HAPPY_DEPENDENCY_FAULTS: options.dependencyFaults ? 'on' : 'off',
        // The AWS SDK warns at every start that its 2027 releases need Node 22. Lambda runs 22;
        // the local stand-in runs on this machine's Node and the notice only clutters the log.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
  const startEdge = () =>
    startNodeProcess({
      ...common,
      service: 'edge',
      nodeId: EDGE_NODE_ID,
      port: edgePort,
      args: edgeArgs(upstreamUrl, taskOptions),
      env: { HAPPY_REPLICATION_TOKEN: replicationToken.value },
    });

  let [cloud, edge] = await Promise.all([
    options.primaryUrl ? Promise.resolve(null) : startCloud(),
    startEdge(),
  ]);
  const gate = createOutboxRecoveryGate({ edgeUrl: edge.url, token: replicationToken.value });
  const router = createRouter(
    {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 8000,
      adminToken: adminToken.value,
      targets: {
        primary: { url: options.primaryUrl ?? upstreamUrl },
        secondary: { url: edge.url },
      },
    },
    { logger: options.logger, recoveryGate: gate.gate },
  );
  const address = await listenOrStopNodes(router, [edge, cloud], gate.close, options.port ?? 8000);

  return {
    url: `http://${address.address}:${address.port}`,
    router,
    get edge() {
      return edge;
    },
    get cloud() {
      return cloud;
    },
    primaryUrl: options.primaryUrl ?? upstreamUrl,
    cloudBackend: options.primaryUrl ? null : cloudBackend,
    adminToken,
    replicationToken,
    async restartCloud(restart: CloudRestartOptions = {}) {
      if (!cloud)
        throw new Error('The primary is a deployed API; there is no local cloud to restart.');
      await cloud.stop();
      cloud = await startCloud(restart.replicationToken);
      return cloud;
    },
    async restartEdge() {
      await edge.stop();
      edge = await startEdge();
      return edge;
    },
    async stop() {
      await router.close();
      await gate.close();
      await Promise.all([edge.stop(), cloud?.stop()]);
    },
  };
}

function tokenOf(value: string | undefined, load: () => AdminToken): AdminToken {
  return value ? { value, file: null, generated: false } : load();
}

function edgeArgs(upstreamUrl: string, options: LocalTopologyOptions): string[] {
  const args = ['--upstream-url', upstreamUrl, ...taskTypeArgs(options)];
  if (options.replicationBatch !== undefined) {
    args.push('--replication-batch', String(options.replicationBatch));
  }
  return args;
}

/** Both nodes need the same cloud task types: the edge defers them and the cloud takes them. */
function taskTypeArgs(options: LocalTopologyOptions): string[] {
  if (options.cloudTaskTypes === undefined) return [];
  return ['--cloud-task-types', options.cloudTaskTypes.join(',')];
}

/**
 * Starts the router, or stops the nodes already started when it cannot listen, so a taken port
 * leaves no server behind.
 */
async function listenOrStopNodes(
  router: Router,
  nodes: (NodeProcess | null)[],
  closeGate: () => Promise<void>,
  port: number,
): Promise<AddressInfo> {
  try {
    return await router.listen();
  } catch (error) {
    await router.close().catch(() => undefined);
    await closeGate();
    await Promise.all(nodes.map((node) => node?.stop()));
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`Port ${port} is in use; pass --port N or set PORT.`, { cause: error });
    }
    throw error;
  }
}
