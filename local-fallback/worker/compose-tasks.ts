import type { Database } from 'better-sqlite3';
import { createEchoTask, createMemoryExportTask } from '../../lambdas/core/builtin-tasks.js';
import type { HybridLogicalClock } from '../../lambdas/core/clock.js';
import type { FileService } from '../../lambdas/core/files.js';
import type { IdGenerator } from '../../lambdas/core/ids.js';
import type { MemoryService } from '../../lambdas/core/memory.js';
import { RetryBackoff, type RetryBackoffOptions } from '../../lambdas/core/task-retry.js';
import { TaskRunner } from '../../lambdas/core/task-runner.js';
import { TaskTypeRegistry } from '../../lambdas/core/task-types.js';
import { TaskService } from '../../lambdas/core/tasks.js';
import type { AppLogger, TaskQueue } from '../../lambdas/ports/index.js';
import { SqliteTaskQueue, SqliteTaskStore } from '../storage/index.js';
import { createHttpTask } from './http-task.js';
import { WorkerPool } from './worker-pool.js';

/** Task settings of an edge node; every field is optional. */
export interface TaskNodeSettings {
  /** Attempts this node runs at once. @default 4 */
  readonly workers?: number;
  /** Wait between polls of an empty queue, in milliseconds. @default 250 */
  readonly pollIntervalMs?: number;
  /** Queued and running tasks one agent may have; more get 429. @default 100 */
  readonly maxUnfinishedPerAgent?: number;
  /** Attempts of one agent running at once on this node. @default 2 */
  readonly maxRunningPerAgent?: number;
  /** Attempts of a task whose submission sets none. @default 3 */
  readonly defaultMaxAttempts?: number;
  /**
   * Attempt timeouts by task type, in milliseconds.
   * @default echo 30000, http 10000, memory.export 60000
   */
  readonly timeouts?: Readonly<Record<string, number>>;
  /** Hosts the `http` task type may reach, as `host` or `host:port`. @default [] */
  readonly httpAllowedHosts?: readonly string[];
  /** Largest response body an `http` task keeps, in bytes. @default 65536 */
  readonly httpMaxResponseBytes?: number;
  /** Delays between attempts. @default see {@link RetryBackoff} */
  readonly retry?: RetryBackoffOptions;
  /** Time added to a type's timeout to form its lease. @default 2000 */
  readonly leaseMarginMs?: number;
  /** Interval at which a running attempt checks for a cancel request. @default 500 */
  readonly cancelPollMs?: number;
}

/** Services the task parts need from the rest of the node. */
export interface TaskCompositionDeps {
  readonly database: Database;
  readonly clock: HybridLogicalClock;
  readonly ids: IdGenerator;
  readonly memory: MemoryService;
  readonly files: FileService;
  readonly logger: AppLogger;
  readonly settings?: TaskNodeSettings;
  /** Queue of the tasks, such as one that places tasks on nodes. @default the SQLite queue */
  readonly queue?: TaskQueue;
}

/** The composed task parts of a node. */
export interface TaskComposition {
  readonly service: TaskService;
  readonly runner: TaskRunner;
  /** The worker pool, not started. */
  readonly pool: WorkerPool;
  /** Closes the connection pool of the `http` task type. */
  close(): Promise<void>;
}

const TASK_TYPES = ['echo', 'http', 'memory.export'];

/**
 * Builds the task service, runner and worker pool on the SQLite store and queue, with the
 * built-in task types `echo`, `http` and `memory.export`.
 *
 * @throws {Error} when a timeout names an unknown task type, or a setting is out of range.
 */
export function composeTasks(deps: TaskCompositionDeps): TaskComposition {
  const settings = deps.settings ?? {};
  const unknown = Object.keys(settings.timeouts ?? {}).filter((type) => !TASK_TYPES.includes(type));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown task type "${unknown[0]}" in timeouts. Known types: ${TASK_TYPES.join(', ')}.`,
    );
  }

  const { types, close } = createTaskTypes(deps, settings);
  const store = new SqliteTaskStore(deps.database);
  const queue = deps.queue ?? new SqliteTaskQueue(deps.database);
  const { clock, ids, logger } = deps;
  const service = new TaskService({ store, queue, types, clock, ids, limits: settings });
  const runner = new TaskRunner({
    store,
    queue,
    types,
    clock,
    logger,
    backoff: new RetryBackoff(settings.retry),
    leaseMarginMs: settings.leaseMarginMs,
    cancelPollMs: settings.cancelPollMs,
  });
  const pool = new WorkerPool({
    runner,
    queue,
    tasks: service,
    logger,
    concurrency: settings.workers,
    maxRunningPerAgent: settings.maxRunningPerAgent,
    pollIntervalMs: settings.pollIntervalMs,
  });
  return { service, runner, pool, close };
}

/** Registers the built-in task types with their timeouts from the settings. */
function createTaskTypes(deps: TaskCompositionDeps, settings: TaskNodeSettings) {
  const timeouts = settings.timeouts ?? {};
  const http = createHttpTask({
    allowedHosts: settings.httpAllowedHosts,
    timeoutMs: timeouts.http,
    maxResponseBytes: settings.httpMaxResponseBytes,
  });
  const types = new TaskTypeRegistry()
    .register(createEchoTask(timeouts.echo))
    .register(http)
    .register(createMemoryExportTask({ ...deps, timeoutMs: timeouts['memory.export'] }));
  return { types, close: () => http.close() };
}
