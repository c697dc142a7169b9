import type { Database } from 'better-sqlite3';
import { PURGE_HORIZON_STATE } from './replica-store.js';

/** Options of {@link purgeTombstones}. */
export interface TombstonePurgeOptions {
  /** Id of this node: its own tombstones wait for every outbox peer to acknowledge them. */
  readonly nodeId: string;
  /** Tombstones with an older version than this may go; see `tombstoneHorizon` in the core. */
  readonly horizon: string;
  /**
   * Names of the peers this node drains its outbox to, as its `drain:<peer>` cursors name them.
   * @default [] for a node that sends its changes nowhere
   */
  readonly outboxPeers?: readonly string[];
}

/**
 * Deletes memory tombstones older than `horizon` that no one still needs: a tombstone this node
 * wrote stays until every outbox peer has acknowledged it, and any tombstone stays until every
 * peer that reads this node's feed has read past it. Deleting a row also deletes its change log
 * row (trigger `memory_unlogged`).
 *
 * When it purges anything it raises the stored purge horizon, so that an older write to a record
 * this node no longer stores is reported `expired` instead of bringing the record back.
 *
 * NOTE: file tombstones stay on disk and in the file journal; they are never purged.
 *
 * @returns the number of tombstones deleted.
 */
export function purgeTombstones(db: Database, options: TombstonePurgeOptions): number {
  const states = db.prepare('SELECT name, value FROM replication_state').all() as {
    name: string;
    value: string;
  }[];
  const drainedSeq = minimumSeq(
    states,
    (options.outboxPeers ?? []).map((peer) => `drain:${peer}`),
  );
  const peerReadSeq = minimumSeq(
    states,
    states.map((state) => state.name).filter((name) => name.startsWith('peer-read:')),
  );

  const purge = db.transaction(() => {
    const removed = db
      .prepare(
        `DELETE FROM memory WHERE deleted = 1 AND version < @horizon AND rowid IN (
          SELECT memory.rowid FROM memory JOIN change_log ON change_log.kind = 'memory'
            AND change_log.agent_id = memory.agent_id AND change_log.ref_id = memory.id
          WHERE (change_log.origin <> @node OR change_log.seq <= @drained)
            AND change_log.seq <= @peerRead)`,
      )
      .run({
        horizon: options.horizon,
        node: options.nodeId,
        drained: drainedSeq,
        peerRead: peerReadSeq,
      }).changes;
    if (removed > 0) raiseHorizon(db, options.horizon);
    return removed;
  });
  return purge();
}

/** Returns the smallest seq stored under `names`; a name never written counts as 0. */
function minimumSeq(states: { name: string; value: string }[], names: string[]): number {
  if (names.length === 0) return Number.MAX_SAFE_INTEGER;
  const values = new Map(states.map((state) => [state.name, Number(state.value)]));
  return Math.min(...names.map((name) => values.get(name) ?? 0));
}

function raiseHorizon(db: Database, horizon: string): void {
  db.prepare(
    `INSERT INTO replication_state (name, value, updated_at) VALUES (@name, @horizon, @now)
    ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
    WHERE excluded.value > replication_state.value`,
  ).run({ name: PURGE_HORIZON_STATE, horizon, now: new Date().toISOString() });
}
