import { describe, expect, it } from 'vitest';

import {
  FailoverPolicy,
  type FailoverPolicyEvent,
  type FailoverTimings,
} from '../../local-fallback/router/index.js';

const timings: FailoverTimings = {
  minHoldMs: 3_000,
  stableMs: 2_000,
  maxStableMs: 8_000,
  flapWindowMs: 30_000,
};

function createPolicy(overrides: Partial<FailoverTimings> = {}) {
  const policy = new FailoverPolicy({ ...timings, ...overrides }, 0);
  const events: FailoverPolicyEvent[] = [];
  policy.onEvent((event) => events.push(event));
  return { policy, events };
}

describe('FailoverPolicy', () => {
  it('starts on the primary', () => {
    const { policy } = createPolicy();

    expect(policy.active).toBe('primary');
    expect(policy.state.kind).toBe('serving_primary');
  });

  it('flips to the secondary on the first primary failure', () => {
    const { policy, events } = createPolicy();

    policy.primaryDown('health check failed', 1_400, 1_000);

    expect(policy.active).toBe('secondary');
    expect(events).toEqual([
      {
        type: 'flipped',
        to: 'secondary',
        reason: 'health check failed',
        at: 1_400,
        detectionMs: 400,
      },
    ]);
  });

  it('ignores failures while already failed over', () => {
    const { policy, events } = createPolicy();
    policy.primaryDown('first', 1_000);

    policy.primaryDown('second', 1_200);

    expect(events).toHaveLength(1);
  });

  it('waits for the stable time before asking the gate', () => {
    const { policy } = createPolicy({ minHoldMs: 0 });
    policy.primaryDown('down', 1_000);
    policy.primaryHealthy(2_000, 1_500);

    expect(policy.state.kind).toBe('recovering');
    expect(policy.isGateDue(3_499)).toBe(false);
    expect(policy.isGateDue(3_500)).toBe(true);
  });

  it('waits for the minimum hold time before asking the gate', () => {
    const { policy } = createPolicy({ stableMs: 0 });
    policy.primaryDown('down', 1_000);
    policy.primaryHealthy(1_200);

    expect(policy.isGateDue(3_999)).toBe(false);
    expect(policy.isGateDue(4_000)).toBe(true);
  });

  it('flips back when the gate is ready', () => {
    const { policy, events } = createPolicy();
    policy.primaryDown('down', 1_000);
    policy.primaryHealthy(2_000, 1_600);

    policy.gateResult({ ready: true }, 4_000);

    expect(policy.active).toBe('primary');
    expect(events.at(-1)).toEqual({
      type: 'flipped',
      to: 'primary',
      reason: 'primary recovered',
      at: 4_000,
      recoveryMs: 2_400,
    });
  });

  it('ignores a ready gate that arrives before the hold times', () => {
    const { policy } = createPolicy();
    policy.primaryDown('down', 1_000);
    policy.primaryHealthy(2_000);

    policy.gateResult({ ready: true }, 2_500);

    expect(policy.active).toBe('secondary');
  });

  it('stays on the secondary while the gate is not ready', () => {
    const { policy, events } = createPolicy();
    policy.primaryDown('down', 1_000);
    policy.primaryHealthy(2_000);

    policy.gateResult({ ready: false, reason: 'outbox has 3 changes' }, 4_000);
    policy.gateResult({ ready: false, reason: 'outbox has 3 changes' }, 4_100);
    policy.gateResult({ ready: false, reason: 'outbox has 1 change' }, 4_200);

    const blocked = events.filter((event) => event.type === 'recovery_blocked');
    expect(policy.active).toBe('secondary');
    expect(blocked.map((event) => ('reason' in event ? event.reason : ''))).toEqual([
      'outbox has 3 changes',
      'outbox has 1 change',
    ]);
  });

  it('aborts recovery when the primary fails again', () => {
    const { policy, events } = createPolicy();
    policy.primaryDown('down', 1_000);
    policy.primaryHealthy(2_000);

    policy.primaryDown('down again', 2_500);

    expect(policy.state.kind).toBe('failed_over');
    expect(events.at(-1)).toEqual({ type: 'recovery_aborted', at: 2_500, reason: 'down again' });
    expect(policy.isGateDue(10_000)).toBe(false);
  });

  it('keeps the minimum hold from the first flip across an aborted recovery', () => {
    const { policy } = createPolicy({ stableMs: 0 });
    policy.primaryDown('down', 1_000);
    policy.primaryHealthy(1_500);
    policy.primaryDown('down again', 1_800);
    policy.primaryHealthy(2_000);

    expect(policy.isGateDue(3_999)).toBe(false);
    expect(policy.isGateDue(4_000)).toBe(true);
  });

  it('doubles the stable time after a flap and caps it', () => {
    const { policy } = createPolicy({ minHoldMs: 0 });
    const stableTimes: number[] = [];
    let now = 0;
    for (let cycle = 0; cycle < 4; cycle += 1) {
      now += 1_000;
      policy.primaryDown('down', now);
      stableTimes.push(policy.stableMs());
      policy.primaryHealthy(now);
      now += policy.stableMs();
      policy.gateResult({ ready: true }, now);
    }

    expect(stableTimes).toEqual([2_000, 4_000, 8_000, 8_000]);
  });

  it('resets the stable time after the primary holds for the flap window', () => {
    const { policy } = createPolicy({ minHoldMs: 0 });
    policy.primaryDown('down', 1_000);
    policy.primaryHealthy(1_000);
    policy.gateResult({ ready: true }, 3_000);

    policy.primaryDown('down much later', 3_000 + timings.flapWindowMs);

    expect(policy.stableMs()).toBe(2_000);
  });
});
