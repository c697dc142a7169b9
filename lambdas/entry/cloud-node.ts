import { randomBytes } from 'node:crypto';
import { createCloudAdapters, type CloudAdapters } from '../adapters/compose.js';
import { AdapterConfigError } from '../adapters/errors.js';
import { AgentRateLimiter } from '../adapters/redis/rate-limiter.js';
import { breakerReports, type GuardOptions } from '../adapters/resilience/index.js';
import type { AwsCredentialsInput } from '../adapters/sqs/aws-config.js';
import {
  AgentService,
  createIdGenerator,
  createReplicatedStores,
  FileService,
  HealthService,
  HybridLogicalClock,
  MemoryService,
  ReplicationService,
  SearchService,
  TokenService,
  type AgentServiceDeps,
} from '../core/index.js';
import type { PowertoolsUtilities } from '../handlers/http/create-handler.js';
import { DEFAULT_REQUEST_LIMITS, type ServiceName } from '../handlers/http/types.js';
import type { HandlerServices } from '../handlers/services.js';
import type { AppLogger } from '../ports/index.js';
import type { AwsParts, AwsPartsConfig, AwsPartsFactory } from './cloud-aws.js';
import { createCloudTasks, type CloudTasks, type CloudTaskSettings } from './cloud-tasks.js';
import { RateLimitedAgentService } from './rate-limited-agents.js';
import type { SecretValues } from './secrets.js';
import { SecretSigningKeyProvider } from './signing-keys.js';
import { UnconfiguredFileStore } from './unconfigured.js';

/** Settings of a node of the cloud path, as {@link parseCloudEnvironment} reads them. */
export interface CloudNodeConfig {
  readonly stage: string;
  /** Id of this node in versions: `cloud` in every function. */
  readonly nodeId: string;
  readonly openSearch: {
    readonly url: string;
    /** Prefix of the index names, also the prefix of the Redis keys. */
    readonly indexPrefix: string;
    /** Region that requests are signed for with SigV4. @default unsigned, for a local engine */
    readonly signingRegion?: string;
    /** Indices this node creates at start; `health` for a function limited to that index. */
    readonly indices: 'all' | 'health';
    /** Replicas of new indices. @default the engine's default */
    readonly replicas?: number;
    /** Refresh interval of new indices. @default '1s' */
    readonly refreshInterval?: string;
    readonly guard?: GuardOptions;
  };
  /** Region and endpoint of SQS, S3 and Secrets Manager (moto or LocalStack locally). */
  readonly aws: {
    readonly region: string;
    readonly endpoint?: string;
    /** @default the AWS SDK's credential chain */
    readonly credentials?: AwsCredentialsInput;
  };
  /** ElastiCache; without it the cache is off and limits are kept per instance. */
  readonly redis?: { readonly url: string };
  readonly taskQueueUrl?: string;
  readonly filesBucket?: string;
  /** Name written into every response body. @default 'cloud' */
  readonly service?: ServiceName;
  /**
   * Requests one agent may make per window, counted in Redis across instances or, without
   * Redis, per instance. False turns the limit off. @default 100 per 1000 ms
   */
  readonly agentRateLimit?: { readonly limit: number; readonly windowMs: number } | false;
  /** Maximum size of one file, in bytes. @default 1048576 */
  readonly maxFileBytes?: number;
  readonly tasks?: CloudTaskSettings;
}

/** Dependencies of {@link composeCloudNode} besides the settings. */
export interface CloudNodeDeps {
  /** Source of the signing key and the tokens: Secrets Manager, or literal values. */
  readonly secrets: SecretValues;
  readonly logger: AppLogger;
  readonly powertools?: PowertoolsUtilities;
  /**
   * Factory of the SQS and S3 parts, `createAwsParts` of cloud-aws.ts, required when the
   * settings name a queue or a bucket. A function without either leaves it out, so its bundle
   * contains no SQS or S3 client.
   */
  readonly awsParts?: AwsPartsFactory;
}

