import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  formatVersion,
  HybridLogicalClock,
  parseVersion,
} from '../../lambdas/core/clock.js';

describe('HybridLogicalClock', () => {
  it('issues increasing versions while the wall clock stands still', () => {
    const clock = new HybridLogicalClock('node-a', () => 1000);
    const first = clock.now();
    const second = clock.now();
    expect(compareVersions(first, second)).toBeLessThan(0);
    expect(parseVersion(second).counter).toBe(1);
  });

  it('issues increasing versions when the wall clock goes back', () => {
    let wall = 5000;
    const clock = new HybridLogicalClock('node-a', () => wall);
    const before = clock.now();
    wall = 4000;
    expect(compareVersions(before, clock.now())).toBeLessThan(0);
  });

  it('sorts after an observed remote version', () => {
    const clock = new HybridLogicalClock('node-a', () => 1000);
    const remote = formatVersion({ wallMs: 9000, counter: 7, nodeId: 'node-b' });
    clock.observe(remote);
    const next = clock.now();
    expect(compareVersions(remote, next)).toBeLessThan(0);
    expect(parseVersion(next).wallMs).toBe(9000);
  });

  it('dates a version back without advancing', () => {
    const clock = new HybridLogicalClock('node-a', () => 100_000);
    const latest = clock.now();

    const backdated = clock.before(60_000);

    expect(parseVersion(backdated)).toEqual({ wallMs: 40_000, counter: 0, nodeId: 'node-a' });
    expect(compareVersions(latest, clock.now())).toBeLessThan(0);
    expect(parseVersion(clock.now()).wallMs).toBe(100_000);
  });

  it('round-trips a version through its string form', () => {
    const timestamp = { wallMs: 1_796_400_000_000, counter: 42, nodeId: 'edge-1' };
    expect(parseVersion(formatVersion(timestamp))).toEqual(timestamp);
  });

  it('orders string versions by time, counter, then node id', () => {
    const versions = [
      formatVersion({ wallMs: 2, counter: 0, nodeId: 'a' }),
      formatVersion({ wallMs: 1, counter: 5, nodeId: 'z' }),
      formatVersion({ wallMs: 1, counter: 5, nodeId: 'b' }),
      formatVersion({ wallMs: 1, counter: 10, nodeId: 'a' }),
    ];
    const sorted = [...versions].sort(compareVersions).map((version) => parseVersion(version));
    expect(sorted.map((t) => [t.wallMs, t.counter, t.nodeId])).toEqual([
      [1, 5, 'b'],
      [1, 5, 'z'],
      [1, 10, 'a'],
      [2, 0, 'a'],
    ]);
  });

  it.each(['', 'Node', 'a_b', 'x'.repeat(64)])('rejects node id %j', (nodeId) => {
    expect(() => new HybridLogicalClock(nodeId)).toThrow(/Invalid node id/);
  });

  it('rejects a malformed version', () => {
    expect(() => parseVersion('12.3.node')).toThrow(/Invalid version/);
  });
});
