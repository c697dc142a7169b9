import Table from 'cli-table3';
import { formatMs } from '../durations.js';
import { PHASES } from '../traffic.js';
import { verdictOf } from './build.js';
import type { DrillReport } from './types.js';

// No colours, so the summary reads the same in a terminal, a CI log and a file.
const PLAIN = { head: [], border: [] };

/** Renders the end-of-drill summary: one table of the phases and one of the promises. */
export function renderSummary(report: DrillReport): string {
  const phases = new Table({
    style: PLAIN,
    head: [
      'phase',
      'requests',
      'safe err',
      'unsafe err',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'cloud',
      'edge',
      'recall@5',
      'recall@10',
    ],
  });
  for (const name of PHASES) {
    const p = report.phases[name];
    phases.push([
      name,
      p.requests,
      p.safe_errors,
      p.unsafe_errors,
      p.latency_ms.p50 ?? 'n/a',
      p.latency_ms.p95 ?? 'n/a',
      p.latency_ms.p99 ?? 'n/a',
      p.served_by.cloud,
      p.served_by.edge,
      fixed(p.recall.at5),
      fixed(p.recall.at10),
    ]);
  }

  const promises = new Table({ style: PLAIN, head: ['promise', 'verdict', 'measured', 'limit'] });
  for (const promise of report.promises) {
    promises.push([promise.name, verdictOf(promise.kept), promise.measured, promise.limit]);
  }

  const { failover, writes } = report;
  const facts = [
    `fault: ${report.fault_description ?? 'not injected'}`,
    `detection ${formatMs(failover.detection_ms)} (by ${failover.detected_by ?? 'n/a'}), ` +
      `recovery ${formatMs(failover.recovery_ms)}, flips ${failover.flips}`,
    `writes: ${writes.acknowledged} acknowledged, ${writes.checked ? writes.lost : 'not checked'} lost, ` +
      `${writes.checked ? writes.duplicated : 'not checked'} duplicated, read back from ${writes.read_from}`,
  ];
  const errors = report.errors.map((error) => `drill error: ${error}`);
  return [phases.toString(), ...facts, promises.toString(), ...errors].join('\n');
}

function fixed(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(3);
}
