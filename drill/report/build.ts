import { formatMs } from '../durations.js';
import type { FailoverMeasures } from '../failover.js';
import type { ServedBy } from '../http.js';
import {
  compareRecall,
  summarizeRecall,
  type RecallComparison,
  type RecallSample,
} from '../recall.js';
import type { ReceivedEvent } from '../router-events.js';
import { summarizeLatency } from '../stats.js';
import { OPERATIONS, type OperationName, type PhaseName, type Sample } from '../traffic.js';
import type { WritesCheck } from '../verify.js';
import type { OperationCounts, PhaseReport, PromiseCheck, SampleColumns } from './types.js';

/** Detection must finish under this many milliseconds. */
export const DETECTION_LIMIT_MS = 1000;
/** Traffic must be back on the cloud, with the outbox drained, under this many milliseconds. */
export const RECOVERY_LIMIT_MS = 5000;

/** Start and end of a phase on the drill's clock. */
export interface PhaseWindow {
  readonly start: number;
  readonly end: number;
}

/** Summarizes the samples sent in one phase. */
export function summarizePhase(
  samples: readonly Sample[],
  window: PhaseWindow,
  dropped: number,
): PhaseReport {
  const safe = samples.filter((sample) => sample.safe);
  const unsafe = samples.filter((sample) => !sample.safe);
  const servedBy: Record<ServedBy, number> = { cloud: 0, edge: 0, router: 0, none: 0 };
  for (const sample of samples) servedBy[sample.servedBy] += 1;
  return {
    start_ms: Math.round(window.start),
    end_ms: Math.round(window.end),
    requests: samples.length,
    safe_requests: safe.length,
    safe_errors: safe.filter((sample) => !sample.ok).length,
    unsafe_requests: unsafe.length,
    unsafe_errors: unsafe.filter((sample) => !sample.ok).length,
    dropped,
    latency_ms: summarizeLatency(samples.map((sample) => sample.latencyMs)),
    served_by: servedBy,
    failover_retries: samples.filter((sample) => sample.retried).length,
    recall: summarizeRecall(recallSamples(samples)),
    operations: operationCounts(samples),
  };
}

/** Counts requests and successes per operation type. */
export function operationCounts(
  samples: readonly Sample[],
): Record<OperationName, OperationCounts> {
  const counts = {} as Record<OperationName, OperationCounts>;
  for (const op of OPERATIONS) {
    const ofOp = samples.filter((sample) => sample.op === op);
    const succeeded = ofOp.filter((sample) => sample.ok).length;
    counts[op] = {
      requests: ofOp.length,
      succeeded,
      ratio: ofOp.length === 0 ? null : succeeded / ofOp.length,
    };
  }
  return counts;
}

/** Returns the recall of every search among `samples`. */
export function recallSamples(samples: readonly Sample[]): RecallSample[] {
  return samples.flatMap((sample) =>
    sample.op === 'search' && sample.question !== undefined
      ? [{ question: sample.question, at5: sample.at5 ?? 0, at10: sample.at10 ?? 0 }]
      : [],
  );
}

/** Compares recall per question between the warmup and the outage. */
export function compareOutageRecall(samples: readonly Sample[]): RecallComparison {
  const ofPhase = (phase: PhaseName) =>
    recallSamples(samples.filter((sample) => sample.phase === phase));
  return compareRecall(ofPhase('warmup'), ofPhase('outage'));
}

/**
 * Checks the promises a drill measures. Detection and recovery apply only when the fault takes
 * the primary out of service; recall applies only when both phases asked a question.
 */
