import type {
  ApplyOutcome,
  Change,
  ChangePage,
  FeedEntry,
  ReplicaStore,
  TaskQueue,
} from '../ports/index.js';
import { type HybridLogicalClock, parseVersion } from './clock.js';
import {
  ForeignCursorError,
  ReplicationCursorError,
  VersionInFutureError,
} from './replication-errors.js';
import { versionOfChange } from './replication-changes.js';

/** Largest page of the change feed. */
export const MAX_FEED_LIMIT = 1000;
/** File content bytes in one feed page; base64 makes the response a third larger. */
export const DEFAULT_FEED_CONTENT_BYTES = 4 * 1024 * 1024;
/** How far ahead of the local clock an applied version may be: 5 minutes. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** Name under which a node keeps its cursors towards the node it replicates with, the cloud. */
export const UPSTREAM_PEER = 'upstream';

/** State names of the cursors this service keeps in the store. */
const STATE = {
  pull: (peer: string) => `pull:${peer}`,
  drain: (peer: string) => `drain:${peer}`,
  peerRead: (peer: string) => `peer-read:${peer}`,
};

/** Report of one pull or drain loop of this process, for the status endpoint. */
export type ReplicationLinkReport = Record<string, unknown> & { readonly name: string };

/** Dependencies and settings of {@link ReplicationService}. */
export interface ReplicationServiceDeps {
  readonly store: ReplicaStore;
  readonly clock: HybridLogicalClock;
  /**
   * Queue offered every applied task that is queued. A queue that places tasks decides whether
   * this node runs it. @default none: applied tasks are stored only
   */
  readonly queue?: TaskQueue;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default {@link DEFAULT_MAX_CLOCK_SKEW_MS} */
  readonly maxClockSkewMs?: number;
  /** Reports of the replication loops running in this process. @default none */
  readonly links?: () => ReplicationLinkReport[];
  /** Peers this node drains its outbox to, such as {@link UPSTREAM_PEER}. @default [] */
  readonly outboxPeers?: readonly string[];
}

/** A request for one page of the change feed. */
export interface FeedRequest {
  /** `nextCursor` of the previous page; null starts at the beginning. */
  readonly cursor: string | null;
  readonly limit: number;
  /** @default {@link DEFAULT_FEED_CONTENT_BYTES} */
  readonly maxContentBytes?: number;
  /** Node id of the caller: its own changes are left out and its read position is recorded. */
  readonly peer?: string;
}

/** One page of the change feed with opaque cursors. */
export interface FeedPage {
  readonly entries: FeedEntry[];
  readonly nextCursor: string;
  readonly more: boolean;
  /** Cursor of the newest change when the page was read. */
  readonly headCursor: string;
}

/** Changes counted by outcome since this process started. */
export type ApplyCounts = Record<ApplyOutcome, number>;

/** State of this node's outbox towards one peer. */
export interface OutboxStatus {
  /** Changes written by this node that the peer has not acknowledged yet. */
  readonly pending: number;
  /** Last seq the peer acknowledged. */
  readonly drainedSeq: number;
  readonly headSeq: number;
}

/**
 * Serves this node's change feed, applies changes from other nodes last-writer-wins, and keeps
 * the replication cursors. Cursors are `<feed id>.<seq>`: the seq orders changes by commit at
 * this node, which a version cannot do, because a change applied now from a peer may carry a
 * version older than changes served before it.
 */
export class ReplicationService {
  private readonly deps: ReplicationServiceDeps;
  private readonly now: () => number;
  private readonly maxClockSkewMs: number;
  private readonly counts: ApplyCounts = { applied: 0, ignored: 0, expired: 0, conflict: 0 };

  constructor(deps: ReplicationServiceDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
    this.maxClockSkewMs = deps.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  }

  /** Id of this node, as written into its versions. */
  get nodeId(): string {
    return this.deps.clock.nodeId;
  }

  /**
   * Reads one page of the feed and records the caller's read position.
   *
   * @throws {ReplicationCursorError} (400) for a malformed cursor.
   * @throws {ForeignCursorError} (409) for a cursor of another change log.
   */
  async readFeed(request: FeedRequest): Promise<FeedPage> {
    const feedId = await this.deps.store.feedId();
    const after = request.cursor === null ? 0 : decodeFeedCursor(request.cursor, feedId);
    const page = await this.deps.store.readChanges({
      after,
      limit: Math.min(Math.max(1, request.limit), MAX_FEED_LIMIT),
      maxContentBytes: request.maxContentBytes ?? DEFAULT_FEED_CONTENT_BYTES,
      excludeOrigin: request.peer,
    });
    // The caller has everything up to `after`, so tombstones up to it may be purged.
    if (request.peer) await this.deps.store.writeState(STATE.peerRead(request.peer), String(after));
    return toFeedPage(page, feedId);
  }

