import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, makeIdempotentWrite } from '../../lambdas/adapters/index.js';
import { DependencyUnavailableError, ResourceConflictError } from '../../lambdas/core/errors.js';
import { deleteKeys, testRedis, type TestRedis } from './support/redis.js';
import { isMissing, REDIS, requireUrl, suiteTitle, uniqueName } from './support/services.js';
import { rejection } from './support/wait.js';

/** A write request as a handler would pass it: the key identifies it, the body must match. */
interface WriteInput {
  [field: string]: string | { text: string };
  agent: string;
  key: string;
  body: { text: string };
}

describe.skipIf(isMissing(REDIS))(suiteTitle('makeIdempotentWrite on Redis', REDIS), () => {
  let redis: TestRedis;
  const keyPrefix = uniqueName('idempotency');

  beforeAll(() => void (redis = testRedis(requireUrl(REDIS))));
  afterAll(async () => {
    await redis.gateway.close();
    await deleteKeys(requireUrl(REDIS), keyPrefix);
  });

  /** Wraps a write that counts its runs, reports when one starts and can be held open. */
  function countedWrite(options: { hold?: Promise<void>; started?: () => void } = {}) {
    const runs: WriteInput[] = [];
    const write = makeIdempotentWrite(
      async (input: WriteInput) => {
        runs.push(input);
        options.started?.();
        await options.hold;
        return { id: `record-${runs.length}`, text: input.body.text };
      },
      {
        redis: redis.gateway,
        name: 'memory-write',
        keyPrefix,
        keyPath: '[agent, key]',
        payloadPath: 'body',
      },
    );
    return { write, runs };
  }

  function request(key: string, text = 'hello'): WriteInput {
    return { agent: 'agent-a', key, body: { text } };
  }

  it('runs a repeated request once and returns the first result', async () => {
    const { write, runs } = countedWrite();
    const input = request(uniqueName('key'));

    const first = await write(input);
    const second = await write(input);

    expect(second).toEqual(first);
    expect(runs).toHaveLength(1);
  });

  it('runs requests with different keys separately', async () => {
    const { write, runs } = countedWrite();

    await write(request(uniqueName('key')));
    await write(request(uniqueName('key')));

    expect(runs).toHaveLength(2);
  });

  it('keeps the keys of different agents apart', async () => {
    const { write, runs } = countedWrite();
    const key = uniqueName('key');

    await write({ ...request(key), agent: 'agent-a' });
    await write({ ...request(key), agent: 'agent-b' });

    expect(runs).toHaveLength(2);
  });

  it('rejects a repeat while the first run is going on', async () => {
    let release = () => {};
    const hold = new Promise<void>((resolve) => (release = resolve));
    let started = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    const { write } = countedWrite({ hold, started });
    const input = request(uniqueName('key'));
    const first = write(input);
    await running;

    const error = await rejection(write(input));
    release();
    await first;

    expect(error).toBeInstanceOf(ResourceConflictError);
    expect((error as ResourceConflictError).code).toBe('idempotency_in_progress');
  });

  it('rejects a reused key with a different body', async () => {
    const { write } = countedWrite();
    const key = uniqueName('key');
    await write(request(key, 'first text'));

    const error = await rejection(write(request(key, 'other text')));

    expect(error).toBeInstanceOf(ResourceConflictError);
    expect((error as ResourceConflictError).code).toBe('idempotency_key_reused');
  });

  it('runs again after a failed run', async () => {
    let attempts = 0;
    const write = makeIdempotentWrite(
      async (input: WriteInput) => {
        attempts += 1;
        if (attempts === 1) throw new Error('first attempt fails');
        return { text: input.body.text };
      },
      { redis: redis.gateway, name: 'flaky', keyPrefix, keyPath: 'key' },
    );
    const input = request(uniqueName('key'));

    await expect(write(input)).rejects.toThrow('first attempt fails');
    const retried = await write(input);

    expect(retried).toEqual({ text: 'hello' });
    expect(attempts).toBe(2);
  });

  it('stores its records under the key prefix and operation name', async () => {
    const { write } = countedWrite();

    await write(request(uniqueName('key')));
    const keys = await scanKeys(`${keyPrefix}:memory-write#`);

    expect(keys.length).toBeGreaterThan(0);
  });

  it.each([
    ['rejects', 'reject' as const, 0],
    ['runs unprotected', 'run' as const, 1],
  ])('%s when Redis is unreachable and so configured', async (_name, whenUnavailable, runs) => {
    const dead = testRedis('redis://127.0.0.1:9', { timeoutMs: 100, retries: 0 });
    let count = 0;
    const write = makeIdempotentWrite(
      async () => {
        count += 1;
        return { ok: true };
      },
      { redis: dead.gateway, name: 'down', keyPrefix, whenUnavailable },
    );

    const outcome = await write(request('k')).catch((error: unknown) => error);
    await dead.gateway.close();

    if (whenUnavailable === 'reject') expect(outcome).toBeInstanceOf(DependencyUnavailableError);
    else expect(outcome).toEqual({ ok: true });
    expect(count).toBe(runs);
  });

  async function scanKeys(prefix: string): Promise<string[]> {
    const client = createRedisClient({ url: requireUrl(REDIS) });
    await client.connect();
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*` })) keys.push(...batch);
    client.destroy();
    return keys;
  }
});
