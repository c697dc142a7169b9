import type { OutboxReading } from './monitors.js';
import type { ReceivedEvent } from './router-events.js';
import type { Sample } from './traffic.js';

/** Times of the fault, on the drill's clock (milliseconds since it started). */
export interface FaultTimes {
  /** Just before the fault was injected. */
  readonly faultAt: number | null;
  /** Just before the fault was cleared. */
  readonly clearAt: number | null;
  /** First 200 from the primary's own `/health` after the clear. */
  readonly healthyAt: number | null;
}

/** The `failover` section of the report. Times are milliseconds on the drill's clock. */
export interface FailoverMeasures {
  /** Whether the fault takes the primary out of service, so the router must fail over. */
  readonly expected: boolean;
  readonly fault_started_ms: number | null;
  /**
   * From the fault's start to the earlier of the first flip event to the secondary and the first
   * response served by the edge to a request sent after the fault started.
   */
  readonly detection_ms: number | null;
  readonly detected_by: 'flip' | 'edge_response' | null;
  /** The router's own count, from the first failure it saw on the primary to its flip. */
  readonly router_detection_ms: number | null;
  readonly fault_cleared_ms: number | null;
  readonly primary_healthy_ms: number | null;
  readonly flip_back_ms: number | null;
  readonly outbox_drained_ms: number | null;
  /**
   * From the primary's `/health` returning 200 again to traffic back on it (the flip event, or the
   * first response from the cloud without a router event stream) with the edge outbox empty.
   */
  readonly recovery_ms: number | null;
  /** Flip events during the whole drill. */
  readonly flips: number;
}

/** Computes detection and recovery from router events, traffic samples and outbox readings. */
export function measureFailover(
  expected: boolean,
  times: FaultTimes,
  events: readonly ReceivedEvent[] | null,
  samples: readonly Sample[],
  outbox: readonly OutboxReading[],
): FailoverMeasures {
  const detection = detect(times.faultAt, events, samples);
  const back = flipBack(times, events, samples);
  const drained =
    back === null
      ? undefined
      : outbox.find((reading) => reading.at >= back && reading.pending === 0);
  const recoveryEnd = drained === undefined || back === null ? null : Math.max(back, drained.at);
  return {
    expected,
    fault_started_ms: rounded(times.faultAt),
    detection_ms:
      detection && times.faultAt !== null ? rounded(detection.at - times.faultAt) : null,
    detected_by: detection?.by ?? null,
    router_detection_ms: detection?.routerMs ?? null,
    fault_cleared_ms: rounded(times.clearAt),
    primary_healthy_ms: rounded(times.healthyAt),
    flip_back_ms: rounded(back),
    outbox_drained_ms: rounded(drained?.at ?? null),
    recovery_ms:
      recoveryEnd === null || times.healthyAt === null
        ? null
        : rounded(Math.max(0, recoveryEnd - times.healthyAt)),
    flips: (events ?? []).filter((event) => event.type === 'flip').length,
  };
}

function detect(
  faultAt: number | null,
  events: readonly ReceivedEvent[] | null,
  samples: readonly Sample[],
): { at: number; by: 'flip' | 'edge_response'; routerMs: number | null } | null {
  if (faultAt === null) return null;
  const flip = events?.find(
    (event) => event.type === 'flip' && event.at >= faultAt && event.data?.to === 'secondary',
  );
  const edgeAnswers = samples
    .filter((sample) => sample.at >= faultAt && sample.servedBy === 'edge')
    .map((sample) => sample.at + sample.latencyMs);
  const edgeAt = edgeAnswers.length === 0 ? null : Math.min(...edgeAnswers);
  const routerMs = typeof flip?.data?.detection_ms === 'number' ? flip.data.detection_ms : null;
  if (flip && (edgeAt === null || flip.at <= edgeAt)) return { at: flip.at, by: 'flip', routerMs };
  return edgeAt === null ? null : { at: edgeAt, by: 'edge_response', routerMs };
}

function flipBack(
  times: FaultTimes,
  events: readonly ReceivedEvent[] | null,
  samples: readonly Sample[],
): number | null {
  const { clearAt, healthyAt } = times;
  if (clearAt === null || healthyAt === null) return null;
  if (events !== null) {
    const flip = events.find(
      (event) => event.type === 'flip' && event.at >= clearAt && event.data?.to === 'primary',
    );
    return flip?.at ?? null;
  }
  const cloudAnswers = samples
    .filter((sample) => sample.at >= healthyAt && sample.servedBy === 'cloud')
    .map((sample) => sample.at + sample.latencyMs);
  return cloudAnswers.length === 0 ? null : Math.min(...cloudAnswers);
}

function rounded(value: number | null): number | null {
  return value === null ? null : Math.round(value);
}
