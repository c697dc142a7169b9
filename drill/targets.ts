import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  freeLoopbackPort,
  startLocalTopology,
  type LocalTopology,
} from '../local-fallback/topology/index.js';
import { createAwsClients, type AwsSettings } from './aws-faults.js';
import { AwsDependencyFaults, LocalDependencyFaults } from './dependency-faults.js';
import { DrillTargetError } from './errors.js';
import type { DependencyFaults } from './fault-types.js';
import type { DrillHttp } from './http.js';
import type { UndoJournal } from './journal.js';
import type { RemoteOptions } from './options.js';

/** The system under drill: where traffic goes, and how to reach each node directly. */
export interface DrillTarget {
  readonly name: 'local' | 'localstack' | 'aws';
  /** Entry point of the agents' traffic: the health router. */
  readonly apiUrl: string;
  /** The cloud path's API, read directly to check that no write was lost. */
  readonly primaryUrl: string;
  /** The edge service, whose replication status shows its outbox. */
  readonly edgeUrl: string;
  readonly adminToken: string;
  readonly replicationToken: string;
  readonly dependencies: DependencyFaults;
  /** The local topology, whose cloud process a crash fault kills; null on remote targets. */
  readonly topology: LocalTopology | null;
  /** Stops what the drill started for this target. */
  stop(): Promise<void>;
}

/** Prefix of the temporary homes of local drills; the undo of a crashed drill checks it. */
export const LOCAL_HOME_PREFIX = 'happy-drill-';

/**
 * Starts the local topology (cloud stand-in, edge and router) in a new temporary home on free
 * loopback ports. The home goes into the journal first, so a crashed drill's nodes can be found
 * and stopped later.
 */
export async function startLocalTarget(
  journal: UndoJournal,
  logger: Logger,
  http: DrillHttp,
): Promise<DrillTarget> {
  const home = mkdtempSync(join(tmpdir(), LOCAL_HOME_PREFIX));
  const seq = journal.record({ kind: 'local-topology', home });
  let topology: LocalTopology;
  try {
    topology = await startLocalTopology({
      home,
      port: await freeLoopbackPort(),
      logger,
      // Warnings of the edge while the cloud is down are expected in a drill; they would only
      // interleave with the progress bar.
      nodeLogLevel: 'error',
      dependencyFaults: true,
    });
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    journal.markUndone(seq);
    throw new DrillTargetError(`The local topology did not start: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    name: 'local',
    apiUrl: topology.url,
    primaryUrl: topology.primaryUrl,
    get edgeUrl() {
      return topology.edge.url;
    },
    adminToken: topology.adminToken.value,
    replicationToken: topology.replicationToken.value,
    dependencies: new LocalDependencyFaults({
      standInUrl: topology.primaryUrl,
      adminToken: topology.adminToken.value,
      http,
    }),
    topology,
    async stop() {
      await topology.stop();
      rmSync(home, { recursive: true, force: true });
      journal.markUndone(seq);
    },
  };
}

/**
 * Connects to a deployed stack: checks that `apiUrl` is a Happy OS health router that accepts
 * the admin token, and that the edge serves its replication status with an outbox.
 *
 * @throws {DrillTargetError} naming the URL and what it returned.
 */
export async function connectRemoteTarget(
  name: 'localstack' | 'aws',
  remote: RemoteOptions,
  http: DrillHttp,
  journal: UndoJournal,
  credentials?: AwsSettings['credentials'],
): Promise<DrillTarget> {
  const status = await http.send(remote.apiUrl, 'GET', '/router/status', {
    token: remote.adminToken,
  });
  if (status.status !== 200 || status.json?.service !== 'router') {
    throw new DrillTargetError(
      `GET ${remote.apiUrl}/router/status returned ${status.status || status.error}; --api-url must be a ` +
        'Happy OS health router (npm start -- --primary-url <API URL>) and HAPPY_ADMIN_TOKEN its admin token.',
    );
  }
  const primaryUrl = remote.primaryUrl ?? primaryOf(status.json);
  const edge = await http.send(remote.edgeUrl, 'GET', '/internal/v1/replication/status', {
    token: remote.replicationToken,
  });
  if (edge.status !== 200 || !edge.json?.outbox) {
    throw new DrillTargetError(
      `GET ${remote.edgeUrl}/internal/v1/replication/status returned ${edge.status || edge.error} ` +
        'without an outbox; --edge-url must be an edge with an upstream, and HAPPY_REPLICATION_TOKEN its token.',
    );
  }
  const settings: AwsSettings = {
    region: remote.awsRegion,
    endpoint: remote.awsEndpoint,
    credentials,
  };
  const dependencies = new AwsDependencyFaults({
    target: name,
    stage: remote.stage,
    settings,
    clients: createAwsClients(settings),
    journal,
    http,
  });
  return {
    name,
    apiUrl: remote.apiUrl,
    primaryUrl,
    edgeUrl: remote.edgeUrl,
    adminToken: remote.adminToken,
    replicationToken: remote.replicationToken,
    dependencies,
    topology: null,
    stop: async () => undefined,
  };
}

function primaryOf(status: { targets?: { name?: string; url?: string }[] }): string {
  const url = status.targets?.find((target) => target.name === 'primary')?.url;
  if (!url) {
    throw new DrillTargetError('The router status names no primary URL; pass --primary-url.');
  }
  return url.replace(/\/+$/, '');
}
