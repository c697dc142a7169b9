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

/**
 * A change as a {@link ChangeLog} stores it. A file change carries the file's metadata only,
 * because the content stays in the file store.
 */
export type LoggedChange =
  Exclude<Change, { readonly kind: 'file' }> | { readonly kind: 'file'; readonly file: StoredFile };

/** One entry of a change log: the latest logged change of one entity. */
export interface LogEntry {
  /** Position in the log; larger means appended later. */
  readonly seq: number;
  /** Id of the node that wrote the logged version. */
  readonly origin: string;
  readonly change: LoggedChange;
}

/**
 * One page of a change log, with the fields of {@link ChangePage}. A live file entry counts its
 * logged `size` against `maxContentBytes` of the query.
 */
export interface LogPage {
  readonly entries: LogEntry[];
  readonly nextSeq: number;
  readonly more: boolean;
  readonly headSeq: number;
}

/**
 * Change log of a store whose writes cannot log themselves in the same transaction, such as
 * OpenSearch: the writer appends each entity's new state after writing it (see
 * `createReplicatedStores` in the core).
 *
 * The log keeps one entry per entity (kind, agent id and entity id, or file name), and an
 * append gives that entry the next seq. An append is last-writer-wins by version, so a writer
 * that lost a race cannot put an older state back into the log. Reads follow the semantics of
 * {@link ReplicaStore.readChanges}: a reader that pages with `nextSeq` never misses an entry
 * whose append completed before the read began, because an entry that moves goes to a larger
 * seq.
 */
export interface ChangeLog {
  /** Id of this log, which changes when the log is created again. Cursors carry it. */
  feedId(): Promise<string>;
  /**
   * Records `change` as the latest change of its entity under a new seq, unless the log contains
   * the same or a newer version of that entity.
   *
   * @returns true when the change was recorded.
   */
  append(change: LoggedChange): Promise<boolean>;
  /** Returns the logged change of one entity, a tombstone included, or null. */
  latest(kind: ChangeKind, agentId: string, id: string): Promise<LoggedChange | null>;
  /** Reads a page of the log in seq order. */
  readChanges(query: ChangeQuery): Promise<LogPage>;
  /** Returns the largest seq a read can return; 0 when the log is empty. */
  headSeq(): Promise<number>;
  /** Counts the entries after `after`, optionally only those written by `onlyOrigin`. */
  countChanges(query: { readonly after: number; readonly onlyOrigin?: string }): Promise<number>;
  /** Returns a stored cursor or marker, or null when it was never written. */
  readState(name: string): Promise<string | null>;
  /** Stores a cursor or marker durably. */
  writeState(name: string, value: string): Promise<void>;
}
