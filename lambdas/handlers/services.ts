import type { AgentService } from '../core/agents.js';
import type { FileService } from '../core/files.js';
import type { HealthService } from '../core/health.js';
import type { MemoryService } from '../core/memory.js';
import type { ReplicationService } from '../core/replication.js';
import type { SearchService } from '../core/search.js';
import type { TaskService } from '../core/tasks.js';
import type { HandlerSettings } from './http/create-handler.js';
import type { RequestLimits } from './http/types.js';

/** State of one circuit breaker, as `GET /circuit-breakers` reports it. */
export interface BreakerReport {
  readonly name: string;
  readonly state: 'closed' | 'open' | 'half-open' | 'isolated';
  readonly failures?: number;
  readonly lastTransition?: string;
}

/**
 * Everything the handlers need. The Lambda entry points build it from cloud adapters and the
 * edge from SQLite ones; the handlers cannot tell which.
 */
export interface HandlerServices extends HandlerSettings {
  readonly adminToken: string;
  readonly limits: RequestLimits;
  readonly agents: AgentService;
  readonly memory: MemoryService;
  readonly search: SearchService;
  readonly tasks: TaskService;
  readonly files: FileService;
  readonly health: HealthService;
  /**
   * Change feed and apply of this node, served under `/internal/v1/` to holders of
   * {@link replicationToken}. @default none: those endpoints return 503
   */
  readonly replication?: ReplicationService;
  /** Credential of the replication endpoints, separate from agent and admin tokens. */
  readonly replicationToken?: string;
  /** Returns the breakers guarding this node's dependencies. @default none */
  readonly breakers?: () => BreakerReport[];
}
