import { describe, expect, it } from 'vitest';
import type { ReplicationService } from '../../lambdas/core/index.js';
import type { AppLogger } from '../../lambdas/ports/index.js';
import { ReplicationMonitor } from '../../local-fallback/replication/monitor.js';
import type { ReplicationPeerClient } from '../../local-fallback/replication/peer-client.js';
import { Replicator } from '../../local-fallback/replication/replicator.js';
import { eventually } from '../adapters/support/wait.js';

interface LogLine {
  readonly level: 'info' | 'warn';
  readonly message: string;
}

/** Creates a replicator whose upstream rejects every call while `state.reachable` is false. */
function replicatorWithUpstream(state: { reachable: boolean }) {
  const lines: LogLine[] = [];
  const record = (level: LogLine['level']) => (message: string) => lines.push({ level, message });
  const logger = {
    debug: () => undefined,
    info: record('info'),
    warn: record('warn'),
    error: () => undefined,
  } as unknown as AppLogger;
  const rejectConnection = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9'));
  const upstream = {
    readChanges: () =>
      state.reachable
        ? Promise.resolve({ changes: [], nextCursor: 'c1', more: false, feedId: 'feed' })
        : rejectConnection(),
    apply: rejectConnection,
  } as unknown as ReplicationPeerClient;
  const service = {
    nodeId: 'edge',
    readPullCursor: () => Promise.resolve(null),
    writePullCursor: () => Promise.resolve(),
    readDrainedSeq: () => Promise.resolve(0),
    readOutbox: () => Promise.resolve({ entries: [], nextSeq: 0, more: false }),
  } as unknown as ReplicationService;
  const replicator = new Replicator({
    service,
    upstream,
    monitor: new ReplicationMonitor(),
    logger,
    pullIdleMs: 10,
    maxBackoffMs: 20,
  });
  return { replicator, lines };
}

describe('Replicator logs', () => {
  it('reports an unreached upstream at start as info', async () => {
    const { replicator, lines } = replicatorWithUpstream({ reachable: false });
    replicator.start();
    try {
      await eventually(() =>
        expect(lines.some((line) => line.message.includes('Upstream'))).toBe(true),
      );
    } finally {
      await replicator.stop();
    }

    expect(lines.filter((line) => line.level === 'warn')).toEqual([]);
    expect(lines).toContainEqual({
      level: 'info',
      message: 'Upstream not reached yet; retrying with backoff.',
    });
  });

  it('warns when a reached upstream fails', async () => {
    const state = { reachable: true };
    const { replicator, lines } = replicatorWithUpstream(state);
    replicator.start();
    try {
      await eventually(() =>
        expect(lines.some((line) => line.message === 'Replication started.')).toBe(true),
      );
      // Let one pull succeed, then cut the upstream off.
      await new Promise((resolve) => setTimeout(resolve, 100));
      state.reachable = false;
      await eventually(() => expect(lines.some((line) => line.level === 'warn')).toBe(true));
    } finally {
      await replicator.stop();
    }

    expect(lines).toContainEqual({
      level: 'warn',
      message: 'Replication call failed; retrying with backoff.',
    });
  });
});
