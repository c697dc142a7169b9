import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { BrokenCircuitError } from 'cockatiel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, S3FileStore } from '../../../lambdas/adapters/s3/index.js';
import { createSqsClient, SqsTaskQueue } from '../../../lambdas/adapters/sqs/index.js';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.js';
import { freePort } from '../../support/processes.js';
import { rejection } from '../support/wait.js';
import { motoClientConfig } from './support.js';

// Both adapters pointed at a loopback port where nothing listens: every connection is refused,
// as when the service is unreachable. Runs without moto.

const GUARD = { timeoutMs: 1000, retries: 0, failureThreshold: 2, halfOpenAfterMs: 60_000 };
/** Far below any network round trip with a retry, and far above an in-process rejection. */
const FAST_FAILURE_MS = 50;

async function timed(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await rejection(promise);
  return { error, ms: performance.now() - started };
}

describe('SQS and S3 adapters with the service unreachable', () => {
  let endpoint: string;

  beforeAll(async () => {
    endpoint = `http://127.0.0.1:${await freePort()}`;
  });

  describe('SqsTaskQueue', () => {
    let client: SQSClient;
    let queue: SqsTaskQueue;

    beforeAll(() => {
      client = createSqsClient(motoClientConfig(endpoint));
      queue = new SqsTaskQueue({
        client,
        queueUrl: `${endpoint}/123456789012/unreachable`,
        waitTimeSeconds: 0,
        guard: GUARD,
      });
    });
    afterAll(() => client.destroy());

    it('reports a refused connection as DependencyUnavailableError', async () => {
      const error = await rejection(queue.receive(1, 1000));
      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect((error as DependencyUnavailableError).message).toContain('"sqs"');
    });

    it('fails fast once the breaker opens', async () => {
      await rejection(queue.enqueue({ agentId: 'agent-a', taskId: 't1' }, 0));
      const { error, ms } = await timed(queue.receive(1, 1000));

      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect((error as Error).cause).toBeInstanceOf(BrokenCircuitError);
      expect(ms).toBeLessThan(FAST_FAILURE_MS);
      expect(queue.report()).toMatchObject({ name: 'sqs', state: 'open' });
    });
  });

  describe('S3FileStore', () => {
    let client: S3Client;
    let store: S3FileStore;

    beforeAll(() => {
      client = createS3Client(motoClientConfig(endpoint));
      store = new S3FileStore({
        client,
        bucket: 'unreachable',
        guard: GUARD,
      });
    });
    afterAll(() => client.destroy());

    it('reports a refused connection as DependencyUnavailableError', async () => {
      const error = await rejection(store.head('agent-a', 'f'));
      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect((error as DependencyUnavailableError).message).toContain('"s3"');
    });

    it('fails fast once the breaker opens', async () => {
      await rejection(store.get('agent-a', 'f'));
      const { error, ms } = await timed(store.list('agent-a', {}, { limit: 10, after: null }));

      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect((error as Error).cause).toBeInstanceOf(BrokenCircuitError);
      expect(ms).toBeLessThan(FAST_FAILURE_MS);
      expect(store.report()).toMatchObject({ name: 's3', state: 'open' });
    });
  });
});
