import type { Client } from '@opensearch-project/opensearch';
import type { BreakerReport } from '../handlers/services.js';
import type {
  AgentRegistry,
  AppLogger,
  ChangeLog,
  HealthProbe,
  MemoryStore,
  SearchIndex,
  TaskStore,
} from '../ports/index.js';
import {
  createOpenSearchClient,
  ensureHealthIndex,
  ensureIndices,
  indexNames,
  OpenSearchAgentRegistry,
  OpenSearchChangeLog,
  OpenSearchGateway,
  OpenSearchHealthProbe,
  OpenSearchMemoryStore,
  OpenSearchSearchIndex,
  OpenSearchTaskStore,
  isOpenSearchFailure,
  type OpenSearchClientConfig,
  type OpenSearchIndexOptions,
} from './opensearch/index.js';
import {
  CachedMemoryStore,
  createRedisClient,
  RedisGateway,
  RedisHealthProbe,
  SharedCircuitBreaker,
  type RedisClientConfig,
} from './redis/index.js';
import { breakerReports, type GuardOptions } from './resilience/index.js';

/** Settings of the cloud adapters, as a Lambda function reads them from its environment. */
export interface CloudAdaptersConfig {
  readonly openSearch: OpenSearchClientConfig & {
    readonly indices?: OpenSearchIndexOptions;
    readonly guard?: GuardOptions;
    /** @default 'wait_for' */
    readonly refresh?: 'wait_for' | true;
  };
  /** ElastiCache; without it there is no cache and each instance keeps its own breaker. */
  readonly redis?: RedisClientConfig & {
    readonly guard?: GuardOptions;
    /** Prefix of every key written. @default 'happy' */
    readonly keyPrefix?: string;
  };
  /** Lifetime of a cached memory record, in seconds. @default 60 */
  readonly cacheTtlSeconds?: number;
  /** Id of this node in the health probe document. @default 'cloud' */
  readonly nodeId?: string;
  readonly logger?: AppLogger;
}

/** The ports of the cloud path and what `/health` and `/circuit-breakers` report. */
export interface CloudAdapters {
  readonly memoryStore: MemoryStore;
  readonly searchIndex: SearchIndex;
  readonly agentRegistry: AgentRegistry;
  /** Task records on the same OpenSearch gateway, uncached. */
  readonly taskStore: TaskStore;
  /** Change log of this node's replication feed, in a single-shard index. */
  readonly changeLog: ChangeLog;
  readonly probes: HealthProbe[];
  readonly breakers: () => BreakerReport[];
  /** The Redis gateway, for the rate limiter and idempotency; undefined without Redis. */
  readonly redis: RedisGateway | undefined;
  /**
   * Creates the index templates and indices when missing; call it before serving. With
   * `'health'`, only those of the health alias, for a function limited to that index.
   */
  ensureIndices(only?: 'health'): Promise<void>;
  /** Closes the OpenSearch and Redis connections. */
  close(): Promise<void>;
}

/**
 * Builds the cloud adapters without opening any connection, so a Lambda function can call it
 * outside its handler and reuse the result across invocations. With Redis, memory reads go
 * through the cache and the OpenSearch breaker is shared by all instances.
 *
 * @throws {AdapterConfigError} when a setting is invalid.
 */
export function createCloudAdapters(config: CloudAdaptersConfig): CloudAdapters {
  const client = createOpenSearchClient(config.openSearch);
  const redis = config.redis ? createRedisGateway(config.redis, config.logger) : undefined;
  const gateway = createOpenSearchGateway(client, config, redis);
  const store = new OpenSearchMemoryStore(gateway);
  const cacheOptions = { keyPrefix: `${keyPrefix(config)}:memory`, logger: config.logger };

  return {
    memoryStore: redis
      ? new CachedMemoryStore(store, redis, config.cacheTtlSeconds ?? 60, cacheOptions)
      : store,
    searchIndex: new OpenSearchSearchIndex(gateway),
    agentRegistry: new OpenSearchAgentRegistry(gateway),
    taskStore: new OpenSearchTaskStore(gateway),
    changeLog: new OpenSearchChangeLog(gateway),
    probes: [
      new OpenSearchHealthProbe(gateway, config.nodeId),
      ...(redis ? [new RedisHealthProbe(redis)] : []),
    ],
    breakers: breakerReports(redis ? [gateway, redis] : [gateway]),
    redis,
    ensureIndices: async (only) => {
      const options = config.openSearch.indices;
      await (only === 'health'
        ? ensureHealthIndex(client, options)
        : ensureIndices(client, options));
    },
    close: async () => {
      await client.close();
      await redis?.close();
    },
  };
}

/** Builds the OpenSearch gateway, with a breaker shared through Redis when there is one. */
function createOpenSearchGateway(
  client: Client,
  config: CloudAdaptersConfig,
  redis: RedisGateway | undefined,
): OpenSearchGateway {
  const { guard, indices, refresh } = config.openSearch;
  const breaker = redis
    ? new SharedCircuitBreaker('opensearch', {
        redis,
        keyPrefix: `${keyPrefix(config)}:breaker`,
        isFailure: isOpenSearchFailure,
        ...guard,
      })
    : undefined;
  return new OpenSearchGateway({
    client,
    names: indexNames(indices?.prefix),
    ...(guard ? { guard } : {}),
    ...(breaker ? { breaker } : {}),
    ...(refresh ? { refresh } : {}),
  });
}

function keyPrefix(config: CloudAdaptersConfig): string {
  return config.redis?.keyPrefix ?? 'happy';
}

function createRedisGateway(
  config: NonNullable<CloudAdaptersConfig['redis']>,
  logger: AppLogger | undefined,
): RedisGateway {
  return new RedisGateway({
    client: createRedisClient(config),
    ...(config.guard ? { guard: config.guard } : {}),
    ...(logger ? { logger } : {}),
  });
}