  /** Reads the changes this node wrote after `after`: its outbox. */
  async readOutbox(after: number, limit: number): Promise<ChangePage> {
    return this.deps.store.readChanges({
      after,
      limit,
      maxContentBytes: DEFAULT_FEED_CONTENT_BYTES,
      onlyOrigin: this.nodeId,
    });
  }

  /**
   * Applies changes last-writer-wins, observes their versions into this node's clock so later
   * local writes sort after them, and offers applied queued tasks to the queue. Applying a change
   * again changes nothing and returns `ignored`.
   *
   * @throws {VersionInFutureError} (400) before applying anything, when a version is more than
   *   the allowed clock skew ahead.
   */
  async apply(changes: readonly Change[]): Promise<ApplyOutcome[]> {
    const versions = changes.map(versionOfChange);
    const limitMs = this.now() + this.maxClockSkewMs;
    versions.forEach((version, index) => {
      if (parseVersion(version).wallMs > limitMs) {
        throw new VersionInFutureError(version, this.maxClockSkewMs, index);
      }
    });

    const outcomes = await this.deps.store.applyChanges(changes);
    const newest = versions.reduce((max, version) => (version > max ? version : max), '');
    if (newest) this.deps.clock.observe(newest);
    outcomes.forEach((outcome) => (this.counts[outcome] += 1));
    await this.scheduleTasks(changes, outcomes);
    return outcomes;
  }

  /** Returns the changes applied since this process started, by outcome. */
  applyCounts(): ApplyCounts {
    return { ...this.counts };
  }

  /** Returns the outbox towards `peer`: own changes after its drained seq. */
  async outbox(peer: string): Promise<OutboxStatus> {
    const drainedSeq = await this.readDrainedSeq(peer);
    const pending = await this.deps.store.countChanges({
      after: drainedSeq,
      onlyOrigin: this.nodeId,
    });
    return { pending, drainedSeq, headSeq: await this.deps.store.headSeq() };
  }

  /** Returns the last seq of this node's log that `peer` acknowledged; 0 when none. */
  async readDrainedSeq(peer: string): Promise<number> {
    return Number((await this.deps.store.readState(STATE.drain(peer))) ?? 0);
  }

  /** Records that `peer` acknowledged this node's changes up to `seq`. */
  async writeDrainedSeq(peer: string, seq: number): Promise<void> {
    await this.deps.store.writeState(STATE.drain(peer), String(seq));
  }

  /** Returns the cursor into `peer`'s feed, or null to start from its beginning. */
  async readPullCursor(peer: string): Promise<string | null> {
    return this.deps.store.readState(STATE.pull(peer));
  }

  /** Records the cursor into `peer`'s feed after its changes were applied. */
  async writePullCursor(peer: string, cursor: string): Promise<void> {
    await this.deps.store.writeState(STATE.pull(peer), cursor);
  }

  /** Returns the peers this node drains its outbox to. */
  outboxPeers(): readonly string[] {
    return this.deps.outboxPeers ?? [];
  }

  /** Returns the reports of the replication loops in this process. */
  links(): ReplicationLinkReport[] {
    return this.deps.links?.() ?? [];
  }

  private async scheduleTasks(changes: readonly Change[], outcomes: ApplyOutcome[]) {
    const queue = this.deps.queue;
    if (!queue) return;
    for (const [index, change] of changes.entries()) {
      if (change.kind !== 'task' || outcomes[index] !== 'applied') continue;
      if (change.task.status !== 'queued') continue;
      const delayMs = Math.max(0, Date.parse(change.task.runAt) - this.now());
      await queue.enqueue({ agentId: change.task.agentId, taskId: change.task.id }, delayMs);
    }
  }
}

/** Encodes a position in a change log as an opaque cursor. */
export function encodeFeedCursor(feedId: string, seq: number): string {
  return `${feedId}.${seq}`;
}

/**
 * Decodes a cursor made by {@link encodeFeedCursor} for the feed `feedId`.
 *
 * @throws {ReplicationCursorError} when it is malformed.
 * @throws {ForeignCursorError} when it belongs to another feed.
 */
export function decodeFeedCursor(cursor: string, feedId: string): number {
  const match = /^([0-9a-f]{16})\.(0|[1-9]\d{0,15})$/.exec(cursor);
  if (!match) throw new ReplicationCursorError(cursor);
  if (match[1] !== feedId) throw new ForeignCursorError(feedId);
  return Number(match[2]);
}

function toFeedPage(page: ChangePage, feedId: string): FeedPage {
  return {
    entries: page.entries,
    nextCursor: encodeFeedCursor(feedId, page.nextSeq),
    more: page.more,
    headCursor: encodeFeedCursor(feedId, page.headSeq),
  };
}
