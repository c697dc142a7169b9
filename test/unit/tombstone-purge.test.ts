import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatVersion, tombstoneHorizon } from '../../lambdas/core/index.js';
import type { Change } from '../../lambdas/ports/index.js';
import { purgeTombstones } from '../../local-fallback/storage/index.js';
import { createReplica, type TestReplica } from '../replication/support/replica.js';

const DAY_MS = 24 * 3600 * 1000;
const NOW = Date.now();

function record(id: string, ageMs: number, nodeId: string, deleted: boolean): Change {
  const at = new Date(NOW - ageMs).toISOString();
  const version = formatVersion({ wallMs: NOW - ageMs, counter: 0, nodeId });
  return {
    kind: 'memory',
    record: {
      ...{ agentId: 'agent-t', id, userId: null, sessionId: null, key: null },
      ...{ content: deleted ? '' : id, value: null, metadata: {}, createdAt: at, updatedAt: at },
      ...{ expiresAt: null, version, deleted },
    },
  };
}

const ids = (replica: TestReplica) =>
  (replica.db.prepare('SELECT id FROM memory ORDER BY id').pluck().all() as string[]).join(',');

describe('tombstone purge', () => {
  let replica: TestReplica;
  const purge = (outboxPeers: string[] = []) =>
    purgeTombstones(replica.db, {
      nodeId: 'node-t',
      horizon: tombstoneHorizon(NOW, 30 * DAY_MS),
      outboxPeers,
    });

  beforeEach(() => {
    replica = createReplica('node-t');
  });
  afterEach(() => replica.dispose());

  it('removes only tombstones past the retention', async () => {
    await replica.service.apply([
      record('old-gone', 40 * DAY_MS, 'node-u', true),
      record('new-gone', 1 * DAY_MS, 'node-u', true),
      record('old-live', 40 * DAY_MS, 'node-u', false),
    ]);

    expect(purge()).toBe(1);
    expect(ids(replica)).toBe('new-gone,old-live');
  });

  it('keeps own tombstones the outbox has not drained', async () => {
    await replica.service.apply([record('own-gone', 40 * DAY_MS, 'node-t', true)]);

    expect(purge(['upstream'])).toBe(0);
    await replica.service.writeDrainedSeq('upstream', 1);
    expect(purge(['upstream'])).toBe(1);
  });

  it('keeps tombstones a peer has not read past', async () => {
    await replica.service.apply([record('gone', 40 * DAY_MS, 'node-u', true)]);
    await replica.service.readFeed({ cursor: null, limit: 10, peer: 'node-p' });

    expect(purge()).toBe(0);
    const feed = await replica.service.readFeed({ cursor: null, limit: 10 });
    await replica.service.readFeed({ cursor: feed.nextCursor, limit: 10, peer: 'node-p' });
    expect(purge()).toBe(1);
  });

  it('reports an older write to a purged record as expired', async () => {
    await replica.service.apply([record('gone', 40 * DAY_MS, 'node-u', true)]);
    purge();

    const outcomes = await replica.service.apply([
      record('gone', 41 * DAY_MS, 'node-u', false),
      record('fresh', 41 * DAY_MS, 'node-u', false),
      record('recent', 2 * DAY_MS, 'node-u', false),
    ]);

    expect(outcomes).toEqual(['expired', 'expired', 'applied']);
    expect(ids(replica)).toBe('recent');
  });
});
