import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentRateLimiter,
  decideWindow,
  LocalRateLimiter,
  RATE_LIMIT,
  type WindowState,
} from '../../lambdas/adapters/index.js';
import { deleteKeys, testRedis, type TestRedis } from './support/redis.js';
import { isMissing, REDIS, requireUrl, suiteTitle, uniqueName } from './support/services.js';

/** Start of a window of 1000 ms, so offsets below read as positions in the window. */
const BASE = 1_700_000_000_000;

describe('decideWindow', () => {
  it.each([
    ['allows a first request', undefined, 0, true, 2, 0],
    ['allows up to the limit', { index: BASE / 1000, current: 2, previous: 0 }, 10, true, 0, 0],
    ['rejects past the limit into the next window', full(0), 400, false, 0, 600 + 334],
    [
      'weighs the previous window',
      { index: BASE / 1000, current: 0, previous: 3 },
      200,
      false,
      0,
      134,
    ],
    [
      'allows once the previous window has faded',
      { index: BASE / 1000, current: 0, previous: 3 },
      400,
      true,
      0,
      0,
    ],
    ['forgets windows older than the previous one', full(-2), 0, true, 2, 0],
  ] as const)('%s', (_name, stored, offset, allowed, remaining, retryAfterMs) => {
    const decision = decideWindow(stored as WindowState | undefined, BASE + offset, 3, 1000);

    expect(decision.allowed).toBe(allowed);
    expect(decision.remaining).toBe(remaining);
    expect(decision.retryAfterMs).toBe(retryAfterMs);
  });

  it('counts only allowed requests', () => {
    const decision = decideWindow(full(0), BASE + 1, 3, 1000);

    expect(decision.state.current).toBe(3);
  });

  it('lets a request through once the advised wait has passed', () => {
    const stored = { index: BASE / 1000, current: 1, previous: 5 };
    const rejected = decideWindow(stored, BASE + 100, 3, 1000);

    const retried = decideWindow(stored, BASE + 100 + rejected.retryAfterMs, 3, 1000);
    const tooEarly = decideWindow(stored, BASE + 100 + rejected.retryAfterMs - 1, 3, 1000);

    expect(rejected.allowed).toBe(false);
    expect(retried.allowed).toBe(true);
    expect(tooEarly.allowed).toBe(false);
  });
});

describe('LocalRateLimiter', () => {
  it('keeps agents apart', () => {
    const limiter = new LocalRateLimiter(1, 1000);

    expect(limiter.consume('a', BASE).allowed).toBe(true);
    expect(limiter.consume('a', BASE).allowed).toBe(false);
    expect(limiter.consume('b', BASE).allowed).toBe(true);
  });

  it('forgets the least recently seen agent beyond its capacity', () => {
    const limiter = new LocalRateLimiter(1, 1000, 2);
    limiter.consume('a', BASE);
    limiter.consume('b', BASE);

    limiter.consume('c', BASE);

    expect(limiter.consume('a', BASE).allowed).toBe(true);
  });
});

describe.skipIf(isMissing(REDIS))(suiteTitle('AgentRateLimiter on Redis', REDIS), () => {
  let redis: TestRedis;
  const keyPrefix = uniqueName('ratelimit');

  beforeAll(() => void (redis = testRedis(requireUrl(REDIS))));
  afterAll(async () => {
    await redis.gateway.close();
    await deleteKeys(requireUrl(REDIS), keyPrefix);
  });

  it('computes in Lua what it computes in TypeScript', async () => {
    const key = `${keyPrefix}:parity`;
    const offsets = [0, 100, 200, 300, 999, 1000, 1200, 1400, 1700, 2100, 2500, 4000, 4001, 4002];
    let state: WindowState | undefined;

    for (const offset of offsets) {
      const now = BASE + offset;
      const expected = decideWindow(state, now, 3, 1000);
      state = expected.state;
      const reply = await redis.gateway.runScript(
        RATE_LIMIT,
        [key],
        ['3', '1000', String(now)],
        false,
      );

      expect(reply).toEqual([Number(expected.allowed), expected.remaining, expected.retryAfterMs]);
    }
  });

  it('rejects an agent past its limit and advises when to retry', async () => {
    const limiter = new AgentRateLimiter(redis.gateway, { limit: 3, windowMs: 60_000, keyPrefix });
    const agent = uniqueName('agent');

    const decisions = [];
    for (let i = 0; i < 4; i += 1) decisions.push(await limiter.consume(agent));

    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((decision) => decision.source)).toEqual([
      'redis',
      'redis',
      'redis',
      'redis',
    ]);
    expect(decisions[3]!.retryAfterMs).toBeGreaterThan(0);
    expect(decisions[3]!.retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it('shares one limit between instances', async () => {
    const options = { limit: 2, windowMs: 60_000, keyPrefix };
    const first = new AgentRateLimiter(redis.gateway, options);
    const second = new AgentRateLimiter(redis.gateway, options);
    const agent = uniqueName('agent');

    await first.consume(agent);
    await second.consume(agent);

    expect((await first.consume(agent)).allowed).toBe(false);
  });

  it('falls back to a limit in this process when Redis is unreachable', async () => {
    const dead = testRedis('redis://127.0.0.1:9', { timeoutMs: 100, retries: 0 });
    const limiter = new AgentRateLimiter(dead.gateway, { limit: 2, windowMs: 60_000, keyPrefix });

    const decisions = [];
    for (let i = 0; i < 3; i += 1) decisions.push(await limiter.consume('agent-a'));
    await dead.gateway.close();

    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, false]);
    expect(decisions.map((decision) => decision.source)).toEqual(['local', 'local', 'local']);
  });
});

/** Counters of a window full at limit 3, `windows` windows away from BASE's. */
function full(windows: number): WindowState {
  return { index: BASE / 1000 + windows, current: 3, previous: 0 };
}
