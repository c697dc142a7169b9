import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTaskQueues,
  deleteTaskQueues,
  SqsTaskQueue,
  type TaskQueueUrls,
} from '../../../lambdas/adapters/sqs/index.js';
import { uniqueName } from '../support/services.js';
import { motoSqsClient, motoSuiteTitle, motoUrl } from './support.js';

// Behaviour of SqsTaskQueue beyond the TaskQueue contract, on moto with the real clock.

const M1 = { agentId: 'agent-a', taskId: 't1' };
const M2 = { agentId: 'agent-a', taskId: 't2' };
const LEASE_MS = 30_000;

describe.skipIf(!motoUrl())(motoSuiteTitle('SqsTaskQueue on moto'), () => {
  let client: SQSClient;
  let urls: TaskQueueUrls;
  let queue: SqsTaskQueue;
  const newQueue = () => new SqsTaskQueue({ client, queueUrl: urls.queueUrl, waitTimeSeconds: 0 });

  /** Returns the visible, in-flight and delayed message counts of the task queue. */
  async function counts(): Promise<{ visible: number; inFlight: number; delayed: number }> {
    const output = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: urls.queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const attribute = (name: QueueAttributeName) => Number(output.Attributes?.[name]);
    return {
      visible: attribute('ApproximateNumberOfMessages'),
      inFlight: attribute('ApproximateNumberOfMessagesNotVisible'),
      delayed: attribute('ApproximateNumberOfMessagesDelayed'),
    };
  }

  beforeAll(() => {
    client = motoSqsClient();
  });
  afterAll(() => client.destroy());

  beforeEach(async () => {
    urls = await createTaskQueues(client, { queueName: uniqueName('queue'), maxReceiveCount: 2 });
    queue = newQueue();
  });
  afterEach(() => deleteTaskQueues(client, urls));

  it('sends an early message again with its remaining delay', async () => {
    const body = { v: 1, ...M1, dueAt: Date.now() + 3_600_000 };
    await client.send(
      new SendMessageCommand({ QueueUrl: urls.queueUrl, MessageBody: JSON.stringify(body) }),
    );

    expect(await queue.receive(10, LEASE_MS)).toEqual([]);
    expect(await counts()).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
  });

  it('releases beyond 15 minutes by sending a copy', async () => {
    await queue.enqueue(M1, 0);
    const [message] = await queue.receive(10, LEASE_MS);

    expect(await queue.release(message!.receipt, 3_600_000)).toBe(true);
    expect(await counts()).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    expect(await queue.complete(message!.receipt)).toBe(false);
  });

  it('moves an unreadable message to the dead-letter queue', async () => {
    await client.send(new SendMessageCommand({ QueueUrl: urls.queueUrl, MessageBody: 'junk' }));
    for (let round = 0; round < 3; round += 1) {
      expect(await queue.receive(10, 0)).toEqual([]);
    }

    const dead = await client.send(
      new ReceiveMessageCommand({ QueueUrl: urls.deadLetterQueueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(dead.Messages?.map((message) => message.Body)).toEqual(['junk']);
  });

  it('delivers more than ten messages in one receive', async () => {
    const tasks = Array.from({ length: 15 }, (_, index) => `t${index}`);
    for (const taskId of tasks) await queue.enqueue({ agentId: 'agent-a', taskId }, 0);

    const received = await queue.receive(15, LEASE_MS);
    expect(received.map((message) => message.taskId).sort()).toEqual([...tasks].sort());
  });

  it('counts deliveries in receiveCount', async () => {
    await queue.enqueue(M1, 0);
    const [first] = await queue.receive(10, 0);
    const [second] = await queue.receive(10, LEASE_MS);

    expect(first?.receiveCount).toBe(1);
    expect(second?.receiveCount).toBe(2);
  });

  it('enqueues a task again after its message completed', async () => {
    await queue.enqueue(M1, 0);
    const [message] = await queue.receive(10, LEASE_MS);
    await queue.complete(message!.receipt);

    await queue.enqueue(M1, 0);
    expect((await queue.receive(10, LEASE_MS)).map((next) => next.taskId)).toEqual(['t1']);
  });

  it('accepts a receipt issued by another instance', async () => {
    await queue.enqueue(M1, 0);
    const [message] = await queue.receive(10, LEASE_MS);

    expect(await newQueue().complete(message!.receipt)).toBe(true);
    expect(await counts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('sends a duplicate when another instance enqueues the same task', async () => {
    await queue.enqueue(M1, 0);
    await newQueue().enqueue(M1, 0);

    const received = await queue.receive(10, LEASE_MS);
    expect(received.map((message) => message.taskId)).toEqual(['t1', 't1']);
  });

  it('delivers a message cancelled on another instance', async () => {
    await queue.enqueue(M2, 0);
    await queue.cancel(M2);

    const received = await newQueue().receive(10, LEASE_MS);
    expect(received.map((message) => message.taskId)).toEqual(['t2']);
  });

  it('deletes a cancelled message when it arrives', async () => {
    await queue.enqueue(M2, 0);
    await queue.cancel(M2);

    expect(await queue.receive(10, LEASE_MS)).toEqual([]);
    expect(await counts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('reports a closed breaker', () => {
    expect(queue.report()).toMatchObject({ name: 'sqs', state: 'closed' });
  });
});
