import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createAgent,
  startTestTopology,
  waitFor,
  waitForDrain,
  type TestTopology,
} from './support/topology.js';

const AGENT = 'gap-agent';

/** An acknowledged write: its record id, content, target and time. */
interface Acknowledged {
  readonly id: string;
  readonly servedBy: string | undefined;
  readonly at: number;
}

describe('recovery while writes continue', () => {
  let test: TestTopology;

  beforeAll(async () => {
    test = await startTestTopology();
  });
  afterAll(async () => test?.topology.stop());

  it('loses no write between drain and flip', async () => {
    const token = await createAgent(test, test.topology.url, AGENT);
    const acknowledged: Acknowledged[] = [];
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing && n < 5000; n += 1) {
        const id = `w-${n}`;
        // The key lets the router retry the write on the edge when the cloud fails under it.
        const response = await call(test.topology.url, 'PUT', `/api/v1/${AGENT}/memory/${id}`, {
          token,
          body: { content: `write ${n}` },
          headers: { 'idempotency-key': id },
        });
        if (response.status === 201) {
          acknowledged.push({ id, servedBy: response.servedBy, at: Date.now() });
        }
        await sleep(10);
      }
    })();

    await sleep(500);
    const toEdge = test.nextFlip('secondary');
    await test.topology.cloud?.stop('SIGKILL');
    await toEdge;
    await sleep(1000);
    const toCloud = test.nextFlip('primary');
    await test.topology.restartCloud();
    await toCloud;
    const flippedAt = Date.now();
    await sleep(1000);
    writing = false;
    await writer;
    await waitForDrain(test);

    const cloudUrl = test.topology.cloud?.url ?? '';
    const missing: string[] = [];
    for (const write of acknowledged) {
      const read = await call(cloudUrl, 'GET', `/api/v1/${AGENT}/memory/${write.id}`, { token });
      if (read.status !== 200) missing.push(write.id);
    }
    const servedBy = (target: string) => acknowledged.filter((write) => write.servedBy === target);
    const lastAtEdge = Math.max(...servedBy('edge').map((write) => write.at));

    expect(missing).toEqual([]);
    expect(servedBy('edge').length).toBeGreaterThan(20);
    expect(servedBy('cloud').length).toBeGreaterThan(20);
    // Writes reached the edge until the flip, after the gate had found the outbox empty.
    expect(flippedAt - lastAtEdge).toBeLessThan(500);
    await waitFor('the edge to hold every write', async () => {
      const last = acknowledged.at(-1)?.id ?? '';
      return (
        (await call(test.topology.edge.url, 'GET', `/api/v1/${AGENT}/memory/${last}`, { token }))
          .status === 200
      );
    });
  }, 90_000);
});
