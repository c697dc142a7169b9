import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import {
  AgentService,
  createIdGenerator,
  HealthService,
  HybridLogicalClock,
  MemoryService,
  SearchService,
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
import type { AppLogger, Jwk } from '../../lambdas/ports/index.js';
import {
  defaultKeyFile,
  FileSigningKeyProvider,
  openDatabase,
  SqliteAgentRegistry,
  SqliteHealthProbe,
  SqliteMemoryStore,
  SqliteSearchIndex,
} from '../storage/index.js';

/** Settings of a node that serves the API from SQLite. */
export interface SqliteNodeConfig {
  /** Name written into every response body. The local stand-in of the cloud path says `cloud`. */
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
}

/** A composed node: its handlers, the services behind them and a way to close the database. */
export interface SqliteNode {
  readonly services: HandlerServices;
  readonly handlers: Record<HandlerName, HttpHandler>;
  readonly database: Database;
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

  const services: HandlerServices = {
    service: config.service,
    logger,
    adminToken: config.adminToken,
    limits: config.limits ?? DEFAULT_REQUEST_LIMITS,
    agents: new AgentService({ registry: new SqliteAgentRegistry(database), tokens, clock, ids }),
    memory: new MemoryService({ store: new SqliteMemoryStore(database), clock, ids }),
    search: new SearchService({ index: new SqliteSearchIndex(database), clock, ids }),
    health: new HealthService([new SqliteHealthProbe(database)]),
  };
  return {
    services,
    handlers: createHandlers(services),
    database,
    close: () => database.close(),
  };
}
