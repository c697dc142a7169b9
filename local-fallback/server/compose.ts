import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import {
  AgentService,
  createIdGenerator,
  FileService,
  HealthService,
  HybridLogicalClock,
  type IdGenerator,
  MemoryService,
  PlacedTaskQueue,
  type ReplicationLinkReport,
  ReplicationService,
  SearchService,
  TaskPlacement,
  type TaskPlacementRole,
  TokenService,
} from '../../lambdas/core/index.js';
import {
  createHandlers,
  DEFAULT_REQUEST_LIMITS,
  type HandlerServices,
  type HttpHandler,
  type HandlerName,
  type RequestLimits,
  type ServiceName,
} from '../../lambdas/handlers/index.js';
import type { AppLogger, HealthProbe, Jwk } from '../../lambdas/ports/index.js';
import {
  defaultKeyFile,
  DiskFileStore,
  FileSigningKeyProvider,
  JournaledFileStore,
  openDatabase,
  SqliteAgentRegistry,
  SqliteHealthProbe,
  SqliteMemoryStore,
  SqliteReplicaStore,
  SqliteSearchIndex,
  SqliteTaskQueue,
  SqliteTaskStore,
} from '../storage/index.js';
import { composeTasks, type TaskNodeSettings, type WorkerPool } from '../worker/index.js';

/** Settings of a node that serves the API from SQLite. */
export interface SqliteNodeConfig {
  /** Name written into every response body. The local stand-in of the cloud path uses `cloud`. */
  readonly service: ServiceName;
  /** Folder of the database and the token key. */
  readonly dataDir: string;
  /** Id of this node in versions; lower-case letters, digits and dashes. */
  readonly nodeId: string;
  readonly adminToken: string;
  /** Token key file. @default `<dataDir>/keys/token-signing.jwk.json` */
  readonly keyFile?: string;
  /** Public keys of other nodes whose tokens this node accepts. @default [] */
  readonly trustedKeys?: Jwk[];
  /** @default {@link DEFAULT_REQUEST_LIMITS} */
  readonly limits?: RequestLimits;
  /** Task types, limits and workers. @default see {@link TaskNodeSettings} */
  readonly tasks?: TaskNodeSettings;
  /** Maximum size of a stored file, in bytes. Files live in `<dataDir>/files`. @default 1048576 */
  readonly maxFileBytes?: number;
  /** Credential of the `/internal/v1/` endpoints. Without one they return 503. */
  readonly replicationToken?: string;
  /**
   * Task placement role of this node: `edge` for an edge with a cloud upstream, which leaves
   * tasks of {@link cloudTaskTypes} queued for the cloud. @default 'cloud'
   */
  readonly taskRole?: TaskPlacementRole;
  /** Task types that run only in the cloud. @default [] */
  readonly cloudTaskTypes?: readonly string[];
  /** Further health checks, such as the replication lag of an edge. @default [] */
  readonly healthProbes?: readonly HealthProbe[];
  /** Reports of the replication loops, for the status endpoint. @default none */
  readonly replicationLinks?: () => ReplicationLinkReport[];
  /** Peers this node drains its outbox to. @default [] */
  readonly outboxPeers?: readonly string[];
}

/** A composed node: its handlers, the services behind them and a way to close the database. */
export interface SqliteNode {
  readonly services: HandlerServices;
  readonly handlers: Record<HandlerName, HttpHandler>;
  readonly database: Database;
  /** The task workers, not started: `npm start` starts them, tests start their own. */
  readonly workers: WorkerPool;
  /** The file store under `<dataDir>/files`. */
  readonly fileStore: DiskFileStore;
  /** The journal of file writes; call its `recover` at start, before serving. */
  readonly fileJournal: JournaledFileStore;
  /** Change feed, apply and replication cursors of this node. */
  readonly replication: ReplicationService;
  /** Closes the database. Stop {@link workers} first. */
  close(): void;
}

/** Wires the core services and handlers onto SQLite storage. */
export function composeSqliteNode(config: SqliteNodeConfig, logger: AppLogger): SqliteNode {
  const database = openDatabase(join(config.dataDir, 'happy.db'));
  const clock = new HybridLogicalClock(config.nodeId);
  const ids = createIdGenerator();
  const keys = new FileSigningKeyProvider({
    keyFile: config.keyFile ?? defaultKeyFile(config.dataDir),
    trustedKeys: config.trustedKeys,
  });
  const tokens = new TokenService(keys);

  const data = composeData(config, database, clock, ids, logger);
  const { memory, files, fileStore, fileJournal, tasks, replication } = data;

  const services: HandlerServices = {
    service: config.service,
    logger,
    adminToken: config.adminToken,
    limits: config.limits ?? DEFAULT_REQUEST_LIMITS,
    agents: new AgentService({ registry: new SqliteAgentRegistry(database), tokens, clock, ids }),
    memory,
    search: new SearchService({ index: new SqliteSearchIndex(database), clock, ids }),
    tasks: tasks.service,
    files,
    health: new HealthService([new SqliteHealthProbe(database), ...(config.healthProbes ?? [])]),
    replication,
    replicationToken: config.replicationToken,
  };
  return {
    services,
    handlers: createHandlers(services),
    database,
    workers: tasks.pool,
    fileStore,
    fileJournal,
    replication,
    close: () => {
      void tasks.close();
      database.close();
    },
  };
}

/** Builds the memory, file, task and replication services on their stores. */
function composeData(
  config: SqliteNodeConfig,
  database: Database,
  clock: HybridLogicalClock,
  ids: IdGenerator,
  logger: AppLogger,
) {
  const memory = new MemoryService({ store: new SqliteMemoryStore(database), clock, ids });
  const fileStore = new DiskFileStore({ root: join(config.dataDir, 'files') });
  const fileJournal = new JournaledFileStore(database, fileStore);
  const files = new FileService({ store: fileJournal, clock, maxFileBytes: config.maxFileBytes });
  const placement = new TaskPlacement({
    role: config.taskRole ?? 'cloud',
    nodeId: config.nodeId,
    cloudTaskTypes: config.cloudTaskTypes,
  });
  const queue = new PlacedTaskQueue(
    new SqliteTaskQueue(database),
    new SqliteTaskStore(database),
    placement,
  );
  const tasks = composeTasks({
    database,
    clock,
    ids,
    memory,
    files,
    logger,
    queue,
    settings: config.tasks,
  });
  const replication = new ReplicationService({
    store: new SqliteReplicaStore(database, fileJournal),
    clock,
    queue,
    links: config.replicationLinks,
    outboxPeers: config.outboxPeers,
  });
  return { memory, files, fileStore, fileJournal, tasks, replication };
}
