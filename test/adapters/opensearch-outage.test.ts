import { Client } from '@opensearch-project/opensearch';
import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createOpenSearchClient,
  deleteIndices,
  ensureIndices,
  OpenSearchAgentRegistry,
  OpenSearchGateway,
  OpenSearchHealthProbe,
  OpenSearchMemoryStore,
  type IndexNames,
} from '../../lambdas/adapters/index.js';
import { DependencyUnavailableError } from '../../lambdas/core/errors.js';
import { HealthService } from '../../lambdas/core/health.js';
import { agent, memoryRecord, T0 } from '../contract/fixtures.js';
import { isMissing, OPENSEARCH, requireUrl, suiteTitle, uniqueName } from './support/services.js';
import { startTcpProxy, type TcpProxy } from '../../local-fallback/topology/tcp-proxy.js';
import { eventually, rejection } from './support/wait.js';

// The adapters reach OpenSearch through a loopback proxy that resets, stalls or delays
// connections, which stands for an engine that is down, hung or slow. The engine's restart is
// tested in opensearch-restart.test.ts.

const GUARD = {
  timeoutMs: 400,
  retries: 1,
  retryInitialDelayMs: 10,
  retryMaxDelayMs: 20,
  failureThreshold: 3,
  halfOpenAfterMs: 300,
};

describe.skipIf(isMissing(OPENSEARCH))(suiteTitle('OpenSearch outages', OPENSEARCH), () => {
  let direct: Client;
  let proxied: Client;
  let proxy: TcpProxy;
  let prefix: string;
  let names: IndexNames;
  let gateway: OpenSearchGateway;
  let store: OpenSearchMemoryStore;

  beforeAll(async () => {
    const url = new URL(requireUrl(OPENSEARCH));
    direct = createOpenSearchClient({ node: url.origin });
    prefix = uniqueName('outage');
    names = await ensureIndices(direct, { prefix, replicas: 0, refreshInterval: '100ms' });
    proxy = await startTcpProxy(Number(url.port));
    // One connection per request, so each request meets the proxy's current mode and a reset
    // never lands on a pooled connection that the proxy closed a moment earlier.
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
  });

  beforeEach(async () => {
    proxy.setMode({ kind: 'pass' });
    gateway = new OpenSearchGateway({ client: proxied, names, guard: GUARD });
    store = new OpenSearchMemoryStore(gateway);
    await store.put(memoryRecord({ id: 'steady', content: 'still here' }));
  });

  afterEach(() => proxy.setMode({ kind: 'pass' }));

  it('retries a read across one reset connection', async () => {
    proxy.resetNext(1);
    const resetsBefore = proxy.resets;

    const record = await store.get('agent-a', 'steady', T0);

    expect(record?.content).toBe('still here');
    expect(proxy.resets).toBe(resetsBefore + 1);
    expect(gateway.report().failures).toBe(0);
  });

  it('does not retry an agent creation', async () => {
    const registry = new OpenSearchAgentRegistry(gateway);
    const id = uniqueName('agent');
    proxy.resetNext(1);

    const error = await rejection(registry.create(agent(id)));

    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(await registry.create(agent(id))).toBe(true);
  });

  it('opens the breaker on a dead engine and then fails fast', async () => {
    proxy.setMode({ kind: 'reset' });
    await rejection(store.get('agent-a', 'steady', T0));
    await rejection(store.get('agent-a', 'steady', T0));
    const connectionsBefore = proxy.connections;

    const error = await rejection(store.get('agent-a', 'steady', T0));

    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect((error as DependencyUnavailableError).status).toBe(503);
    expect((error as Error).cause).toBeInstanceOf(BrokenCircuitError);
    expect(proxy.connections).toBe(connectionsBefore);
    expect(gateway.report().state).toBe('open');
  });

  it('fails the health check while the breaker is open', async () => {
    proxy.setMode({ kind: 'reset' });
    for (let i = 0; i < 2; i += 1) await rejection(store.get('agent-a', 'steady', T0));

    const probe = new OpenSearchHealthProbe(gateway);
    const result = await probe.check();
    const health = await new HealthService([probe]).check();

    expect(result.status).toBe('fail');
    expect(result.detail).toBe('circuit breaker open');
    expect(health.status).toBe('unhealthy');
  });

  it.each([
    ['when the engine hangs', { kind: 'hang' } as const],
    ['when the engine is slower than the timeout', { kind: 'delay', ms: 1500 } as const],
  ])('times out %s', async (_name, mode) => {
    proxy.setMode(mode);

    const error = await rejection(store.get('agent-a', 'steady', T0));

    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect((error as Error).cause).toBeInstanceOf(TaskCancelledError);
  });

  it('serves a slowed engine within the timeout', async () => {
    proxy.setMode({ kind: 'delay', ms: 50 });

    const record = await store.get('agent-a', 'steady', T0);

    expect(record?.content).toBe('still here');
  });

  it('closes the breaker through the probe once the engine is back', async () => {
    proxy.setMode({ kind: 'reset' });
    for (let i = 0; i < 2; i += 1) await rejection(store.get('agent-a', 'steady', T0));
    expect(gateway.report().state).toBe('open');
    proxy.setMode({ kind: 'pass' });
    const probe = new OpenSearchHealthProbe(gateway);

    await eventually(async () => expect((await probe.check()).status).toBe('pass'));

    expect(gateway.report().state).toBe('closed');
    expect((await store.get('agent-a', 'steady', T0))?.content).toBe('still here');
  });
});
