import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  entityOfChange,
  type ReplicationService,
  versionOfChange,
} from '../../lambdas/core/index.js';
import type { Change, FeedEntry } from '../../lambdas/ports/index.js';
import {
  cloudSuiteTitle,
  createCloudReplica,
  isCloudMissing,
  openCloudEngines,
  type CloudEngines,
} from './support/cloud-replica.js';
import {
  deliveries,
  fileHistories,
  recordHistories,
  toChanges,
  type Write,
} from './support/histories.js';
import { createReplica } from './support/replica.js';

// Each run stores one node in SQLite (the edge) and one on OpenSearch with S3 files (the cloud),
// on fresh indices, so a run takes about a second (1.3 s on 2 shared cores) and the run counts
// stay small.

/**
 * Runs per property, and a time limit that leaves room to report a shrunk counterexample within
 * the test timeout, since each run creates indices of its own.
 */
const PROPERTY_SETTINGS = {
  numRuns: 16,
  interruptAfterTimeLimit: 200_000,
  markInterruptAsFailure: true,
};

/** Histories of record and file writes from two nodes. */
const histories = fc
  .tuple(recordHistories(16), fileHistories(6))
  .map(([records, files]) => [...records, ...files]);

/** Returns, per entity, the version that last-writer-wins must keep: the largest. */
function winners(changes: Change[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const change of changes) {
    const key = keyOf(change);
    const version = versionOfChange(change);
    if ((result.get(key) ?? '') < version) result.set(key, version);
  }
  return result;
}

function keyOf(change: Change): string {
  const { agentId, id } = entityOfChange(change);
  return `${change.kind}/${agentId}/${id}`;
}

/** Returns the state each entity has in a feed, file content as hex. */
function stateOf(entries: FeedEntry[]): Map<string, unknown> {
  return new Map(
    entries.map(({ change }) => [
      keyOf(change),
      change.kind === 'file'
        ? { ...change, content: Buffer.from(change.content).toString('hex') }
        : change,
    ]),
  );
}

function versionsOf(entries: FeedEntry[]): Map<string, string> {
  return new Map(entries.map(({ change }) => [keyOf(change), versionOfChange(change)]));
}

/** Reads a node's whole feed, as a new peer would. */
async function readWholeFeed(service: ReplicationService): Promise<FeedEntry[]> {
  const entries: FeedEntry[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page += 1) {
    const feed = await service.readFeed({ cursor, limit: 50 });
    entries.push(...feed.entries);
    cursor = feed.nextCursor;
    if (!feed.more) return entries;
  }
  throw new Error('The feed did not end within 1000 pages.');
}

/** Pulls every page of `source`'s feed into `target`, as the edge's pull loop does. */
async function pullAll(target: ReplicationService, source: ReplicationService, limit: number) {
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page += 1) {
    const feed = await source.readFeed({ cursor, limit, peer: target.nodeId });
    await target.apply(feed.entries.map((entry) => entry.change));
    cursor = feed.nextCursor;
    if (!feed.more) return;
  }
  throw new Error('The feed did not end within 1000 pages.');
}

/** Sends `source`'s own changes to `target`, as the edge's drain loop does. */
async function drainAll(source: ReplicationService, target: ReplicationService, limit: number) {
  let drained = 0;
  for (let batch = 0; batch < 1000; batch += 1) {
    const page = await source.readOutbox(drained, limit);
    if (page.entries.length > 0) await target.apply(page.entries.map((entry) => entry.change));
    drained = page.nextSeq;
    if (!page.more) return;
  }
  throw new Error('The outbox did not end within 1000 batches.');
}

const ownChanges = (changes: Change[], node: Write['node']) =>
  changes.filter((change) => versionOfChange(change).endsWith(`.${node}`));

describe.skipIf(isCloudMissing())(cloudSuiteTitle('convergence of SQLite and OpenSearch'), () => {
  let engines: CloudEngines & { close(): Promise<void> };
  beforeAll(async () => void (engines = await openCloudEngines()));
  afterAll(() => engines?.close());

  it('converges after drain and pull', async () => {
    await fc.assert(
      fc.asyncProperty(
        histories,
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        async (history, limit, drainFirst) => {
          const changes = toChanges(history);
          const edge = createReplica('node-a');
          const cloud = await createCloudReplica(engines, 'node-b');
          try {
            // Each node first has only what it wrote itself.
            await edge.service.apply(ownChanges(changes, 'node-a'));
            await cloud.service.apply(ownChanges(changes, 'node-b'));
            if (drainFirst) await drainAll(edge.service, cloud.service, limit);
            await pullAll(edge.service, cloud.service, limit);
            if (!drainFirst) await drainAll(edge.service, cloud.service, limit);

            const edgeFeed = await readWholeFeed(edge.service);
            const cloudFeed = await readWholeFeed(cloud.service);
            expect(stateOf(cloudFeed)).toEqual(stateOf(edgeFeed));
            expect(versionsOf(cloudFeed)).toEqual(winners(changes));
          } finally {
            edge.dispose();
            await cloud.dispose();
          }
        },
      ),
      PROPERTY_SETTINGS,
    );
  }, 300_000);

  it('matches SQLite for any delivery order', async () => {
    await fc.assert(
      fc.asyncProperty(
        histories.chain((history) =>
          fc.record({ history: fc.constant(history), batches: deliveries(history.length) }),
        ),
        async ({ history, batches }) => {
          const changes = toChanges(history);
          const edge = createReplica('node-e');
          const cloud = await createCloudReplica(engines, 'node-c');
          try {
            await edge.service.apply(changes);
            for (const batch of batches) {
              await cloud.service.apply(batch.map((index) => changes[index] as Change));
            }

            const cloudFeed = await readWholeFeed(cloud.service);
            expect(stateOf(cloudFeed)).toEqual(stateOf(await readWholeFeed(edge.service)));
            expect(versionsOf(cloudFeed)).toEqual(winners(changes));
          } finally {
            edge.dispose();
            await cloud.dispose();
          }
        },
      ),
      PROPERTY_SETTINGS,
    );
  }, 300_000);
});
