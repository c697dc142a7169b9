import type { FailoverMeasures } from '../../drill/failover.js';
import type { DrillOptions } from '../../drill/options.js';
import type { DrillRecord } from '../../drill/report/assemble.js';
import type { OperationName, PhaseName, Sample } from '../../drill/traffic.js';
import type { WritesCheck } from '../../drill/verify.js';
import { syntheticWorkload } from '../../drill/workload/index.js';

/** Builds a sample with plausible defaults; `overrides` sets the fields a test is about. */
export function sample(overrides: Partial<Sample> & { at: number; phase: PhaseName }): Sample {
  const op: OperationName = overrides.op ?? 'memory.read';
  return {
    op,
    safe: op !== 'memory.write',
    status: 200,
    ok: (overrides.status ?? 200) < 300,
    latencyMs: 5,
    servedBy: overrides.phase === 'outage' ? 'edge' : 'cloud',
    retried: false,
    error: null,
    ...overrides,
  };
}

/** Failover measures of a drill that detected in 40 ms and recovered in 2.1 s. */
export const FAILOVER: FailoverMeasures = {
  expected: true,
  fault_started_ms: 3000,
  detection_ms: 40,
  detected_by: 'flip',
  router_detection_ms: 2,
  fault_cleared_ms: 6000,
  primary_healthy_ms: 6010,
  flip_back_ms: 8100,
  outbox_drained_ms: 8110,
  recovery_ms: 2100,
  flips: 2,
};

/** A write check with nothing lost. */
export const WRITES: WritesCheck = {
  checked: true,
  acknowledged: 12,
  lost: 0,
  lost_examples: [],
  unverified: 0,
  duplicated: 0,
  keyed_records_checked: 3,
  duplicated_examples: [],
  records_checked: 10,
  read_from: 'http://127.0.0.1:1',
  outbox_pending_at_check: 0,
};

export const OPTIONS: DrillOptions = {
  target: 'local',
  fault: 'primary-down',
  warmupMs: 3000,
  outageMs: 3000,
  recoveryMs: 3000,
  rate: 10,
  agents: 2,
  workload: null,
  reportDir: '/tmp/unused',
  remote: null,
};

/** Builds searches of questions 0 and 1 in every phase, plus reads and writes, all successful. */
export function healthySamples(): Sample[] {
  const samples: Sample[] = [];
  for (const [phase, start] of [
    ['warmup', 0],
    ['outage', 3000],
    ['recovery', 6000],
  ] as const) {
    for (let i = 0; i < 10; i += 1) {
      const at = start + i * 300;
      if (i % 3 === 0)
        samples.push(sample({ at, phase, op: 'search', question: i % 2, at5: 1, at10: 1 }));
      else if (i % 3 === 1) samples.push(sample({ at, phase, op: 'memory.write' }));
      else samples.push(sample({ at, phase }));
    }
  }
  return samples;
}

/** Builds a complete drill record around `samples`. */
export function record(samples: Sample[], overrides: Partial<DrillRecord> = {}): DrillRecord {
  return {
    options: OPTIONS,
    startedAt: new Date('2026-01-01T00:00:00Z'),
    finishedAt: new Date('2026-01-01T00:00:12Z'),
    aborted: false,
    workload: syntheticWorkload({ agents: 2, agentPrefix: 'dtest', factsPerAgent: 2 }),
    setup: null,
    windows: {
      warmup: { start: 0, end: 3000 },
      outage: { start: 3000, end: 6000 },
      recovery: { start: 6000, end: 9000 },
    },
    samples,
    dropped: { warmup: 0, outage: 0, recovery: 0 },
    events: [],
    failover: FAILOVER,
    writes: WRITES,
    faultDescription: 'router fault down on the primary',
    dependencies: {},
    undo: { restored: [], failed: [] },
    errors: [],
    ...overrides,
  };
}
