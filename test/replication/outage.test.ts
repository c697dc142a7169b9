import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createAgent,
  replicationStatus,
  startTestTopology,
  waitFor,
  waitForDrain,
  type TestTopology,
} from './support/topology.js';

const AGENT = 'outage-agent';
const MEMORY = `/api/v1/${AGENT}/memory`;

/**
 * Writes before, during and after an outage of the cloud. The cloud process is killed, the edge
 * serves, and conflicting writes land on both sides. The cloud comes back first with a wrong
 * replication token, so the drain fails and the recovery gate must hold traffic on the edge.
 * Then it comes back with the right one.
 */
describe('outage of the primary', () => {
  let test: TestTopology;
  let token: string;
  const router = () => test.topology.url;
  const cloud = () => test.topology.cloud?.url ?? '';
  const edge = () => test.topology.edge.url;
  const put = (base: string, id: string, content: string) =>
    call(base, 'PUT', `${MEMORY}/${id}`, { token, body: { user_id: 'u', content } });
  const read = (base: string, id: string) => call(base, 'GET', `${MEMORY}/${id}`, { token });
  const contentAt = async (base: string, id: string) => {
    const response = await read(base, id);
    return response.status === 200 ? (response.json.content as string) : response.status;
  };

  beforeAll(async () => {
    // echo is a cloud type here, so a task queued at the edge must run in the cloud.
    test = await startTestTopology({ cloudTaskTypes: ['echo'] });
  });
  afterAll(async () => test?.topology.stop());

  it('loses no acknowledged write and merges conflicts last-writer-wins', async () => {
    // Before: every write goes to the cloud, and the edge pulls it.
    token = await createAgent(test, router(), AGENT);
    for (const id of ['a', 'b', 'c', 'd']) {
      const written = await put(router(), id, `${id} before`);
      expect(written.servedBy).toBe('cloud');
    }
    await waitFor(
      'the edge to pull the records',
      async () => (await read(edge(), 'd')).status === 200,
    );

    // During: the cloud dies and the edge serves.
    const toEdge = test.nextFlip('secondary');
    await test.topology.cloud?.stop('SIGKILL');
    await toEdge;
    const during = [
      await put(router(), 'a', 'a at edge'),
      await call(router(), 'DELETE', `${MEMORY}/b`, { token }),
      await put(router(), 'c', 'c at edge'),
      await put(router(), 'd', 'd at edge'),
      await put(router(), 'e', 'e at edge'),
      await call(router(), 'PUT', `/api/v1/${AGENT}/files/plan.txt`, {
        token,
        body: 'written at the edge',
      }),
    ];
    const task = await call(router(), 'POST', `/api/v1/${AGENT}/tasks`, {
      token,
      body: { type: 'echo', input: { hello: 'edge' } },
    });
    expect(during.map((response) => response.status)).toEqual([200, 204, 200, 200, 201, 201]);
    expect(during.every((response) => response.servedBy === 'edge')).toBe(true);
    expect(task.status).toBe(202);
    await sleep(500);
    const queuedAtEdge = await call(edge(), 'GET', `/api/v1/${AGENT}/tasks/${task.json.id}`, {
      token,
    });
    expect(queuedAtEdge.json.status).toBe('queued');
    const edgeHealth = await call(edge(), 'GET', '/health');
    const replicationCheck = edgeHealth.json.checks.find(
      (check: { name: string }) => check.name === 'replication',
    );
    expect(edgeHealth.status).toBe(200);
    expect(replicationCheck.status).toBe('warn');

    // The cloud comes back with a wrong replication token: healthy, but the outbox cannot drain.
    await test.topology.restartCloud({ replicationToken: 'happy_repl_wrong_token_for_test_0' });
    const newerAtCloud = [
      await put(cloud(), 'c', 'c at cloud'),
      await call(cloud(), 'DELETE', `${MEMORY}/d`, { token }),
    ];
    expect(newerAtCloud.map((response) => response.status)).toEqual([200, 204]);
    await sleep(6000);
    expect(test.topology.router.status().active).toBe('secondary');
    const blocked = test.events.filter(
      (event) => event.type === 'recovery' && event.phase === 'blocked',
    );
    expect(blocked.some((event) => 'reason' in event && /edge outbox/.test(event.reason))).toBe(
      true,
    );

    // With the right token the outbox drains, and only then does traffic flip back.
    const toCloud = test.nextFlip('primary');
    await test.topology.restartCloud();
    await toCloud;
    const atFlip = await replicationStatus(edge(), test.replication);
    expect(atFlip.json.outbox.pending).toBe(0);

    // After: writes go to the cloud again.
    const after = await put(router(), 'f', 'f after');
    expect(after.servedBy).toBe('cloud');
    await waitForDrain(test);

    expect(await contentAt(cloud(), 'a')).toBe('a at edge');
    expect(await contentAt(cloud(), 'b')).toBe(404);
    expect(await contentAt(cloud(), 'c')).toBe('c at cloud');
    expect(await contentAt(cloud(), 'd')).toBe(404);
    expect(await contentAt(cloud(), 'e')).toBe('e at edge');
    expect(await contentAt(cloud(), 'f')).toBe('f after');
    const file = await call(cloud(), 'GET', `/api/v1/${AGENT}/files/plan.txt`, { token });
    expect(file.status).toBe(200);

    // The edge ends with the same state, including the cloud's newer writes.
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const expected = await contentAt(cloud(), id);
      await waitFor(
        `the edge to hold record ${id}`,
        async () => (await contentAt(edge(), id)) === expected,
      );
    }

    // The task queued at the edge ran once, in the cloud.
    const ran = await waitFor('the cloud to run the task', async () => {
      const response = await call(cloud(), 'GET', `/api/v1/${AGENT}/tasks/${task.json.id}`, {
        token,
      });
      return response.json?.status === 'succeeded' && response.json;
    });
    expect(ran.attempts).toBe(1);
    expect(ran.version).toMatch(/\.cloud-local$/);
    expect(ran.result).toEqual({ hello: 'edge' });
  }, 90_000);
});
