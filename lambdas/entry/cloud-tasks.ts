import type { SqsTaskQueue } from '../adapters/sqs/task-queue.js';
import {
  createEchoTask,
  createMemoryExportTask,
  PlacedTaskQueue,
  RetryBackoff,
  TaskPlacement,
  TaskRunner,
  TaskService,
  TaskTypeRegistry,
  type FileService,
  type HybridLogicalClock,
  type IdGenerator,
  type MemoryService,
  type RetryBackoffOptions,
  type TaskLimits,
} from '../core/index.js';
import type { AppLogger, TaskQueue, TaskStore } from '../ports/index.js';
import { SqsDeliveryQueue } from './delivery-queue.js';
import { UnconfiguredTaskQueue } from './unconfigured.js';

/** Task settings of a cloud node; every field is optional. */
export interface CloudTaskSettings extends TaskLimits {
  /** Attempt timeouts by task type, in ms. @default echo 30000, memory.export 60000 */
  readonly timeouts?: { readonly echo?: number; readonly 'memory.export'?: number };
  /** Delays between attempts. @default see {@link RetryBackoff} */
  readonly retry?: RetryBackoffOptions;
  /**
   * Task types that run only in the cloud, so queued tasks of these types that an edge wrote
   * run here. It must match the edge's `--cloud-task-types`. @default ['http']
   */
  readonly cloudTaskTypes?: readonly string[];
}

/** Inputs of {@link createCloudTasks}. */
export interface CloudTasksDeps {
  readonly store: TaskStore;
  /** The SQS task queue; undefined for a function without one. */
  readonly sqs: SqsTaskQueue | undefined;
  readonly memory: MemoryService;
  readonly files: FileService;
  readonly clock: HybridLogicalClock;
  readonly ids: IdGenerator;
  readonly logger: AppLogger;
  readonly nodeId: string;
  readonly settings?: CloudTaskSettings;
}

/** The task parts of a cloud node. */
export interface CloudTasks {
  /** Submits, reads, lists and cancels tasks, and requeues stale ones. */
  readonly service: TaskService;
  /**
   * Runs the messages that Lambda's SQS event source delivers, through {@link delivery}: it
   * leaves deleting a finished task's message to Lambda.
   */
  readonly runner: TaskRunner;
  /** The queue as Lambda's SQS event source delivers it; undefined without a task queue. */
  readonly delivery: SqsDeliveryQueue | undefined;
  /** The task queue itself, for a process outside Lambda that receives messages by polling. */
  readonly queue: TaskQueue;
  /** Runs messages received from {@link queue}, and deletes a finished task's message itself. */
  readonly pollingRunner: TaskRunner;
}

/**
 * Builds the task service and runner with the built-in types `echo` and `memory.export`.
 *
 * NOTE: the `http` type is not registered: it lives with the edge worker (with its allow-list
 * and DNS checks), and the functions have no allow-list setting. Submissions of `http` get 400
 * here, and `http` tasks queued at an edge fail in the cloud with `unknown_task_type`.
 *
 * @throws {Error} when a timeout or retry setting is out of range.
 */
export function createCloudTasks(deps: CloudTasksDeps): CloudTasks {
  const timeouts = deps.settings?.timeouts ?? {};
  const types = new TaskTypeRegistry().register(createEchoTask(timeouts.echo)).register(
    createMemoryExportTask({
      memory: deps.memory,
      files: deps.files,
      timeoutMs: timeouts['memory.export'],
    }),
  );
  const placement = new TaskPlacement({
    role: 'cloud',
    nodeId: deps.nodeId,
    cloudTaskTypes: deps.settings?.cloudTaskTypes ?? ['http'],
  });
  const sqs = deps.sqs ?? new UnconfiguredTaskQueue();
  const queue = new PlacedTaskQueue(sqs, deps.store, placement);
  const { clock, ids, logger, store } = deps;
  const service = new TaskService({ store, queue, types, clock, ids, limits: deps.settings });

  const delivery = deps.sqs ? new SqsDeliveryQueue(deps.sqs) : undefined;
  const runnerOf = (runnerQueue: TaskQueue) =>
    new TaskRunner({
      store,
      queue: runnerQueue,
      types,
      clock,
      logger,
      backoff: new RetryBackoff(deps.settings?.retry),
    });
  return {
    service,
    runner: runnerOf(delivery ?? queue),
    delivery,
    queue,
    pollingRunner: runnerOf(queue),
  };
}