export function checkPromises(
  phases: Readonly<Record<PhaseName, PhaseReport>>,
  failover: FailoverMeasures,
  writes: WritesCheck,
  recall: RecallComparison,
): PromiseCheck[] {
  const safeErrors = phases.outage.safe_errors + phases.recovery.safe_errors;
  return [
    {
      name: 'no_lost_writes',
      kept: writes.checked ? writes.lost === 0 && writes.unverified === 0 : null,
      measured: writes.checked
        ? `${writes.lost} lost, ${writes.unverified} unverified of ${writes.acknowledged}`
        : 'not checked',
      limit: '0 lost',
    },
    {
      name: 'keyed_writes_applied_once',
      // Without a record to count, as in a drill too short for a keyed POST, it is not judged.
      kept: writes.checked && writes.keyed_records_checked > 0 ? writes.duplicated === 0 : null,
      measured: writes.checked
        ? `${writes.duplicated} of ${writes.keyed_records_checked} records created with an ` +
          'Idempotency-Key held twice'
        : 'not checked',
      limit: '0 held twice',
    },
    {
      name: 'no_safe_errors_during_failover',
      kept: safeErrors === 0,
      measured: `${phases.outage.safe_errors} in outage, ${phases.recovery.safe_errors} in recovery`,
      limit: '0',
    },
    timedPromise(
      'detection_under_1s',
      failover,
      failover.fault_started_ms,
      failover.detection_ms,
      DETECTION_LIMIT_MS,
    ),
    timedPromise(
      'recovery_under_5s',
      failover,
      failover.fault_cleared_ms,
      failover.recovery_ms,
      RECOVERY_LIMIT_MS,
    ),
    {
      name: 'recall_kept_during_outage',
      kept: recall.questions === 0 ? null : recall.worse.length === 0,
      measured:
        recall.questions === 0
          ? 'no question asked in both phases'
          : `@5 ${fixed(recall.before.at5)} -> ${fixed(recall.during.at5)}, @10 ${fixed(recall.before.at10)} -> ${fixed(recall.during.at10)}, ${recall.worse.length} of ${recall.questions} questions worse`,
      limit: 'no question worse',
    },
  ];
}

/**
 * Checks a detection or recovery time against its limit. It does not apply when the fault keeps
 * the primary in service, or when the drill ended before the step it times began (`startedMs`).
 */
function timedPromise(
  name: string,
  failover: FailoverMeasures,
  startedMs: number | null,
  measuredMs: number | null,
  limitMs: number,
): PromiseCheck {
  const limit = `< ${formatMs(limitMs)}`;
  if (!failover.expected) return { name, kept: null, measured: 'no failover expected', limit };
  if (startedMs === null) return { name, kept: null, measured: 'not reached', limit };
  return {
    name,
    kept: measuredMs !== null && measuredMs < limitMs,
    measured: formatMs(measuredMs),
    limit,
  };
}

/** Returns a promise's verdict as the report tables show it. */
export function verdictOf(kept: boolean | null): string {
  if (kept === null) return 'not applicable';
  return kept ? 'kept' : 'BROKEN';
}

/** Turns samples into columns, which keeps `report.json` compact. */
export function sampleColumns(samples: readonly Sample[]): SampleColumns {
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  return {
    at_ms: sorted.map((sample) => Math.round(sample.at)),
    latency_ms: sorted.map((sample) => sample.latencyMs),
    status: sorted.map((sample) => sample.status),
    served_by: sorted.map((sample) => sample.servedBy),
    op: sorted.map((sample) => sample.op),
    safe: sorted.map((sample) => sample.safe),
  };
}

/** Keeps the router events that change something: flips, faults, health, breakers, recovery. */
export function reportEvents(
  events: readonly ReceivedEvent[],
): { at_ms: number; type: string; detail: string }[] {
  return events
    .filter((event) => ['flip', 'fault', 'health', 'breaker', 'recovery'].includes(event.type))
    .map((event) => ({
      at_ms: Math.round(event.at),
      type: event.type,
      detail: describeEvent(event),
    }));
}

function describeEvent(event: ReceivedEvent): string {
  const data = event.data ?? {};
  switch (event.type) {
    case 'flip':
      return `${data.from} -> ${data.to}: ${data.reason}`;
    case 'fault':
      return `${data.action} ${data.fault} on ${data.target}`;
    case 'health':
      return `${data.target} ${data.healthy ? 'healthy' : 'unhealthy'}: ${data.reason}`;
    case 'breaker':
      return `${data.target} breaker ${data.state}`;
    default:
      return `${data.phase}: ${data.reason}`;
  }
}

function fixed(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(3);
}
