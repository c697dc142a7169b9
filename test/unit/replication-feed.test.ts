import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decodeFeedCursor,
  encodeFeedCursor,
  ForeignCursorError,
  formatVersion,
  ReplicationCursorError,
  VersionInFutureError,
} from '../../lambdas/core/index.js';
import type { Change, MemoryRecord } from '../../lambdas/ports/index.js';
import { createReplica, type TestReplica } from '../replication/support/replica.js';

const AGENT = 'agent-f';
const BASE_MS = Date.now() - 60_000;

function memory(id: string, ms: number, nodeId: string, deleted = false): Change {
  const at = new Date(BASE_MS + ms).toISOString();
  const record: MemoryRecord = {
    agentId: AGENT,
    id,
    userId: null,
    sessionId: null,
    key: null,
    content: deleted ? '' : `text of ${id}`,
    value: null,
    metadata: {},
    createdAt: at,
    updatedAt: at,
    expiresAt: null,
    version: formatVersion({ wallMs: BASE_MS + ms, counter: 0, nodeId }),
    deleted,
  };
  return { kind: 'memory', record };
}

function file(name: string, size: number, ms: number): Change {
  const content = new Uint8Array(Buffer.alloc(size, 'x'));
  const at = new Date(BASE_MS + ms).toISOString();
  const stored = {
    agentId: AGENT,
    name,
    contentType: 'application/octet-stream',
    size,
    sha256: createHash('sha256').update(content).digest('hex'),
    createdAt: at,
    updatedAt: at,
    version: formatVersion({ wallMs: BASE_MS + ms, counter: 0, nodeId: 'node-f' }),
    deleted: false,
  };
  return { kind: 'file', file: stored, content };
}

const idsOf = (entries: { change: Change }[]) =>
  entries.map((entry) => (entry.change.kind === 'memory' ? entry.change.record.id : '?'));

describe('change feed', () => {
  let replica: TestReplica;

  beforeEach(() => {
    replica = createReplica('node-f');
  });
  afterEach(() => replica.dispose());

  it('moves a changed entity to the end', async () => {
    await replica.service.apply([memory('r1', 1, 'node-f'), memory('r2', 2, 'node-f')]);
    await replica.service.apply([memory('r1', 3, 'node-f')]);

    const page = await replica.service.readFeed({ cursor: null, limit: 10 });

    expect(idsOf(page.entries)).toEqual(['r2', 'r1']);
    expect(page.entries.map((entry) => entry.seq)).toEqual([2, 3]);
  });

  it('resumes after the cursor of the previous page', async () => {
    await replica.service.apply(['a', 'b', 'c'].map((id, index) => memory(id, index, 'node-f')));

    const first = await replica.service.readFeed({ cursor: null, limit: 2 });
    const second = await replica.service.readFeed({ cursor: first.nextCursor, limit: 2 });

    expect(idsOf(first.entries)).toEqual(['a', 'b']);
    expect(first.more).toBe(true);
    expect(idsOf(second.entries)).toEqual(['c']);
    expect(second.more).toBe(false);
  });

  it('serves the current state of an entity', async () => {
    await replica.service.apply([memory('r1', 1, 'node-f'), memory('r1', 2, 'node-f', true)]);

    const page = await replica.service.readFeed({ cursor: null, limit: 10 });
    const change = page.entries[0]?.change;

    expect(page.entries).toHaveLength(1);
    expect(change?.kind).toBe('memory');
    expect(change?.kind === 'memory' ? change.record.deleted : null).toBe(true);
  });

  it('ends a page before the content budget', async () => {
    await replica.service.apply([
      file('a.bin', 600, 1),
      file('b.bin', 600, 2),
      file('c.bin', 2000, 3),
    ]);

    const sizes: number[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const result = await replica.service.readFeed({ cursor, limit: 10, maxContentBytes: 1000 });
      sizes.push(result.entries.length);
      cursor = result.nextCursor;
      if (!result.more) break;
    }

    expect(sizes).toEqual([1, 1, 1]);
  });

  it('leaves out the peer and records its position', async () => {
    await replica.service.apply([memory('mine', 1, 'node-f'), memory('theirs', 2, 'node-g')]);
    const first = await replica.service.readFeed({ cursor: null, limit: 10, peer: 'node-g' });

    await replica.service.readFeed({ cursor: first.nextCursor, limit: 10, peer: 'node-g' });

    expect(idsOf(first.entries)).toEqual(['mine']);
    expect(await replica.store.readState('peer-read:node-g')).toBe('2');
  });

  it('counts own changes after the drained seq as the outbox', async () => {
    await replica.service.apply([memory('own-1', 1, 'node-f'), memory('foreign', 2, 'node-g')]);
    await replica.service.apply([memory('own-2', 3, 'node-f')]);

    const before = await replica.service.outbox('upstream');
    await replica.service.writeDrainedSeq('upstream', 1);
    const after = await replica.service.outbox('upstream');

    expect(before).toEqual({ pending: 2, drainedSeq: 0, headSeq: 3 });
    expect(after.pending).toBe(1);
  });

  it('rejects a version far ahead before applying anything', async () => {
    const ahead = memory('late', 3_600_000 * 2, 'node-g');

    await expect(replica.service.apply([memory('early', 1, 'node-g'), ahead])).rejects.toThrow(
      VersionInFutureError,
    );
    expect(await replica.store.headSeq()).toBe(0);
  });

  it('observes applied versions into the clock', async () => {
    const remote = memory('remote', 120_000, 'node-g');
    await replica.service.apply([remote]);

    const next = replica.clock.now();

    expect(next > (remote.kind === 'memory' ? remote.record.version : '')).toBe(true);
  });
});

describe('feed cursor', () => {
  const feedId = '0123456789abcdef';

  it('round-trips a seq', () => {
    expect(decodeFeedCursor(encodeFeedCursor(feedId, 42), feedId)).toBe(42);
  });

  it.each(['', '42', 'zz.1', `${feedId}.-1`, `${feedId}.01`, `${feedId}.1.2`])(
    'rejects "%s"',
    (cursor) => {
      expect(() => decodeFeedCursor(cursor, feedId)).toThrow(ReplicationCursorError);
    },
  );

  it('rejects a cursor of another feed', () => {
    expect(() => decodeFeedCursor('fedcba9876543210.3', feedId)).toThrow(ForeignCursorError);
  });
});
