import { Gauge, type Registry } from 'prom-client';
import type { ReplicationMonitor } from './monitor.js';

/**
 * Registers the replication gauges of a node in `registry`. Both are read from `monitor` when
 * Prometheus scrapes, so they always match what `/health` and the replication status report:
 *
 * - `happy_edge_replication_lag_seconds`: time since the pull loop last reached the end of the
 *   upstream's feed (see {@link ReplicationMonitor}).
 * - `happy_edge_replication_consecutive_failures{loop}`: failed calls in a row of the `pull`
 *   and `drain` loops; 0 after a success.
 */
export function registerReplicationMetrics(registry: Registry, monitor: ReplicationMonitor): void {
  new Gauge({
    name: 'happy_edge_replication_lag_seconds',
    help: 'Time since the pull loop last read the upstream change feed to its end.',
    registers: [registry],
    collect() {
      this.set(monitor.lagMs() / 1000);
    },
  });
  new Gauge({
    name: 'happy_edge_replication_consecutive_failures',
    help: 'Failed calls in a row of a replication loop, by loop (pull or drain).',
    labelNames: ['loop'] as const,
    registers: [registry],
    collect() {
      for (const link of monitor.report()) {
        this.set({ loop: link.name }, Number(link.consecutive_failures));
      }
    },
  });
}