/** A composed cloud node: the handler services, the task worker's parts and the adapters. */
export interface CloudNode {
  /**
   * Returns the handler services with the current admin and replication tokens: the same object
   * until a token changes, then a new one, so a caller rebuilds its handlers only then. Secrets
   * are read through the cache of {@link CloudNodeDeps.secrets}. Handlers are not built here,
   * so that each function's bundle contains only its own (pass the services to
   * `createHandlers`, or to one handler's factory).
   *
   * @throws {SecretReadError} when a token cannot be read and none was read before.
   */
  services(): Promise<HandlerServices>;
  readonly tasks: CloudTasks;
  readonly adapters: CloudAdapters;
  /** Creates the indices this node uses when missing; run it once per instance. */
  ensureIndices(): Promise<void>;
  /** Closes every connection. */
  close(): Promise<void>;
}

/**
 * Default per-agent limit, 100 requests a second: a policy choice rather than a measured bound,
 * meant to stop one agent's runaway loop before it floods the shared engines.
 */
const DEFAULT_RATE_LIMIT = { limit: 100, windowMs: 1000 };

/**
 * Builds a cloud node from its settings. Memory, search and agents live on OpenSearch, through
 * the Redis cache when Redis is set, which then also shares the breaker and keeps rate limits
 * and idempotency records. Tasks live on OpenSearch and SQS, files on S3, and tokens are signed
 * with the secret key. Every write is appended to the change log in OpenSearch, which the
 * `/internal/v1/` endpoints serve to edges. Only the Redis AUTH token is read here, because the
 * Redis client needs it. No engine is contacted until a handler runs or {@link CloudNode.ensureIndices} is called.
 *
 * @throws {SecretReadError} when the Redis AUTH token cannot be read.
 * @throws {AdapterConfigError} when a setting is invalid.
 */
export async function composeCloudNode(
  config: CloudNodeConfig,
  deps: CloudNodeDeps,
): Promise<CloudNode> {
  const adapters = await createAdapters(config, deps);
  const aws = awsPartsOf(config, deps.awsParts);
  // Every write goes through these ports, which append it to the change log once it is stored.
  const stores = createReplicatedStores({
    changeLog: adapters.changeLog,
    memoryStore: adapters.memoryStore,
    searchIndex: adapters.searchIndex,
    agentRegistry: adapters.agentRegistry,
    taskStore: adapters.taskStore,
    fileStore: aws.fileStore,
  });
  const clock = new HybridLogicalClock(config.nodeId);
  const ids = createIdGenerator();
  const memory = new MemoryService({ store: stores.memoryStore, clock, ids });
  const files = new FileService({
    store: stores.fileStore,
    clock,
    maxFileBytes: config.maxFileBytes,
  });
  const tasks = createCloudTasks({
    store: stores.taskStore,
    sqs: aws.taskQueue,
    memory,
    files,
    clock,
    ids,
    logger: deps.logger,
    nodeId: config.nodeId,
    settings: config.tasks,
  });

  const agentDeps: AgentServiceDeps = {
    registry: stores.agentRegistry,
    tokens: new TokenService(new SecretSigningKeyProvider(deps.secrets)),
    clock,
    ids,
  };
  const base = {
    service: config.service ?? 'cloud',
    logger: deps.logger,
    powertools: deps.powertools,
    limits: DEFAULT_REQUEST_LIMITS,
    agents: createAgentService(agentDeps, config, adapters),
    memory,
    search: new SearchService({ index: stores.searchIndex, clock, ids }),
    tasks: tasks.service,
    files,
    health: new HealthService([...adapters.probes, ...aws.probes]),
    breakers: combinedBreakers(adapters, aws),
    // The cloud is the top of the chain: it pulls from no node and drains no outbox, so it
    // only serves its feed and applies what the edges drain to it. Applied queued tasks go to
    // the task queue, which runs those this node may run.
    replication: new ReplicationService({ store: stores.replicaStore, clock, queue: tasks.queue }),
  } satisfies Omit<HandlerServices, 'adminToken' | 'replicationToken'>;

  const current = new CurrentServices(base, deps.secrets);
  return {
    services: () => current.get(),
    tasks,
    adapters,
    ensureIndices: () =>
      adapters.ensureIndices(config.openSearch.indices === 'health' ? 'health' : undefined),
    close: async () => {
      aws.close();
      await adapters.close();
    },
  };
}

