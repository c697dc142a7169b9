import type {
  LeasedTaskMessage,
  TaskMessage,
  TaskQueue,
  TaskRecord,
  TaskStore,
} from '../ports/index.js';
import { originOfVersion } from './replication-changes.js';

/**
 * Role of a node in running tasks. `cloud` runs its own tasks and the queued tasks of cloud
 * types that other nodes wrote. `edge` is an edge with a cloud upstream: it runs only its own
 * tasks of the other types, and leaves tasks of cloud types queued until they drain to the cloud.
 * An edge without an upstream has no cloud to defer to and takes the `cloud` role.
 */
export type TaskPlacementRole = 'cloud' | 'edge';

/** Settings of {@link TaskPlacement}. */
export interface TaskPlacementOptions {
  readonly role: TaskPlacementRole;
  /** Id of this node, as written into its versions. */
  readonly nodeId: string;
  /** Task types that run only in the cloud, such as `http`. @default [] */
  readonly cloudTaskTypes?: readonly string[];
}

/**
 * Decides which node runs a task, so a task runs on exactly one node even though its record
 * replicates to all of them. The writer of the current version (its origin) is the node where the
 * task was queued. A queued task of a cloud type from an edge runs once in the cloud, claimed there by
 * compare-and-set on its version; every other task runs where it was queued.
 *
 * NOTE: a queued task of an edge-run type stays queued while its edge is gone, because no other
 * node takes it over.
 */
export class TaskPlacement {
  readonly role: TaskPlacementRole;
  readonly nodeId: string;
  private readonly cloudTypes: ReadonlySet<string>;

  constructor(options: TaskPlacementOptions) {
    this.role = options.role;
    this.nodeId = options.nodeId;
    this.cloudTypes = new Set(options.cloudTaskTypes ?? []);
  }

  /** Tells whether tasks of `type` run only in the cloud. */
  isCloudType(type: string): boolean {
    return this.cloudTypes.has(type);
  }

  /** Tells whether this node runs `task`. */
  runsHere(task: TaskRecord): boolean {
    const own = originOfVersion(task.version) === this.nodeId;
    if (this.role === 'edge') return own && !this.isCloudType(task.type);
    return own || this.isCloudType(task.type);
  }
}

/**
 * Task queue that enqueues only the tasks that {@link TaskPlacement} places on this node; every
 * other call goes to the queue it wraps. Submissions, the search for stale tasks and replication
 * all enqueue through it, so none of them can start a task that belongs to another node.
 */
export class PlacedTaskQueue implements TaskQueue {
  constructor(
    private readonly inner: TaskQueue,
    private readonly store: TaskStore,
    private readonly placement: TaskPlacement,
  ) {}

  async enqueue(message: TaskMessage, delayMs: number): Promise<void> {
    const task = await this.store.get(message.agentId, message.taskId);
    if (!task || !this.placement.runsHere(task)) return;
    await this.inner.enqueue(message, delayMs);
  }

  receive(maxMessages: number, leaseMs: number): Promise<LeasedTaskMessage[]> {
    return this.inner.receive(maxMessages, leaseMs);
  }

  complete(receipt: string): Promise<boolean> {
    return this.inner.complete(receipt);
  }

  release(receipt: string, delayMs: number): Promise<boolean> {
    return this.inner.release(receipt, delayMs);
  }

  extendLease(receipt: string, leaseMs: number): Promise<boolean> {
    return this.inner.extendLease(receipt, leaseMs);
  }

  cancel(message: TaskMessage): Promise<void> {
    return this.inner.cancel(message);
  }
}
