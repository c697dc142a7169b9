import type { MemoryRecord } from './records.js';

/** Filters of a memory list. All given filters must match. */
export interface MemoryListFilter {
  readonly userId?: string;
  readonly sessionId?: string;
  readonly keyPrefix?: string;
}

/** One page of a listing. */
export interface Page<T> {
  readonly items: T[];
  /** True when more items follow the last one returned. */
  readonly more: boolean;
}

/** Result of a conditional write. */
export interface PutResult {
  /** False when the store already held the same or a newer version, which it kept. */
  readonly applied: boolean;
  /** The record the store contains after the write. */
  readonly current: MemoryRecord;
}

/**
 * Storage of memory records, one namespace per agent.
 *
 * Writes are last-writer-wins by version: a put or delete whose version is not newer than the
 * stored one changes nothing. Reads take `nowMs` and treat expired records and tombstones as
 * absent. Every adapter makes a put visible to `search` on the same backend once it resolves.
 */
export interface MemoryStore {
  /** Stores `record` when its version is newer than the stored one (a tombstone included). */
  put(record: MemoryRecord): Promise<PutResult>;
  /** Returns the live record, or null. */
  get(agentId: string, id: string, nowMs: number): Promise<MemoryRecord | null>;
  /** Returns the live record with this key, or null. */
  getByKey(agentId: string, key: string, nowMs: number): Promise<MemoryRecord | null>;
  /** Lists live records in id order, at most `limit`, starting after the id `after`. */
  list(
    agentId: string,
    filter: MemoryListFilter,
    page: { limit: number; after: string | null },
    nowMs: number,
  ): Promise<Page<MemoryRecord>>;
  /** Counts an agent's live records, for quotas. */
  count(agentId: string, nowMs: number): Promise<number>;
}
