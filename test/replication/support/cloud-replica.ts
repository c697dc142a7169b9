import type { Client } from '@opensearch-project/opensearch';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  createReplicatedStores,
  HybridLogicalClock,
  ReplicationService,
  type ReplicatedStores,
} from '../../../lambdas/core/index.js';
import {
  createOpenSearchClient,
  deleteFileBucket,
  deleteIndices,
  ensureFileBucket,
  ensureIndices,
  OpenSearchAgentRegistry,
  OpenSearchChangeLog,
  OpenSearchGateway,
  OpenSearchMemoryStore,
  OpenSearchSearchIndex,
  S3FileStore,
} from '../../../lambdas/adapters/index.js';
import { openDatabase, SqliteTaskStore } from '../../../local-fallback/storage/index.js';
import { MOTO_SCRIPT, motoS3Client, motoUrl } from '../../adapters/sqs-s3/support.js';
import {
  isMissing,
  OPENSEARCH,
  requireUrl,
  suiteTitle,
  uniqueName,
} from '../../adapters/support/services.js';

/** Engines a cloud replica runs on: OpenSearch, and a bucket on moto for files. */
export interface CloudEngines {
  readonly opensearch: Client;
  readonly s3: S3Client;
  readonly bucket: string;
}

/**
 * A node stored the way the cloud path stores it: memory, documents, agents and the change log
 * in OpenSearch, files in S3 (moto). Tasks live in an in-memory SQLite task store, standing in
 * for the OpenSearch task store.
 */
export interface CloudReplica {
  readonly stores: ReplicatedStores;
  readonly changeLog: OpenSearchChangeLog;
  readonly service: ReplicationService;
  readonly clock: HybridLogicalClock;
  dispose(): Promise<void>;
}

/** Creates a cloud replica for `nodeId` on indices and a key prefix of its own. */
export async function createCloudReplica(
  engines: CloudEngines,
  nodeId: string,
): Promise<CloudReplica> {
  const prefix = uniqueName('replica');
  const names = await ensureIndices(engines.opensearch, {
    prefix,
    replicas: 0,
    refreshInterval: '100ms',
  });
  // `refresh: true` makes memory writes searchable at once instead of at the next refresh.
  const gateway = new OpenSearchGateway({ client: engines.opensearch, names, refresh: true });
  const taskDb = openDatabase(':memory:', { synchronous: 'NORMAL' });
  const changeLog = new OpenSearchChangeLog(gateway);
  const stores = createReplicatedStores({
    changeLog,
    memoryStore: new OpenSearchMemoryStore(gateway),
    searchIndex: new OpenSearchSearchIndex(gateway),
    agentRegistry: new OpenSearchAgentRegistry(gateway),
    taskStore: new SqliteTaskStore(taskDb),
    fileStore: new S3FileStore({
      client: engines.s3,
      bucket: engines.bucket,
      keyPrefix: `${uniqueName('files')}/`,
    }),
  });
  const clock = new HybridLogicalClock(nodeId);
  const service = new ReplicationService({ store: stores.replicaStore, clock });
  return {
    stores,
    changeLog,
    service,
    clock,
    dispose: async () => {
      taskDb.close();
      await deleteIndices(engines.opensearch, prefix);
    },
  };
}

/** True when OpenSearch or moto is not available, for `describe.skipIf`. */
export function isCloudMissing(): boolean {
  return isMissing(OPENSEARCH) || !motoUrl();
}

/** Names a suite that needs OpenSearch and moto, with the start command of what is missing. */
export function cloudSuiteTitle(name: string): string {
  const title = suiteTitle(name, OPENSEARCH);
  if (motoUrl()) return title;
  const joiner = title === name ? ' needs ' : ' and ';
  return `${title}${joiner}MOTO_URL (start: ${MOTO_SCRIPT} start)`;
}

/**
 * Opens clients of the engines and creates the bucket of the files.
 *
 * @returns the engines and a function that deletes the bucket and closes the clients.
 */
export async function openCloudEngines(): Promise<CloudEngines & { close(): Promise<void> }> {
  const opensearch = createOpenSearchClient({ node: requireUrl(OPENSEARCH) });
  const s3 = motoS3Client();
  const bucket = uniqueName('replica');
  await ensureFileBucket(s3, bucket);
  return {
    opensearch,
    s3,
    bucket,
    close: async () => {
      await deleteFileBucket(s3, bucket);
      s3.destroy();
      await opensearch.close();
    },
  };
}
