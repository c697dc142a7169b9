import type { FailoverMeasures } from '../failover.js';
import type { ServedBy } from '../http.js';
import type { RecallComparison, RecallSummary } from '../recall.js';
import type { LatencySummary } from '../stats.js';
import type { OperationName, PhaseName } from '../traffic.js';
import type { WritesCheck } from '../verify.js';

/** Counts of one operation type in a phase. */
export interface OperationCounts {
  readonly requests: number;
  readonly succeeded: number;
  /** Succeeded share of the requests, or null without requests. */
  readonly ratio: number | null;
}

/** One phase of the report. Times are milliseconds on the drill's clock. */
export interface PhaseReport {
  readonly start_ms: number;
  readonly end_ms: number;
  readonly requests: number;
  readonly safe_requests: number;
  /** Safe requests (GET or with an `Idempotency-Key`) that got no 2xx response. */
  readonly safe_errors: number;
  readonly unsafe_requests: number;
  readonly unsafe_errors: number;
  /** Requests not sent because too many were in flight. */
  readonly dropped: number;
  readonly latency_ms: LatencySummary;
  readonly served_by: Readonly<Record<ServedBy, number>>;
  /** Responses the router got by retrying on the other target. */
  readonly failover_retries: number;
  readonly recall: RecallSummary;
  readonly operations: Readonly<Record<OperationName, OperationCounts>>;
}

/** One promise of Happy OS and whether this drill kept it; null when it does not apply. */
export interface PromiseCheck {
  readonly name: string;
  readonly kept: boolean | null;
  readonly measured: string;
  readonly limit: string;
}

/** Every request of the drill, column by column, for the charts. */
export interface SampleColumns {
  readonly at_ms: number[];
  readonly latency_ms: number[];
  readonly status: number[];
  readonly served_by: ServedBy[];
  readonly op: OperationName[];
  readonly safe: boolean[];
}

/** Contents of `report.json`. */
export interface DrillReport {
  readonly version: 1;
  readonly started_at: string;
  readonly finished_at: string;
  readonly duration_ms: number;
  readonly target: string;
  readonly fault: string;
  readonly fault_description: string | null;
  /** True when the drill was interrupted, so its numbers cover only part of it. */
  readonly aborted: boolean;
  readonly settings: {
    readonly warmup_ms: number;
    readonly outage_ms: number;
    readonly recovery_ms: number;
    readonly rate: number;
    readonly agents: number;
  };
  readonly workload: {
    readonly kind: string;
    readonly source: string;
    readonly agents: number;
    readonly conversations: number;
    readonly turns: number;
    readonly questions: number;
    readonly skipped: Readonly<Record<string, number>>;
  };
  readonly setup: {
    readonly writes: number;
    readonly duration_ms: number;
    readonly retries: number;
  };
  readonly phases: Readonly<Record<PhaseName, PhaseReport>>;
  readonly failover: FailoverMeasures;
  readonly writes: WritesCheck;
  /** Share of each operation type that succeeded during the outage. */
  readonly functionality: Readonly<Record<OperationName, OperationCounts>>;
  readonly recall: RecallComparison;
  readonly promises: readonly PromiseCheck[];
  readonly dependencies: Readonly<Record<string, unknown>>;
  readonly undo: { readonly restored: readonly string[]; readonly failed: readonly string[] };
  readonly events: readonly {
    readonly at_ms: number;
    readonly type: string;
    readonly detail: string;
  }[];
  readonly samples: SampleColumns;
  /** Problems of the drill itself, such as a fault that could not be cleared. */
  readonly errors: readonly string[];
}
