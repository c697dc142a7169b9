import type {
  Page,
  TaskCreateResult,
  TaskListFilter,
  TaskRecord,
  TaskStore,
} from '../../ports/index.js';
import { isVersionConflict } from './errors.js';
import { withinAgent, type OpenSearchGateway, type Query } from './gateway.js';
import {
  isUnfinished,
  taskDocumentId,
  taskFromSource,
  taskSource,
  type KeySource,
  type TaskSource,
} from './task-documents.js';
import { TaskSlots } from './task-slots.js';
import { readEntry } from './versioned-write.js';

/**
 * Task records in the OpenSearch tasks index, routed by agent id. Reads by id are real-time
 * GETs; lists are searches confined to the agent inside this adapter. Task writes wait for the
 * gateway's refresh policy, so a task is listed once its write resolves.
 *
 * `create` is atomic across processes without a lock or a script, in three steps:
 *
 * 1. The unfinished-task slot: a compare-and-set on the agent's slots document (see
 *    {@link TaskSlots}), which bounds queued and running tasks by the limit.
 * 2. The idempotency key, when there is one: a key document written with `op_type: create`, so
 *    exactly one submission owns the key. It carries the task as submitted. A submission that
 *    loses gives its slot back and returns the owner's task.
 * 3. The task document, written with `op_type: create`.
 *
 * A create that stops between 2 and 3 (a crash, a timeout) leaves a key without a task. The
 * next submission with that key finishes the creation from the key document, so the key never
 * maps to two tasks. A slot reserved by a create that never wrote its task is dropped after
 * `ORPHAN_SLOT_MS`. Every step is safe to repeat, so the gateway may retry each call.
 *
 * NOTE: when two submissions with the same new key race, both reserve a slot before one of them
 * loses the key and frees its slot, so a third submission in that window can see the limit
 * reached one task early. A duplicate whose first creation stopped half-way and whose slot has
 * been dropped meets the limit like a new task.
 *
 * Every method throws `DependencyUnavailableError` when OpenSearch fails or its breaker is open.
 */
export class OpenSearchTaskStore implements TaskStore {
  private readonly gateway: OpenSearchGateway;
  private readonly slots: TaskSlots;
  private readonly now: () => number;

  /** @param now source of the time of slot reservations, in epoch ms. @default Date.now */
  constructor(gateway: OpenSearchGateway, now: () => number = Date.now) {
    this.gateway = gateway;
    this.slots = new TaskSlots(gateway);
    this.now = now;
  }

  /** @throws {ResourceConflictError} `write_conflict` when slot writes keep colliding. */
  async create(task: TaskRecord, maxUnfinished: number): Promise<TaskCreateResult> {
    const key = task.idempotencyKey;
    if (key !== null) {
      const existing = await this.resolveKey(task.agentId, key, maxUnfinished);
      if (existing) return existing;
    }
    const reservation = await this.reserve(task, maxUnfinished);
    if (reservation) return reservation;

    if (key !== null && !(await this.claimKey(task, key))) {
      if (isUnfinished(task.status)) await this.slots.release(task.agentId, task.id);
      const owner = await this.resolveKey(task.agentId, key, maxUnfinished);
      if (owner) return owner;
    }
    return { outcome: 'created', task: await this.insert(task) };
  }

  async get(agentId: string, id: string): Promise<TaskRecord | null> {
    const entry = await this.readTask(agentId, id);
    return entry ? taskFromSource(entry.source) : null;
  }

  async replace(task: TaskRecord, expectedVersion: string): Promise<boolean> {
    const stored = await this.readTask(task.agentId, task.id);
    if (!stored || stored.source.version !== expectedVersion) return false;
    try {
      await this.gateway.call(
        (client) =>
          client.index({
            index: this.gateway.names.tasks,
            id: taskDocumentId('task', task.agentId, task.id),
            routing: task.agentId,
            body: taskSource(task),
            refresh: this.gateway.refresh,
            if_seq_no: stored.seqNo,
            if_primary_term: stored.primaryTerm,
          }),
        { repeatable: true },
      );
    } catch (error) {
      if (!isVersionConflict(error)) throw error;
      // A repeat of a write whose reply was lost conflicts with that write itself. The whole
      // record is compared, because instances that share a node id can make equal versions.
      const current = await this.readTask(task.agentId, task.id);
      if (!current || JSON.stringify(current.source) !== JSON.stringify(taskSource(task))) {
        return false;
      }
    }
    if (isUnfinished(stored.source.status) && !isUnfinished(task.status)) {
      await this.releaseQuietly(task);
    }
    return true;
  }

  async list(
    agentId: string,
    filter: TaskListFilter,
    page: { limit: number; after: string | null },
  ): Promise<Page<TaskRecord>> {
    const filters: Query[] = [{ term: { kind: 'task' } }];
    if (filter.status !== undefined) filters.push({ term: { status: filter.status } });
    if (page.after !== null) filters.push({ range: { id: { gt: page.after } } });
    const response = await this.gateway.call(
      (client) =>
        client.search({
          index: this.gateway.names.tasks,
          routing: agentId,
          body: {
            // One hit past the page shows whether another page follows.
            size: page.limit + 1,
            track_total_hits: false,
            query: withinAgent(agentId, { bool: { filter: filters } }),
            sort: [{ id: { order: 'asc' } }],
          },
        }),
      { repeatable: true },
    );
    const tasks = response.body.hits.hits.map((hit) => taskFromSource(hit._source as TaskSource));
    return { items: tasks.slice(0, page.limit), more: tasks.length > page.limit };
  }

