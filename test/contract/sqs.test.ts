import { afterAll, describe } from 'vitest';
import {
  createTaskQueues,
  deleteTaskQueues,
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
