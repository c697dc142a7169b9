import { describe, expect, it } from 'vitest';
import {
  formatVersion,
  PlacedTaskQueue,
  TaskPlacement,
  type TaskPlacementRole,
} from '../../lambdas/core/index.js';
import type { TaskRecord } from '../../lambdas/ports/index.js';
import {
  openDatabase,
  SqliteTaskQueue,
  SqliteTaskStore,
} from '../../local-fallback/storage/index.js';

function task(type: string, origin: string, id = 'task-1'): TaskRecord {
  const at = new Date().toISOString();
  return {
    ...{ agentId: 'agent-q', id, type, input: {}, status: 'queued', attempts: 0, maxAttempts: 3 },
    ...{ result: null, error: null, idempotencyKey: null, runAt: at, cancelRequested: false },
    ...{ leaseExpiresAt: null, createdAt: at, updatedAt: at, startedAt: null, finishedAt: null },
    version: formatVersion({ wallMs: Date.now(), counter: 0, nodeId: origin }),
  };
}

const placements: Record<TaskPlacementRole, TaskPlacement> = {
  edge: new TaskPlacement({ role: 'edge', nodeId: 'edge', cloudTaskTypes: ['http'] }),
  cloud: new TaskPlacement({ role: 'cloud', nodeId: 'cloud', cloudTaskTypes: ['http'] }),
};

describe('TaskPlacement', () => {
  it.each<[TaskPlacementRole, string, string, boolean]>([
    ['edge', 'echo', 'edge', true],
    ['edge', 'http', 'edge', false],
    ['edge', 'echo', 'cloud', false],
    ['edge', 'http', 'cloud', false],
    ['cloud', 'echo', 'cloud', true],
    ['cloud', 'http', 'cloud', true],
    ['cloud', 'http', 'edge', true],
    ['cloud', 'echo', 'edge', false],
  ])('on the %s runs a %s task written by %s: %s', (role, type, origin, expected) => {
    expect(placements[role].runsHere(task(type, origin))).toBe(expected);
  });
});

describe('PlacedTaskQueue', () => {
  it('enqueues only the tasks placed on this node', async () => {
    const db = openDatabase(':memory:');
    const store = new SqliteTaskStore(db);
    const queue = new PlacedTaskQueue(new SqliteTaskQueue(db), store, placements.edge);
    await store.create(task('echo', 'edge', 'runs-here'), 10);
    await store.create(task('http', 'edge', 'waits-for-cloud'), 10);

    await queue.enqueue({ agentId: 'agent-q', taskId: 'runs-here' }, 0);
    await queue.enqueue({ agentId: 'agent-q', taskId: 'waits-for-cloud' }, 0);
    await queue.enqueue({ agentId: 'agent-q', taskId: 'missing' }, 0);
    const received = await queue.receive(10, 1000);

    expect(received.map((message) => message.taskId)).toEqual(['runs-here']);
    db.close();
  });
});
