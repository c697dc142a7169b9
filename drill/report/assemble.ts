import type { FailoverMeasures } from '../failover.js';
import type { DrillOptions } from '../options.js';
import type { ReceivedEvent } from '../router-events.js';
import type { SetupResult } from '../setup.js';
import { PHASES, type PhaseName, type Sample } from '../traffic.js';
import type { WritesCheck } from '../verify.js';
import type { Workload } from '../workload/index.js';
import {
  checkPromises,
  compareOutageRecall,
  operationCounts,
  reportEvents,
  sampleColumns,
  summarizePhase,
  type PhaseWindow,
} from './build.js';
import type { DrillReport, PhaseReport } from './types.js';

/** Everything a drill collected, for {@link assembleReport}. */
export interface DrillRecord {
  readonly options: DrillOptions;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly aborted: boolean;
  readonly workload: Workload;
  readonly setup: SetupResult | null;
  readonly windows: Readonly<Record<PhaseName, PhaseWindow>>;
  readonly samples: readonly Sample[];
  readonly dropped: Readonly<Record<PhaseName, number>>;
  readonly events: readonly ReceivedEvent[];
  readonly failover: FailoverMeasures;
  readonly writes: WritesCheck;
  readonly faultDescription: string | null;
  readonly dependencies: Readonly<Record<string, unknown>>;
  readonly undo: { readonly restored: readonly string[]; readonly failed: readonly string[] };
  readonly errors: readonly string[];
}

/** Builds the contents of `report.json` from what a drill collected. */
export function assembleReport(record: DrillRecord): DrillReport {
  const { options, workload } = record;
  const phases = {} as Record<PhaseName, PhaseReport>;
  for (const phase of PHASES) {
    const samples = record.samples.filter((sample) => sample.phase === phase);
    phases[phase] = summarizePhase(samples, record.windows[phase], record.dropped[phase]);
  }
  const recall = compareOutageRecall(record.samples);
  return {
    version: 1,
    started_at: record.startedAt.toISOString(),
    finished_at: record.finishedAt.toISOString(),
    duration_ms: record.finishedAt.getTime() - record.startedAt.getTime(),
    target: options.target,
    fault: options.fault,
    fault_description: record.faultDescription,
    aborted: record.aborted,
    settings: {
      warmup_ms: options.warmupMs,
      outage_ms: options.outageMs,
      recovery_ms: options.recoveryMs,
      rate: options.rate,
      agents: options.agents,
    },
    workload: {
      kind: workload.kind,
      source: workload.source,
      agents: workload.agents.length,
      conversations: workload.stats.conversations,
      turns: workload.stats.turns,
      questions: workload.stats.questions,
      skipped: workload.stats.skipped,
    },
    setup: {
      writes: record.setup?.written.length ?? 0,
      duration_ms: Math.round(record.setup?.durationMs ?? 0),
      retries: record.setup?.retries ?? 0,
    },
    phases,
    failover: record.failover,
    writes: record.writes,
    functionality: operationCounts(record.samples.filter((sample) => sample.phase === 'outage')),
    recall,
    promises: checkPromises(phases, record.failover, record.writes, recall),
    dependencies: record.dependencies,
    undo: record.undo,
    events: reportEvents(record.events),
    samples: sampleColumns(record.samples),
    errors: record.errors,
  };
}

/** Exit status of a finished drill: 0 when every promise held, 1 when one broke, 130 if aborted. */
export function exitCodeOf(report: DrillReport): number {
  if (report.aborted) return 130;
  return report.promises.some((promise) => promise.kept === false) || report.errors.length > 0
    ? 1
    : 0;
}
