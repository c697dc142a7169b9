import { formatVersion } from './clock.js';

/**
 * Minimum age of a tombstone before it may be purged: 30 days. A delete must outlive every older
 * write to the same record that can still arrive, and such a write waits in the outbox of a node
 * that is cut off from its peers. The retention is therefore the longest time a node may be cut
 * off and still merge its writes. Older writes to a purged record are reported `expired`, so a
 * node cut off for longer must be seeded again from a peer. Even after this time, a tombstone
 * stays while an outbox or a peer's cursor has not passed it.
 */
export const TOMBSTONE_RETENTION_MS = 30 * 24 * 3600 * 1000;

/**
 * Returns the purge horizon at `nowMs`: a version string that sorts after every version written
 * more than `retentionMs` ago, whatever its counter and node id.
 */
export function tombstoneHorizon(nowMs: number, retentionMs = TOMBSTONE_RETENTION_MS): string {
  // The counter 999999 is the largest one, and the node id "~" sorts after every valid id.
  const wallMs = Math.max(0, nowMs - retentionMs);
  return formatVersion({ wallMs, counter: 999_999, nodeId: '~' });
}
