import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entityOfChange, versionOfChange } from '../../lambdas/core/index.js';
import type { Change } from '../../lambdas/ports/index.js';
import {
  deliveries,
  fileHistories,
  recordHistories,
  toChanges,
  type Write,
} from './support/histories.js';
import { createReplica, dumpState, type TestReplica } from './support/replica.js';

/** Applies the changes picked by each batch of indexes, batch by batch. */
async function deliver(replica: TestReplica, changes: Change[], batches: number[][]) {
  for (const batch of batches) {
    await replica.service.apply(batch.map((index) => changes[index] as Change));
  }
}

/** Returns, per entity, the version that last-writer-wins must keep: the largest. */
function winners(changes: Change[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const change of changes) {
    const { agentId, id } = entityOfChange(change);
    const key = `${change.kind}/${agentId}/${id}`;
    const version = versionOfChange(change);
    if ((result.get(key) ?? '') < version) result.set(key, version);
  }
  return result;
}

/** Reads the stored version of every entity, tombstones included. */
function storedVersions(replica: TestReplica): Map<string, string> {
  const rows = replica.db
    .prepare(
      `SELECT 'agent' AS kind, agent_id, agent_id AS id, version FROM agents
       UNION ALL SELECT 'memory', agent_id, id, version FROM memory
       UNION ALL SELECT 'document', agent_id, id, version FROM documents
       UNION ALL SELECT 'task', agent_id, id, version FROM tasks
       UNION ALL SELECT 'file', agent_id, name, version FROM file_journal`,
    )
    .all() as { kind: string; agent_id: string; id: string; version: string }[];
  return new Map(rows.map((row) => [`${row.kind}/${row.agent_id}/${row.id}`, row.version]));
}

/** Two delivery orders of one history, with duplicates. */
function scenario(histories: fc.Arbitrary<Write[]>) {
  return histories.chain((history) => {
    const count = history.length;
    return fc.record({
      history: fc.constant(history),
      first: deliveries(count),
      second: deliveries(count),
    });
  });
}

async function converge(history: Write[], first: number[][], second: number[][]) {
  const changes = toChanges(history);
  const left = createReplica('store-l');
  const right = createReplica('store-r');
  try {
    await deliver(left, changes, first);
    await deliver(right, changes, second);
    return {
      expected: winners(changes),
      left: { dump: await dumpState(left), versions: storedVersions(left) },
      right: { dump: await dumpState(right), versions: storedVersions(right) },
    };
  } finally {
    left.dispose();
    right.dispose();
  }
}

describe('last-writer-wins convergence', () => {
  it('ends byte-identical for records in any order', async () => {
    await fc.assert(
      fc.asyncProperty(scenario(recordHistories(30)), async ({ history, first, second }) => {
        const result = await converge(history, first, second);

        expect(result.left.dump.equals(result.right.dump)).toBe(true);
        expect(result.left.versions).toEqual(result.expected);
      }),
      { numRuns: 150 },
    );
  });

  it('ends byte-identical for files in any order', async () => {
    await fc.assert(
      fc.asyncProperty(scenario(fileHistories(12)), async ({ history, first, second }) => {
        const result = await converge(history, first, second);

        expect(result.left.dump.equals(result.right.dump)).toBe(true);
        expect(result.left.versions).toEqual(result.expected);
      }),
      { numRuns: 25 },
    );
  }, 60_000);

  it('changes nothing when applied a second time', async () => {
    await fc.assert(
      fc.asyncProperty(recordHistories(20), async (history) => {
        const changes = toChanges(history);
        const replica = createReplica('store-once');
        try {
          await replica.service.apply(changes);
          const before = await dumpState(replica);
          const again = await replica.service.apply(changes);

          expect(again.every((outcome) => outcome === 'ignored')).toBe(true);
          expect((await dumpState(replica)).equals(before)).toBe(true);
        } finally {
          replica.dispose();
        }
      }),
      { numRuns: 50 },
    );
  });

  it('converges through the change feeds', async () => {
    await fc.assert(
      fc.asyncProperty(
        recordHistories(30),
        fc.integer({ min: 1, max: 4 }),
        async (history, limit) => {
          const changes = toChanges(history);
          const nodeA = createReplica('node-a');
          const nodeB = createReplica('node-b');
          try {
            // Each node first holds only what it wrote itself.
            await nodeA.service.apply(changes.filter((change) => origin(change) === 'node-a'));
            await nodeB.service.apply(changes.filter((change) => origin(change) === 'node-b'));
            await pullAll(nodeA, nodeB, limit);
            await pullAll(nodeB, nodeA, limit);

            expect((await dumpState(nodeA)).equals(await dumpState(nodeB))).toBe(true);
            expect(storedVersions(nodeA)).toEqual(winners(changes));
          } finally {
            nodeA.dispose();
            nodeB.dispose();
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});

function origin(change: Change): string {
  return versionOfChange(change).split('.')[2] ?? '';
}

/** Pulls every page of `source`'s feed into `target`, as the pull loop does. */
async function pullAll(target: TestReplica, source: TestReplica, limit: number) {
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page += 1) {
    const feed = await source.service.readFeed({ cursor, limit, peer: target.service.nodeId });
    await target.service.apply(feed.entries.map((entry) => entry.change));
    cursor = feed.nextCursor;
    if (!feed.more) return;
  }
  throw new Error('The feed did not end within 1000 pages.');
}