async function createAdapters(
  config: CloudNodeConfig,
  deps: CloudNodeDeps,
): Promise<CloudAdapters> {
  const { openSearch } = config;
  const password = config.redis ? await deps.secrets.get('redisAuthToken') : undefined;
  return createCloudAdapters({
    openSearch: {
      node: openSearch.url,
      ...(openSearch.signingRegion === undefined ? {} : { region: openSearch.signingRegion }),
      indices: {
        prefix: openSearch.indexPrefix,
        replicas: openSearch.replicas,
        refreshInterval: openSearch.refreshInterval,
      },
      guard: openSearch.guard,
    },
    ...(config.redis
      ? { redis: { url: config.redis.url, password, keyPrefix: openSearch.indexPrefix } }
      : {}),
    nodeId: config.nodeId,
    logger: deps.logger,
  });
}

/**
 * Builds the SQS and S3 parts when the node has a queue or a bucket, or parts that hold neither.
 *
 * @throws {AdapterConfigError} when the settings name a queue or a bucket but no factory is given.
 */
function awsPartsOf(config: AwsPartsConfig, factory: AwsPartsFactory | undefined): AwsParts {
  if (config.taskQueueUrl === undefined && config.filesBucket === undefined) {
    return {
      taskQueue: undefined,
      fileStore: new UnconfiguredFileStore(),
      probes: [],
      breakers: [],
      close: () => undefined,
    };
  }
  if (!factory) {
    throw new AdapterConfigError(
      'awsParts',
      'the settings name a task queue or a files bucket; pass createAwsParts of ' +
        'lambdas/entry/cloud-aws.ts.',
    );
  }
  return factory(config);
}

function createAgentService(
  deps: AgentServiceDeps,
  config: CloudNodeConfig,
  adapters: CloudAdapters,
): AgentService {
  const limit = config.agentRateLimit ?? DEFAULT_RATE_LIMIT;
  if (limit === false) return new AgentService(deps);
  const limiter = new AgentRateLimiter(adapters.redis, {
    ...limit,
    keyPrefix: `${config.openSearch.indexPrefix}:ratelimit`,
  });
  return new RateLimitedAgentService(deps, limiter);
}

function combinedBreakers(adapters: CloudAdapters, aws: AwsParts) {
  const awsReports = breakerReports(aws.breakers);
  return () => [...adapters.breakers(), ...awsReports()];
}

/**
 * The handler services with the current admin and replication tokens. A function without the
 * admin token secret gets a random one that no caller can know, so its admin routes reject
 * every request.
 */
class CurrentServices {
  private built?: { readonly key: string; readonly services: HandlerServices };
  private readonly unguessableAdminToken = randomBytes(32).toString('base64url');

  constructor(
    private readonly base: Omit<HandlerServices, 'adminToken' | 'replicationToken'>,
    private readonly secrets: SecretValues,
  ) {}

  async get(): Promise<HandlerServices> {
    const [adminToken, replicationToken] = await Promise.all([
      this.secrets.get('adminToken'),
      this.secrets.get('replicationToken'),
    ]);
    const key = JSON.stringify([adminToken, replicationToken]);
    if (this.built?.key !== key) {
      const services: HandlerServices = {
        ...this.base,
        adminToken: adminToken ?? this.unguessableAdminToken,
        replicationToken,
      };
      this.built = { key, services };
    }
    return this.built.services;
  }
}
