import { describe, expect, it } from 'vitest';
import { RetryBackoff } from '../../lambdas/core/task-retry.js';

describe('RetryBackoff', () => {
  const backoff = new RetryBackoff({ initialDelayMs: 1000, maxDelayMs: 10_000 });

  it.each([
    [1, 500, 1000],
    [2, 1000, 2000],
    [3, 2000, 4000],
    [4, 4000, 8000],
    [5, 5000, 10_000],
    [9, 5000, 10_000],
  ])('draws the delay after attempt %i from [%i, %i)', (attempt, low, high) => {
    for (let sample = 0; sample < 50; sample += 1) {
      const delay = backoff.delayAfter(attempt);
      expect(delay).toBeGreaterThanOrEqual(low);
      expect(delay).toBeLessThan(high);
    }
  });

  it('spreads delays with jitter', () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoff.delayAfter(3)));
    expect(delays.size).toBeGreaterThan(1);
  });

  it.each([
    [{ initialDelayMs: 0 }, /initialDelayMs/],
    [{ initialDelayMs: 1.5 }, /initialDelayMs/],
    [{ initialDelayMs: 1000, maxDelayMs: 999 }, /maxDelayMs/],
  ])('rejects %j', (options, message) => {
    expect(() => new RetryBackoff(options)).toThrow(message);
  });
});
