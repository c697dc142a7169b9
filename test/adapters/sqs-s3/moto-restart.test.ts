import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { BrokenCircuitError } from 'cockatiel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFileBucket, S3FileStore } from '../../../lambdas/adapters/s3/index.js';
import { createTaskQueues, SqsTaskQueue } from '../../../lambdas/adapters/sqs/index.js';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.js';
import { storedFile } from '../../contract/file-store.contract.js';
import { killByPidFile } from '../support/engines.js';
import { uniqueName } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../../../local-fallback/topology/tcp-proxy.js';
import { eventually, rejection } from '../support/wait.js';
import { motoS3Client, motoSqsClient, motoSuiteTitle, motoUrl, runMotoScript } from './support.js';

// A moto server of this test's own, started with its own RUN_DIR, is killed by its pid and
// started again on a new port behind a proxy whose port stays the same. MOTO_URL only signals
// that moto is installed; the shared server is never touched. moto keeps its state in memory,
// so the queues and the bucket are created again after the restart.

const START_TIMEOUT_MS = 120_000;
const GUARD = { timeoutMs: 1000, retries: 0, failureThreshold: 2, halfOpenAfterMs: 500 };
const BEFORE = { agentId: 'agent-a', taskId: 'before-outage' };
// Another task, because the adapter skips enqueueing `BEFORE` again within its deduplication
// window, and the restarted moto has lost the first message, which SQS itself would keep.
const AFTER = { agentId: 'agent-a', taskId: 'after-restart' };

describe.skipIf(!motoUrl())(motoSuiteTitle('SQS and S3 adapters across a moto restart'), () => {
  const runDir = mkdtempSync(join(tmpdir(), 'happy-moto-restart-'));
  const pidFile = join(runDir, 'moto', 'moto.pid');
  const queueName = uniqueName('queue');
  const bucket = uniqueName('files');
  let proxy: TcpProxy;
  let sqs: SQSClient;
  let s3: S3Client;

  /** Creates the queues and the bucket, as a deployment would have them. */
  async function provision(): Promise<string> {
    await ensureFileBucket(s3, bucket);
    return (await createTaskQueues(sqs, { queueName })).queueUrl;
  }

  beforeAll(async () => {
    const url = new URL((await runMotoScript('start', runDir)) as string);
    proxy = await startTcpProxy(Number(url.port));
    const endpoint = `http://127.0.0.1:${proxy.port}`;
    sqs = motoSqsClient(endpoint);
    s3 = motoS3Client(endpoint);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    sqs?.destroy();
    s3?.destroy();
    await proxy?.close();
    await runMotoScript('stop', runDir);
    rmSync(runDir, { recursive: true, force: true });
  }, START_TIMEOUT_MS);

  it(
    'fails fast while moto is down and serves again after its restart',
    async () => {
      const queueUrl = await provision();
      const queue = new SqsTaskQueue({ client: sqs, queueUrl, waitTimeSeconds: 0, guard: GUARD });
      const store = new S3FileStore({ client: s3, bucket, guard: GUARD });
      const content = Buffer.from('kept');
      await store.put(storedFile('notes.txt', content), content);
      await queue.enqueue(BEFORE, 0);

      await killByPidFile(pidFile);
      for (const call of [() => queue.receive(1, 1000), () => store.head('agent-a', 'notes.txt')]) {
        expect(await rejection(call())).toBeInstanceOf(DependencyUnavailableError);
        await rejection(call());
        const started = performance.now();
        const fastFailure = await rejection(call());
        expect((fastFailure as Error).cause).toBeInstanceOf(BrokenCircuitError);
        expect(performance.now() - started).toBeLessThan(50);
      }
      expect(queue.report().state).toBe('open');
      expect(store.report().state).toBe('open');

      const restarted = new URL((await runMotoScript('start', runDir)) as string);
      proxy.retarget(Number(restarted.port));
      await provision();
      await eventually(async () => {
        await queue.enqueue(AFTER, 0);
        await store.put(storedFile('notes.txt', content), content);
      });

      const [message] = await queue.receive(10, 1000);
      expect(message?.taskId).toBe(AFTER.taskId);
      expect(Buffer.from((await store.get('agent-a', 'notes.txt'))!.content)).toEqual(content);
      expect(queue.report().state).toBe('closed');
      expect(store.report().state).toBe('closed');
    },
    START_TIMEOUT_MS,
  );
});
