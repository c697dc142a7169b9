import { ResourceConflictError } from '../../core/errors.js';
import { isVersionConflict } from './errors.js';
import type { OpenSearchGateway } from './gateway.js';
import {
  isUnfinished,
  taskDocumentId,
  type Slot,
  type SlotsSource,
  type TaskSource,
} from './task-documents.js';
import { readEntry, type StoredEntry } from './versioned-write.js';

/** Compare-and-set rounds before a reservation under constant contention gives up. */
const MAX_ROUNDS = 20;

/**
 * Age after which a reservation whose task document is missing is dropped, in ms. A create
 * writes its task within a few guarded calls of at most 2 s each with retries, so a reservation
 * this old without a task belongs to a create that failed or crashed.
 */
export const ORPHAN_SLOT_MS = 60_000;

/** Outcome of {@link TaskSlots.reserve}. */
export type Reservation =
  { readonly reserved: true } | { readonly reserved: false; readonly unfinished: number };

/**
 * The unfinished-task slots of each agent: one document per agent listing the ids of its queued
 * and running tasks. Every change is a compare-and-set on the document (`if_seq_no` and
 * `if_primary_term`, or `op_type: create` for the first), so concurrent creates in any number of
 * processes cannot reserve more slots than the limit.
 *
 * The list may name more tasks than are unfinished (a release that failed after its task
 * finished, or a create that stopped after reserving), never fewer, unless task records are
 * written around `OpenSearchTaskStore.create`. When the list is full, a reservation checks its
 * tasks and drops the finished ones and the orphans before it decides.
 */
export class TaskSlots {
  constructor(private readonly gateway: OpenSearchGateway) {}

  /**
   * Reserves a slot for `taskId`, unless the agent has `limit` slots taken. Reserving a slot
   * that the task has already succeeds, so a repeated or resumed create can call it again.
   *
   * @throws {ResourceConflictError} `write_conflict` after 20 lost rounds in a row.
   * @throws {DependencyUnavailableError} when OpenSearch fails.
   */
  async reserve(agentId: string, taskId: string, limit: number, nowMs: number) {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const stored = await this.read(agentId);
      let slots = stored?.source.slots ?? [];
      if (slots.some((slot) => slot.id === taskId)) return { reserved: true } as const;

      if (slots.length >= limit) slots = await this.prune(agentId, slots, nowMs);
      if (slots.length >= limit) return { reserved: false, unfinished: slots.length } as const;
      if (await this.write(agentId, [...slots, { id: taskId, at: nowMs }], stored)) {
        return { reserved: true } as const;
      }
    }
    throw contention(agentId);
  }

  /**
   * Frees the slot of `taskId`, or does nothing when the task has none.
   *
   * @throws {ResourceConflictError} `write_conflict` after 20 lost rounds in a row.
   * @throws {DependencyUnavailableError} when OpenSearch fails.
   */
  async release(agentId: string, taskId: string): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const stored = await this.read(agentId);
      const slots = stored?.source.slots ?? [];
      if (!slots.some((slot) => slot.id === taskId)) return;
      const rest = slots.filter((slot) => slot.id !== taskId);
      if (await this.write(agentId, rest, stored)) return;
    }
    throw contention(agentId);
  }

  private read(agentId: string): Promise<StoredEntry<SlotsSource> | null> {
    const id = taskDocumentId('slots', agentId);
    return readEntry<SlotsSource>(this.gateway, this.gateway.names.tasks, id, agentId);
  }

  /** Writes the slot list if the document is unchanged; false when another write came first. */
  private async write(
    agentId: string,
    slots: Slot[],
    stored: StoredEntry<SlotsSource> | null,
  ): Promise<boolean> {
    const body: SlotsSource = { kind: 'slots', agent_id: agentId, slots };
    const condition = stored
      ? { if_seq_no: stored.seqNo, if_primary_term: stored.primaryTerm }
      : { op_type: 'create' as const };
    try {
      // Repeatable: a repeat after a lost reply meets a conflict, and the next round then finds
      // the slot it wrote.
      await this.gateway.call(
        (client) =>
          client.index({
            index: this.gateway.names.tasks,
            id: taskDocumentId('slots', agentId),
            routing: agentId,
            body,
            ...condition,
          }),
        { repeatable: true },
      );
      return true;
    } catch (error) {
      if (isVersionConflict(error)) return false;
      throw error;
    }
  }

  /** Keeps the slots of unfinished tasks, and of missing tasks reserved recently. */
  private async prune(agentId: string, slots: Slot[], nowMs: number): Promise<Slot[]> {
    const index = this.gateway.names.tasks;
    const docs = slots.map((slot) => ({
      _index: index,
      _id: taskDocumentId('task', agentId, slot.id),
      routing: agentId,
    }));
    const response = await this.gateway.call(
      (client) => client.mget({ realtime: true, body: { docs } }),
      { repeatable: true },
    );
    return slots.filter((slot, i) => {
      const doc = response.body.docs[i] as { found?: boolean; _source?: TaskSource } | undefined;
      if (!doc?.found || !doc._source) return nowMs - slot.at < ORPHAN_SLOT_MS;
      return isUnfinished(doc._source.status);
    });
  }
}

function contention(agentId: string): ResourceConflictError {
  return new ResourceConflictError(
    'write_conflict',
    `The task slots of agent "${agentId}" met ${MAX_ROUNDS} concurrent writes in a row.`,
    { hint: 'Retry the request; other requests are creating or finishing tasks right now.' },
  );
}
