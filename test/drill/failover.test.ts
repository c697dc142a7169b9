import { describe, expect, it } from 'vitest';
import { measureFailover, type FaultTimes } from '../../drill/failover.js';
import type { ReceivedEvent } from '../../drill/router-events.js';
import { sample } from './fixtures.js';

const times: FaultTimes = { faultAt: 1000, clearAt: 5000, healthyAt: 5100 };
const flip = (at: number, to: 'primary' | 'secondary', extra = {}): ReceivedEvent => ({
  at,
  type: 'flip',
  data: { from: to === 'primary' ? 'secondary' : 'primary', to, ...extra },
});

describe('failover measures', () => {
  it('measures detection up to the first flip to the secondary', () => {
    const events = [flip(1040, 'secondary', { detection_ms: 3 })];
    const samples = [sample({ at: 1010, phase: 'outage', servedBy: 'edge', latencyMs: 80 })];

    const measures = measureFailover(true, times, events, samples, []);

    expect(measures.detection_ms).toBe(40);
    expect(measures.detected_by).toBe('flip');
    expect(measures.router_detection_ms).toBe(3);
  });

  it('measures detection up to an earlier edge response', () => {
    const events = [flip(1300, 'secondary')];
    const samples = [sample({ at: 1010, phase: 'outage', servedBy: 'edge', latencyMs: 20 })];

    const measures = measureFailover(true, times, events, samples, []);

    expect(measures.detection_ms).toBe(30);
    expect(measures.detected_by).toBe('edge_response');
  });

  it('ignores edge responses to requests sent before the fault', () => {
    const samples = [sample({ at: 990, phase: 'warmup', servedBy: 'edge', latencyMs: 5 })];

    expect(measureFailover(true, times, [], samples, []).detection_ms).toBeNull();
  });

  it('measures recovery from healthy to the flip back with the outbox drained', () => {
    const events = [flip(1040, 'secondary'), flip(7200, 'primary')];
    const outbox = [
      { at: 7100, pending: 0 },
      { at: 7250, pending: 2 },
      { at: 7350, pending: 0 },
    ];

    const measures = measureFailover(true, times, events, [], outbox);

    expect(measures.flip_back_ms).toBe(7200);
    expect(measures.outbox_drained_ms).toBe(7350);
    expect(measures.recovery_ms).toBe(2250);
    expect(measures.flips).toBe(2);
  });

  it('takes the first cloud response when no router events are known', () => {
    const samples = [
      sample({ at: 5050, phase: 'recovery', servedBy: 'cloud', latencyMs: 5 }),
      sample({ at: 5200, phase: 'recovery', servedBy: 'cloud', latencyMs: 10 }),
    ];
    const outbox = [{ at: 5300, pending: 0 }];

    const measures = measureFailover(true, times, null, samples, outbox);

    expect(measures.flip_back_ms).toBe(5210);
    expect(measures.recovery_ms).toBe(200);
  });

  it('has no recovery while the outbox never drains', () => {
    const events = [flip(7200, 'primary')];
    const outbox = [{ at: 7300, pending: 5 }];

    expect(measureFailover(true, times, events, [], outbox).recovery_ms).toBeNull();
  });

  it('has no measures without a fault', () => {
    const none = { faultAt: null, clearAt: null, healthyAt: null };

    const measures = measureFailover(false, none, [], [], []);

    expect(measures.detection_ms).toBeNull();
    expect(measures.recovery_ms).toBeNull();
  });
});
