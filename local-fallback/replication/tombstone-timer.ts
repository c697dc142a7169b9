import type { Database } from 'better-sqlite3';
import { tombstoneHorizon, TOMBSTONE_RETENTION_MS } from '../../lambdas/core/index.js';
import type { AppLogger } from '../../lambdas/ports/index.js';
import { purgeTombstones } from '../storage/index.js';

/** Options of {@link startTombstonePurge}. */
export interface TombstonePurgeTimerOptions {
  readonly database: Database;
  readonly nodeId: string;
  /** Peers this node drains its outbox to. @default [] */
  readonly outboxPeers?: readonly string[];
  readonly logger: AppLogger;
  /** Time between two purges. @default 3600000 (one hour) */
  readonly intervalMs?: number;
  /** Age after which a tombstone may go. @default {@link TOMBSTONE_RETENTION_MS} */
  readonly retentionMs?: number;
}

/**
 * Purges memory tombstones past their retention once at start and then every `intervalMs`,
 * within the rules of `purgeTombstones`.
 *
 * @returns a function that stops the timer.
 */
export function startTombstonePurge(options: TombstonePurgeTimerOptions): () => void {
  const purge = () => {
    try {
      const removed = purgeTombstones(options.database, {
        nodeId: options.nodeId,
        horizon: tombstoneHorizon(Date.now(), options.retentionMs ?? TOMBSTONE_RETENTION_MS),
        outboxPeers: options.outboxPeers,
      });
      if (removed > 0) options.logger.info('Purged expired tombstones.', { removed });
    } catch (error) {
      options.logger.error('Purging tombstones failed.', { error: String(error) });
    }
  };
  purge();
  const timer = setInterval(purge, options.intervalMs ?? 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}