  /**
   * Searches every agent's tasks, because the workers that requeue stale tasks serve all agents.
   * It is the only query without the agent filter; its results go to workers, never to a caller.
   */
  async listStale(before: string, limit: number): Promise<TaskRecord[]> {
    const staleQueued: Query = {
      bool: {
        filter: [
          { term: { status: 'queued' } },
          { range: { updated_at: { lt: before } } },
          { range: { run_at: { lt: before } } },
        ],
      },
    };
    const expiredLease: Query = {
      bool: {
        filter: [{ term: { status: 'running' } }, { range: { lease_expires_at: { lt: before } } }],
      },
    };
    const response = await this.gateway.call(
      (client) =>
        client.search({
          index: this.gateway.names.tasks,
          body: {
            size: limit,
            track_total_hits: false,
            query: {
              bool: {
                filter: [{ term: { kind: 'task' } }],
                should: [staleQueued, expiredLease],
                minimum_should_match: 1,
              },
            },
            sort: [{ updated_at: { order: 'asc' } }, { id: { order: 'asc' } }],
          },
        }),
      { repeatable: true },
    );
    return response.body.hits.hits.map((hit) => taskFromSource(hit._source as TaskSource));
  }

  /**
   * Returns the task that owns `key`, finishing its creation when it stopped half-way; null
   * when no submission has claimed the key.
   */
  private async resolveKey(
    agentId: string,
    key: string,
    maxUnfinished: number,
  ): Promise<TaskCreateResult | null> {
    const index = this.gateway.names.tasks;
    const id = taskDocumentId('key', agentId, key);
    const claim = await readEntry<KeySource>(this.gateway, index, id, agentId);
    if (!claim) return null;

    const task = await this.get(agentId, claim.source.task_id);
    if (task) return { outcome: 'duplicate', task };
    const pending = taskFromSource(claim.source.pending_task);
    const reservation = await this.reserve(pending, maxUnfinished);
    if (reservation) return reservation;
    return { outcome: 'duplicate', task: await this.insert(pending) };
  }

  /** Reserves a slot for an unfinished task; returns the outcome when the limit is reached. */
  private async reserve(task: TaskRecord, maxUnfinished: number) {
    if (!isUnfinished(task.status)) return null;
    const result = await this.slots.reserve(task.agentId, task.id, maxUnfinished, this.now());
    return result.reserved
      ? null
      : ({ outcome: 'limit_reached', unfinished: result.unfinished } as const);
  }

  /** Writes the key document; false when another submission owns the key. */
  private async claimKey(task: TaskRecord, key: string): Promise<boolean> {
    const body: KeySource = {
      kind: 'key',
      agent_id: task.agentId,
      idempotency_key: key,
      task_id: task.id,
      pending_task: taskSource(task),
    };
    const id = taskDocumentId('key', task.agentId, key);
    try {
      await this.gateway.call(
        (client) =>
          client.index({
            index: this.gateway.names.tasks,
            id,
            routing: task.agentId,
            op_type: 'create',
            body,
          }),
        { repeatable: true },
      );
      return true;
    } catch (error) {
      if (!isVersionConflict(error)) throw error;
      // The conflict may be this submission's own write, repeated after a lost reply.
      const claim = await readEntry<KeySource>(
        this.gateway,
        this.gateway.names.tasks,
        id,
        task.agentId,
      );
      return claim?.source.task_id === task.id;
    }
  }

  /** Writes a new task document; returns the stored task, which another writer may have made. */
  private async insert(task: TaskRecord): Promise<TaskRecord> {
    try {
      await this.gateway.call(
        (client) =>
          client.index({
            index: this.gateway.names.tasks,
            id: taskDocumentId('task', task.agentId, task.id),
            routing: task.agentId,
            op_type: 'create',
            body: taskSource(task),
            refresh: this.gateway.refresh,
          }),
        { repeatable: true },
      );
      return task;
    } catch (error) {
      if (!isVersionConflict(error)) throw error;
      return (await this.get(task.agentId, task.id)) ?? task;
    }
  }

  private async readTask(agentId: string, id: string) {
    const documentId = taskDocumentId('task', agentId, id);
    const entry = await readEntry<TaskSource>(
      this.gateway,
      this.gateway.names.tasks,
      documentId,
      agentId,
    );
    return entry && entry.source.agent_id === agentId ? entry : null;
  }

  /**
   * Frees a finished task's slot. The task write has succeeded already, so a failure here is
   * not the caller's: the slot stays taken until a reservation at the limit drops it.
   */
  private async releaseQuietly(task: TaskRecord): Promise<void> {
    try {
      await this.slots.release(task.agentId, task.id);
    } catch {
      // Dropped later by TaskSlots.reserve, which checks each task when the list is full.
    }
  }
}
