import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@opensearch-project/opensearch';
import { BrokenCircuitError } from 'cockatiel';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createOpenSearchClient,
  deleteIndices,
  ensureIndices,
  isOpenSearchFailure,
  OpenSearchGateway,
  OpenSearchMemoryStore,
  SharedCircuitBreaker,
  type IndexNames,
} from '../../lambdas/adapters/index.js';
import { DependencyUnavailableError } from '../../lambdas/core/errors.js';
import { T0 } from '../contract/fixtures.js';
import { deleteKeys, testRedis, type TestRedis } from './support/redis.js';
import {
  isMissing,
  OPENSEARCH,
  REDIS,
  requireUrl,
  suiteTitle,
  uniqueName,
} from './support/services.js';
import { startTcpProxy, type TcpProxy } from '../../local-fallback/topology/tcp-proxy.js';
import { rejection } from './support/wait.js';

// Two breakers in one process stand for two Lambda instances that share a Redis.

const HALF_OPEN_AFTER_MS = 200;

class DependencyDown extends Error {}

const failing = async (): Promise<never> => {
  throw new DependencyDown('dependency failed');
};
const never = new AbortController().signal;

describe.skipIf(isMissing(REDIS))(suiteTitle('SharedCircuitBreaker', REDIS), () => {
  let redis: TestRedis;
  let keyPrefix: string;

  beforeAll(() => void (redis = testRedis(requireUrl(REDIS))));
  afterAll(async () => {
    await redis.gateway.close();
    await deleteKeys(requireUrl(REDIS), 't-breaker');
  });
  beforeEach(() => void (keyPrefix = uniqueName('breaker')));

  function instance(id: string, gateway = redis.gateway): SharedCircuitBreaker {
    return new SharedCircuitBreaker('opensearch', {
      redis: gateway,
      keyPrefix,
      instanceId: id,
      failureThreshold: 2,
      halfOpenAfterMs: HALF_OPEN_AFTER_MS,
      syncIntervalMs: 0,
      isFailure: (error) => error instanceof DependencyDown,
    });
  }

  async function openThrough(breaker: SharedCircuitBreaker): Promise<void> {
    for (let i = 0; i < 2; i += 1) await rejection(breaker.execute(failing, never));
  }

  it('opens every instance when one instance opens', async () => {
    const first = instance('first');
    const second = instance('second');
    let calls = 0;

    await openThrough(first);
    const error = await rejection(second.execute(async () => (calls += 1), never));

    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(calls).toBe(0);
    expect(second.report().state).toBe('open');
  });

  it('lets one test call through across instances once the pause is over', async () => {
    const first = instance('first');
    const second = instance('second');
    await openThrough(first);
    await sleep(HALF_OPEN_AFTER_MS + 50);
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const slowSuccess = async () => {
      calls += 1;
      await gate;
      return 'ok';
    };

    const probe = first.execute(slowSuccess, never);
    await waitUntil(() => calls === 1);
    const blocked = await rejection(second.execute(slowSuccess, never));
    const blockedLocally = await rejection(first.execute(slowSuccess, never));
    release();

    expect(await probe).toBe('ok');
    expect(blocked).toBeInstanceOf(BrokenCircuitError);
    expect(blockedLocally).toBeInstanceOf(BrokenCircuitError);
    expect(calls).toBe(1);
    expect(await second.execute(async () => 'closed again', never)).toBe('closed again');
  });

  it('reopens for every instance when the test call fails', async () => {
    const first = instance('first');
    const second = instance('second');
    await openThrough(first);
    await sleep(HALF_OPEN_AFTER_MS + 50);

    await rejection(second.execute(failing, never));
    const error = await rejection(first.execute(async () => 'too early', never));

    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(first.report().state).toBe('open');
  });

  it('closes an instance whose own breaker opened before another instance closed it', async () => {
    const first = instance('first');
    const second = instance('second');
    await openThrough(first);
    await sleep(HALF_OPEN_AFTER_MS + 50);
    await second.execute(async () => 'probe passes', never);

    const result = await first.execute(async () => 'served', never);

    expect(result).toBe('served');
    expect(first.report().state).toBe('closed');
  });

  it('falls back to its own breaker in each instance when Redis is unreachable', async () => {
    const dead = testRedis('redis://127.0.0.1:9', { timeoutMs: 100, retries: 0 });
    const first = instance('first', dead.gateway);
    const second = instance('second', dead.gateway);

    await openThrough(first);
    const firstError = await rejection(first.execute(async () => 'blocked', never));
    const secondResult = await second.execute(async () => 'still runs', never);
    await dead.gateway.close();

    expect(firstError).toBeInstanceOf(BrokenCircuitError);
    expect(secondResult).toBe('still runs');
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(5);
}

describe.skipIf(isMissing(REDIS, OPENSEARCH))(
  suiteTitle('OpenSearch gateways sharing a breaker', REDIS, OPENSEARCH),
  () => {
    let redis: TestRedis;
    let direct: Client;
    let proxied: Client;
    let proxy: TcpProxy;
    let prefix: string;
    let names: IndexNames;

    beforeAll(async () => {
      redis = testRedis(requireUrl(REDIS));
      const url = new URL(requireUrl(OPENSEARCH));
      direct = createOpenSearchClient({ node: url.origin });
      prefix = uniqueName('shared');
      names = await ensureIndices(direct, { prefix, replicas: 0 });
      proxy = await startTcpProxy(Number(url.port));
      proxied = new Client({
        node: `http://127.0.0.1:${proxy.port}`,
        maxRetries: 0,
        agent: { keepAlive: false },
      });
    });

    afterAll(async () => {
      await proxied.close();
      await proxy.close();
      await deleteIndices(direct, prefix);
      await direct.close();
      await redis.gateway.close();
      await deleteKeys(requireUrl(REDIS), prefix);
    });

    /** Builds one Lambda instance: its own gateway and breaker, with the breaker state in Redis. */
    function lambdaInstance(id: string): OpenSearchGateway {
      const breaker = new SharedCircuitBreaker('opensearch', {
        redis: redis.gateway,
        keyPrefix: prefix,
        instanceId: id,
        failureThreshold: 2,
        halfOpenAfterMs: 60_000,
        syncIntervalMs: 0,
        isFailure: isOpenSearchFailure,
      });
      return new OpenSearchGateway({
        client: proxied,
        names,
        breaker,
        guard: { timeoutMs: 500, retries: 0 },
      });
    }

    it('fails fast in a second instance once the first has seen OpenSearch fail', async () => {
      const first = new OpenSearchMemoryStore(lambdaInstance('first'));
      const second = lambdaInstance('second');
      proxy.setMode({ kind: 'reset' });
      for (let i = 0; i < 2; i += 1) await rejection(first.get('agent-a', 'r1', T0));
      const connections = proxy.connections;

      const error = await rejection(new OpenSearchMemoryStore(second).get('agent-a', 'r1', T0));

      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect((error as Error).cause).toBeInstanceOf(BrokenCircuitError);
      expect(proxy.connections).toBe(connections);
      expect(second.report().state).toBe('open');
    });
  },
);
