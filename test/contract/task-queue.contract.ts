import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskQueue } from '../../lambdas/ports/index.js';

/** A fresh, empty queue whose clock the test moves, and a way to dispose of it. */
export interface TaskQueueFixture {
  readonly queue: TaskQueue;
  /** Moves the queue's clock forward by `ms` milliseconds. */
  advance(ms: number): void;
  dispose(): Promise<void>;
}

const M1 = { agentId: 'agent-a', taskId: 't1' };
const M2 = { agentId: 'agent-a', taskId: 't2' };
const M3 = { agentId: 'agent-a', taskId: 't3' };
const LEASE_MS = 1000;

/** The behaviour every {@link TaskQueue} adapter must show. */
export function describeTaskQueueContract(
  adapter: string,
  create: () => Promise<TaskQueueFixture>,
): void {
  describe(`TaskQueue contract: ${adapter}`, () => {
    let fixture: TaskQueueFixture;
    let queue: TaskQueue;
    const taskIds = async (max = 10) =>
      (await queue.receive(max, LEASE_MS)).map((message) => message.taskId);

    beforeEach(async () => {
      fixture = await create();
      queue = fixture.queue;
    });
    afterEach(async () => fixture.dispose());

    it('delivers an enqueued message', async () => {
      await queue.enqueue(M1, 0);
      const [message, ...rest] = await queue.receive(10, LEASE_MS);
      expect(message).toMatchObject({ ...M1, receiveCount: 1 });
      expect(message?.receipt).toEqual(expect.any(String));
      expect(rest).toEqual([]);
    });

    it('hides a leased message until its lease ends', async () => {
      await queue.enqueue(M1, 0);
      const [first] = await queue.receive(10, LEASE_MS);
      expect(await taskIds()).toEqual([]);

      fixture.advance(LEASE_MS);
      const [second] = await queue.receive(10, LEASE_MS);
      expect(second).toMatchObject({ ...M1, receiveCount: 2 });
      expect(second?.receipt).not.toBe(first?.receipt);
    });

    it('holds a delayed message until its delay has passed', async () => {
      await queue.enqueue(M1, 5000);
      expect(await taskIds()).toEqual([]);
      fixture.advance(4999);
      expect(await taskIds()).toEqual([]);
      fixture.advance(1);
      expect(await taskIds()).toEqual(['t1']);
    });

    it('deletes a completed message', async () => {
      await queue.enqueue(M1, 0);
      const [message] = await queue.receive(10, LEASE_MS);
      expect(await queue.complete(message!.receipt)).toBe(true);
      fixture.advance(LEASE_MS * 2);
      expect(await taskIds()).toEqual([]);
    });

    it('rejects the receipt of an earlier delivery', async () => {
      await queue.enqueue(M1, 0);
      const [first] = await queue.receive(10, LEASE_MS);
      fixture.advance(LEASE_MS);
      const [second] = await queue.receive(10, LEASE_MS);

      expect(await queue.complete(first!.receipt)).toBe(false);
      expect(await queue.release(first!.receipt, 0)).toBe(false);
      expect(await queue.extendLease(first!.receipt, LEASE_MS)).toBe(false);
      expect(await queue.complete(second!.receipt)).toBe(true);
    });

    it('makes a released message visible after the retry delay', async () => {
      await queue.enqueue(M1, 0);
      const [message] = await queue.receive(10, LEASE_MS);
      expect(await queue.release(message!.receipt, 2000)).toBe(true);
      fixture.advance(1999);
      expect(await taskIds()).toEqual([]);
      fixture.advance(1);
      expect(await taskIds()).toEqual(['t1']);
    });

    it('keeps a message whose lease was extended', async () => {
      await queue.enqueue(M1, 0);
      const [message] = await queue.receive(10, LEASE_MS);
      expect(await queue.extendLease(message!.receipt, 5000)).toBe(true);
      fixture.advance(LEASE_MS);
      expect(await taskIds()).toEqual([]);
      fixture.advance(4000);
      expect(await taskIds()).toEqual(['t1']);
    });

    it('keeps one message per task', async () => {
      await queue.enqueue(M1, 0);
      await queue.enqueue(M1, 0);
      expect(await taskIds()).toEqual(['t1']);
    });

    it('keeps agents apart', async () => {
      await queue.enqueue(M1, 0);
      await queue.enqueue({ agentId: 'agent-b', taskId: 't1' }, 0);
      const agents = (await queue.receive(10, LEASE_MS)).map((message) => message.agentId);
      expect(agents.sort()).toEqual(['agent-a', 'agent-b']);
    });

    it('receives at most the requested number', async () => {
      for (const message of [M1, M2, M3]) await queue.enqueue(message, 0);
      expect(await taskIds(2)).toHaveLength(2);
      expect(await taskIds(2)).toHaveLength(1);
    });

    it('delivers the longest visible message first', async () => {
      await queue.enqueue(M1, 300);
      await queue.enqueue(M2, 100);
      await queue.enqueue(M3, 200);
      fixture.advance(300);
      expect(await taskIds()).toEqual(['t2', 't3', 't1']);
    });

    it('removes a cancelled message that is not leased', async () => {
      await queue.enqueue(M1, 5000);
      await queue.cancel(M1);
      fixture.advance(5000);
      expect(await taskIds()).toEqual([]);
    });

    it('keeps a leased message on cancel', async () => {
      await queue.enqueue(M1, 0);
      await queue.receive(10, LEASE_MS);
      await queue.cancel(M1);
      fixture.advance(LEASE_MS);
      expect(await taskIds()).toEqual(['t1']);
    });
  });
}
