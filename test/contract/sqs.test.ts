import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { HealthService } from '../../lambdas/core/health.js';
import { LocalCircuitBreaker } from '../../lambdas/adapters/resilience/index.js';
import {
  createTaskQueues,
  deleteTaskQueues,
  isAwsFailure,
  SqsHealthProbe,
  SqsTaskQueue,
} from '../../lambdas/adapters/sqs/index.js';
import { uniqueName } from '../adapters/support/services.js';
import {
  motoSqsClient,
  motoSuiteTitle,
  motoUrl,
  SettlingTaskQueue,
  SqsTestClock,
} from '../adapters/sqs-s3/support.js';
import { describeTaskQueueContract } from './task-queue.contract.js';
import { T0 } from './fixtures.js';

// Each test gets a new queue and dead-letter queue on moto. The queue's clock is a test clock
// whose advances also let real time pass, rounded up to whole seconds, because SQS hides
// messages for whole seconds of real time. The adapter keeps due times to the millisecond by
// the test clock.

describe.skipIf(!motoUrl())(motoSuiteTitle('SQS task queue on moto'), () => {
  const client = motoUrl() ? motoSqsClient() : undefined;
  afterAll(() => client?.destroy());

  describeTaskQueueContract('SQS', async () => {
    const sqs = client!;
    const urls = await createTaskQueues(sqs, { queueName: uniqueName('queue') });
    const clock = new SqsTestClock(T0);
    const adapter = new SqsTaskQueue({
      client: sqs,
      queueUrl: urls.queueUrl,
      waitTimeSeconds: 0,
      now: clock.now,
    });
    return {
      queue: new SettlingTaskQueue(adapter, clock),
      advance: (ms) => clock.advance(ms),
      dispose: () => deleteTaskQueues(sqs, urls),
    };
  });
});

describe.skipIf(!motoUrl())(motoSuiteTitle('SQS health probe on moto'), () => {
  const client = motoUrl() ? motoSqsClient() : undefined;
  afterAll(() => client?.destroy());

  const probeOf = (queueUrl: string, failureThreshold = 5) =>
    new SqsHealthProbe({
      client: client!,
      queueUrl,
      breaker: new LocalCircuitBreaker('sqs', { isFailure: isAwsFailure, failureThreshold }),
    });

  it('passes on an existing queue', async () => {
    const urls = await createTaskQueues(client!, { queueName: uniqueName('probe') });
    try {
      const result = await probeOf(urls.queueUrl).check();
      expect(result.status).toBe('pass');
      expect(result.name).toBe('sqs');
    } finally {
      await deleteTaskQueues(client!, urls);
    }
  });

  it('warns, not fails, when the queue is missing', async () => {
    const missing = `${motoUrl()}/123456789012/${uniqueName('missing')}`;
    const result = await probeOf(missing).check();
    expect(result.status).toBe('warn');
    expect(result.detail).toMatch(/QueueDoesNotExist|NonExistentQueue/);
  });

  it('degrades, not fails, /health when SQS hangs', async () => {
    // A listener that accepts connections and never replies, as a stalled endpoint does.
    const sockets: Socket[] = [];
    const server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const hanging = motoSqsClient(endpoint);
    const probe = new SqsHealthProbe({
      client: hanging,
      queueUrl: `${endpoint}/123456789012/tasks`,
      breaker: new LocalCircuitBreaker('sqs', { isFailure: isAwsFailure }),
    });
    try {
      const report = await new HealthService([probe]).check();
      expect(report.status).toBe('degraded');
      expect(report.checks[0]?.detail).toContain('timed out');
    } finally {
      hanging.destroy();
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });

  it('reports an open breaker', async () => {
    const probe = probeOf(`${motoUrl()}/123456789012/${uniqueName('missing')}`, 1);
    await probe.check();
    const result = await probe.check();
    expect(result.status).toBe('warn');
    expect(result.detail).toContain('circuit breaker open');
  });
});
