import type { StoredFile } from './files.js';
import type { Agent, MemoryRecord, SearchDocument } from './records.js';
import type { TaskRecord } from './tasks.js';

/** Kind of a replicated entity. */
export type ChangeKind = 'agent' | 'memory' | 'document' | 'task' | 'file';

/**
 * One replicated change: the whole state of one entity at one version, tagged by `kind`.
 * Deletes are tombstones (`deleted: true`), so a change never needs the state it replaces.
 */
export type Change =
  | { readonly kind: 'agent'; readonly agent: Agent }
  | { readonly kind: 'memory'; readonly record: MemoryRecord }
  | { readonly kind: 'document'; readonly document: SearchDocument }
  | { readonly kind: 'task'; readonly task: TaskRecord }
  /** `content` is empty for a tombstone. */
  | { readonly kind: 'file'; readonly file: StoredFile; readonly content: Uint8Array };

/** A change as the change feed of one node serves it. */
export interface FeedEntry {
  /** Position in the change log of the serving node; larger means committed later there. */
  readonly seq: number;
  /** Id of the node that wrote this version: the node id at the end of the version. */
  readonly origin: string;
  readonly change: Change;
}

/** A read of the change log. */
export interface ChangeQuery {
  /** Returns entries with a larger seq than this; 0 starts at the beginning. */
  readonly after: number;
  /** Maximum entries returned. */
  readonly limit: number;
  /**
   * Budget of file content bytes in one page. The page ends before the entry that would exceed
   * it, but always contains at least one entry, so a file larger than the budget still travels.
   */
  readonly maxContentBytes: number;
  /** Leaves out entries written by this node id, such as the caller's own changes. */
  readonly excludeOrigin?: string;
  /** Returns only entries written by this node id, such as this node's outbox. */
  readonly onlyOrigin?: string;
}

/** One page of the change log. */
export interface ChangePage {
  readonly entries: FeedEntry[];
  /** Seq to pass as `after` for the next page: the last one examined, skipped entries included. */
  readonly nextSeq: number;
  /** True when entries past `nextSeq` matched the query when it ran. */
  readonly more: boolean;
  /** Largest seq in the log when the page was read. */
  readonly headSeq: number;
}

/**
 * Result of applying one change: `applied` when it changed the store, `ignored` when the store
 * held the same or a newer version, `expired` when it is older than the tombstone purge horizon
 * and names an entity the store no longer has, `conflict` when a uniqueness rule rejected it.
 */
export type ApplyOutcome = 'applied' | 'ignored' | 'expired' | 'conflict';

/**
 * Replication side of a node's storage: a change feed over every replicated entity, a
 * last-writer-wins apply, and named cursors kept with the data.
 *
 * Every adapter records each committed write in its change log in the same transaction as the
 * write, so a write is in the feed exactly when it is durable. The log keeps the latest change of
 * each entity, and the feed serves each entity's state at the time of the read. That state can be
 * newer than the change that logged it, and a later entry then carries the same state again.
 */
export interface ReplicaStore {
  /** Id of this change log, fixed when the database was created; cursors carry it. */
  feedId(): Promise<string>;
  /** Reads a page of the change log in seq order. */
  readChanges(query: ChangeQuery): Promise<ChangePage>;
  /** Returns the largest seq in the change log; 0 when it is empty. */
  headSeq(): Promise<number>;
  /** Counts the log entries after `after`, optionally only those written by `onlyOrigin`. */
  countChanges(query: { readonly after: number; readonly onlyOrigin?: string }): Promise<number>;
  /** Applies changes last-writer-wins by version and returns one outcome per change, in order. */
  applyChanges(changes: readonly Change[]): Promise<ApplyOutcome[]>;
  /** Returns a stored cursor or marker, or null when it was never written. */
  readState(name: string): Promise<string | null>;
  /** Stores a cursor or marker durably. */
  writeState(name: string, value: string): Promise<void>;
}
