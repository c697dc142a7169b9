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

const AGENT = 'crash-agent';
/** Drained batches are small, so the drain takes long enough to be interrupted. */
const BATCH = 5;
const DOCUMENT_REQUESTS = 12;
const DOCUMENTS_PER_REQUEST = 100;
const RECORDS = 40;

/** Reads every change of a node's feed. */
async function readWholeFeed(baseUrl: string, token: string) {
  const changes: { kind: string; document?: { id: string; version: string } }[] = [];
  let since = '';
  for (let page = 0; page < 100; page += 1) {
    const query = `?limit=1000${since ? `&since=${since}` : ''}`;
    const response = await call(baseUrl, 'GET', `/internal/v1/changes${query}`, { token });
    changes.push(...response.json.changes);
    since = response.json.next_cursor;
    if (!response.json.more) return changes;
  }
  throw new Error('The feed did not end within 100 pages.');
}

describe('edge crash during the drain', () => {
  let test: TestTopology;

  beforeAll(async () => {
    test = await startTestTopology({ replicationBatch: BATCH });
  });
  afterAll(async () => test?.topology.stop());

  it('loses nothing and applies nothing twice', async () => {
    const token = await createAgent(test, test.topology.url, AGENT);
    await waitFor('the edge to pull the agent', async () => {
      const agent = await call(test.topology.edge.url, 'GET', `/api/v1/agents/${AGENT}`, {
        token: test.admin,
      });
      return agent.status === 200;
    });

    const toEdge = test.nextFlip('secondary');
    await test.topology.cloud?.stop('SIGKILL');
    await toEdge;
    for (let request = 0; request < DOCUMENT_REQUESTS; request += 1) {
      const documents = Array.from({ length: DOCUMENTS_PER_REQUEST }, (_, index) => ({
        id: `doc-${request}-${index}`,
        content: `document ${index} of request ${request}`,
      }));
      const indexed = await call(test.topology.url, 'POST', `/api/v1/${AGENT}/search/index`, {
        token,
        body: { documents },
      });
      expect(indexed.status).toBe(201);
    }
    for (let index = 0; index < RECORDS; index += 1) {
      const written = await call(test.topology.url, 'PUT', `/api/v1/${AGENT}/memory/rec-${index}`, {
        token,
        body: { content: `record ${index}` },
      });
      expect(written.status).toBe(201);
    }
    const total = DOCUMENT_REQUESTS * DOCUMENTS_PER_REQUEST + RECORDS;
    const before = await replicationStatus(test.topology.edge.url, test.replication);
    expect(before.json.outbox.pending).toBe(total);

    // Kill the edge once the drain has sent some batches but not all.
    await test.topology.restartCloud();
    const midway = await waitFor(
      'the drain to be under way',
      async () => {
        const status = await replicationStatus(test.topology.edge.url, test.replication);
        const pending = status.json?.outbox?.pending ?? total;
        return pending < total && pending > 0 && pending;
      },
      20_000,
      5,
    );
    await test.topology.edge.stop('SIGKILL');
    await test.topology.restartEdge();
    await waitForDrain(test);

    const cloudStatus = await replicationStatus(test.topology.cloud?.url ?? '', test.replication);
    const counts = cloudStatus.json.applied_since_start;
    expect(midway).toBeGreaterThan(0);
    expect(counts.applied).toBe(total);
    // A crash between the cloud's response and the stored cursor re-sends one batch at most.
    expect(counts.ignored).toBeLessThanOrEqual(BATCH);

    const cloudFeed = await readWholeFeed(test.topology.cloud?.url ?? '', test.replication);
    const edgeFeed = await readWholeFeed(test.topology.edge.url, test.replication);
    const documentsOf = (feed: typeof cloudFeed) =>
      new Map(
        feed
          .filter((change) => change.kind === 'document' && change.document)
          .map((change) => [change.document?.id, change.document?.version]),
      );
    expect(documentsOf(cloudFeed).size).toBe(DOCUMENT_REQUESTS * DOCUMENTS_PER_REQUEST);
    expect(documentsOf(cloudFeed)).toEqual(documentsOf(edgeFeed));
    const records = cloudFeed.filter((change) => change.kind === 'memory');
    expect(records).toHaveLength(RECORDS);
  }, 90_000);
});
