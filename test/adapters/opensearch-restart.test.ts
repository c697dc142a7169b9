import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@opensearch-project/opensearch';
import { BrokenCircuitError } from 'cockatiel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureIndices,
  OpenSearchGateway,
  OpenSearchHealthProbe,
  OpenSearchMemoryStore,
} from '../../lambdas/adapters/index.js';
import { DependencyUnavailableError } from '../../lambdas/core/errors.js';
import { memoryRecord, T0 } from '../contract/fixtures.js';
import { killByPidFile, runServiceScript } from './support/engines.js';
import { isMissing, OPENSEARCH, suiteTitle } from './support/services.js';
import { startTcpProxy, type TcpProxy } from '../../local-fallback/topology/tcp-proxy.js';
import { eventually, rejection } from './support/wait.js';

// A dedicated OpenSearch, started with its own RUN_DIR, is killed by its pid and started again
// (on a new port, behind a proxy whose port stays the same). OPENSEARCH_URL only signals that
// the launcher works on this machine; the shared engine is never touched.

const START_TIMEOUT_MS = 180_000;

describe.skipIf(isMissing(OPENSEARCH))(suiteTitle('OpenSearch restart', OPENSEARCH), () => {
  let runDir: string;
  let pidFile: string;
  let proxy: TcpProxy;
  let client: Client;

  beforeAll(async () => {
    runDir = mkdtempSync(join(tmpdir(), 'happy-opensearch-restart-'));
    pidFile = join(runDir, 'opensearch', 'opensearch.pid');
    const url = new URL((await runServiceScript('opensearch.sh', 'start', runDir)) as string);
    proxy = await startTcpProxy(Number(url.port));
    client = new Client({ node: `http://127.0.0.1:${proxy.port}`, maxRetries: 0 });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await runServiceScript('opensearch.sh', 'stop', runDir);
    rmSync(runDir, { recursive: true, force: true });
  }, START_TIMEOUT_MS);

  it(
    'fails fast while the engine is down and serves again after its restart',
    async () => {
      const names = await ensureIndices(client, { prefix: 'restart', replicas: 0 });
      const gateway = new OpenSearchGateway({
        client,
        names,
        guard: { timeoutMs: 1000, retries: 1, failureThreshold: 2, halfOpenAfterMs: 500 },
      });
      const store = new OpenSearchMemoryStore(gateway);
      const probe = new OpenSearchHealthProbe(gateway);
      await store.put(memoryRecord({ id: 'kept', content: 'written before the crash' }));

      await killByPidFile(pidFile);
      await rejection(store.get('agent-a', 'kept', T0));
      const fastFailure = await rejection(store.get('agent-a', 'kept', T0));
      const downCheck = await probe.check();

      const restarted = new URL(
        (await runServiceScript('opensearch.sh', 'start', runDir)) as string,
      );
      proxy.retarget(Number(restarted.port));
      await eventually(async () => expect((await probe.check()).status).toBe('pass'), 60_000, 200);

      expect(fastFailure).toBeInstanceOf(DependencyUnavailableError);
      expect((fastFailure as Error).cause).toBeInstanceOf(BrokenCircuitError);
      expect(downCheck.status).toBe('fail');
      expect(gateway.report().state).toBe('closed');
      expect((await store.get('agent-a', 'kept', T0))?.content).toBe('written before the crash');
    },
    START_TIMEOUT_MS,
  );
});
