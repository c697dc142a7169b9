import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { HybridLogicalClock } from '../../../lambdas/core/index.js';
import type { Change, MemoryRecord, TaskStatus } from '../../../lambdas/ports/index.js';

/** Agent that owns every generated record. */
export const AGENT_ID = 'agent-p';

/** One write a node makes: what it writes, and how far its wall clock moved before. */
export interface Write {
  readonly node: 'node-a' | 'node-b';
  /** Milliseconds the node's wall clock advances first; 0 often gives equal times. */
  readonly advanceMs: number;
  readonly target:
    | { readonly kind: 'memory'; readonly id: string; readonly deleted: boolean }
    | { readonly kind: 'document'; readonly id: string }
    | { readonly kind: 'agent' }
    | { readonly kind: 'task'; readonly id: string; readonly status: TaskStatus }
    | { readonly kind: 'file'; readonly name: string; readonly deleted: boolean };
  readonly text: string;
}

const nodeArbitrary = fc.constantFrom<Write['node']>('node-a', 'node-b');
const textArbitrary = fc.string({ maxLength: 12 });
const memoryTarget = fc.record({
  kind: fc.constant('memory' as const),
  id: fc.constantFrom('r1', 'r2', 'r3'),
  deleted: fc.boolean(),
});
const recordTargets = fc.oneof(
  { weight: 4, arbitrary: memoryTarget },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('document' as const),
      id: fc.constantFrom('d1', 'd2'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('agent' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('task' as const),
      id: fc.constantFrom('t1', 't2'),
      status: fc.constantFrom<TaskStatus>('queued', 'running', 'succeeded', 'cancelled'),
    }),
  },
);
const fileTarget = fc.record({
  kind: fc.constant('file' as const),
  name: fc.constantFrom('a.txt', 'b.txt'),
  deleted: fc.boolean(),
});

/** Histories of writes to a few records (memory, documents, the agent, tasks) from two nodes. */
export function recordHistories(maxLength: number): fc.Arbitrary<Write[]> {
  const write = fc.record({
    node: nodeArbitrary,
    advanceMs: fc.integer({ min: 0, max: 2 }),
    target: recordTargets,
    text: textArbitrary,
  });
  return fc.array(write, { minLength: 1, maxLength });
}

/** Histories of writes and deletes of two files from two nodes. */
export function fileHistories(maxLength: number): fc.Arbitrary<Write[]> {
  const write = fc.record({
    node: nodeArbitrary,
    advanceMs: fc.integer({ min: 0, max: 2 }),
    target: fileTarget,
    text: textArbitrary,
  });
  return fc.array(write, { minLength: 1, maxLength });
}

/**
 * Turns a history into changes, each versioned by its node's own clock. The two clocks never
 * observe each other, so writes are concurrent and versions often differ only in their node id.
 */
export function toChanges(history: readonly Write[]): Change[] {
  const wall = { 'node-a': 1_700_000_000_000, 'node-b': 1_700_000_000_000 };
  const clocks = {
    'node-a': new HybridLogicalClock('node-a', () => wall['node-a']),
    'node-b': new HybridLogicalClock('node-b', () => wall['node-b']),
  };
  return history.map((write) => {
    wall[write.node] += write.advanceMs;
    const version = clocks[write.node].now();
    return changeOf(write, version, new Date(wall[write.node]).toISOString());
  });
}

function changeOf(write: Write, version: string, at: string): Change {
  const { target, text } = write;
  switch (target.kind) {
    case 'memory': {
      const record: MemoryRecord = {
        agentId: AGENT_ID,
        id: target.id,
        userId: target.deleted ? null : 'user-1',
        sessionId: null,
        key: null,
        content: target.deleted ? '' : `memory ${text}`,
        value: null,
        metadata: target.deleted ? {} : { writer: write.node },
        createdAt: at,
        updatedAt: at,
        expiresAt: null,
        version,
        deleted: target.deleted,
      };
      return { kind: 'memory', record };
    }
    case 'document': {
      const document = {
        agentId: AGENT_ID,
        id: target.id,
        userId: null,
        sessionId: null,
        content: `document ${text}`,
        metadata: { writer: write.node },
        createdAt: at,
        version,
      };
      return { kind: 'document', document };
    }
    case 'agent': {
      const status = text.length % 2 === 0 ? 'active' : 'disabled';
      const agent = {
        agentId: AGENT_ID,
        name: `Agent ${text}`,
        status: status as 'active' | 'disabled',
        quotas: { maxMemoryRecords: 100 + text.length },
        createdAt: at,
        updatedAt: at,
        version,
      };
      return { kind: 'agent', agent };
    }
    case 'task':
      return { kind: 'task', task: taskOf(target.id, target.status, text, version, at) };
    case 'file':
      return fileChangeOf(target.name, target.deleted, text, version, at);
  }
}

function taskOf(id: string, status: TaskStatus, text: string, version: string, at: string) {
  const finished = status === 'succeeded' || status === 'cancelled';
  return {
    agentId: AGENT_ID,
    id,
    type: 'echo',
    input: { text },
    status,
    attempts: status === 'queued' ? 0 : 1,
    maxAttempts: 3,
    result: status === 'succeeded' ? { text } : null,
    error: null,
    idempotencyKey: null,
    runAt: at,
    cancelRequested: false,
    leaseExpiresAt: status === 'running' ? at : null,
    createdAt: at,
    updatedAt: at,
    startedAt: status === 'queued' ? null : at,
    finishedAt: finished ? at : null,
    version,
  };
}

function fileChangeOf(name: string, deleted: boolean, text: string, version: string, at: string) {
  const content = new Uint8Array(Buffer.from(deleted ? '' : `file ${text}`, 'utf8'));
  const file = {
    agentId: AGENT_ID,
    name,
    contentType: 'text/plain',
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    createdAt: at,
    updatedAt: at,
    version,
    deleted,
  };
  return { kind: 'file' as const, file, content };
}

/**
 * Delivery orders of `count` changes: every change at least once, some twice or more, in any
 * order, cut into batches of 1 to 5.
 */
export function deliveries(count: number): fc.Arbitrary<number[][]> {
  const indexes = Array.from({ length: count }, (_, index) => index);
  const duplicates = fc.array(fc.integer({ min: 0, max: count - 1 }), { maxLength: count });
  return fc
    .tuple(duplicates, fc.array(fc.integer(), { minLength: 2 * count, maxLength: 2 * count }))
    .chain(([extra, keys]) => {
      const all = [...indexes, ...extra];
      const order = all
        .map((index, position) => ({ index, key: keys[position] ?? 0 }))
        .sort((a, b) => a.key - b.key)
        .map((item) => item.index);
      return fc
        .array(fc.integer({ min: 1, max: 5 }), { minLength: order.length, maxLength: order.length })
        .map((sizes) => cut(order, sizes));
    });
}

function cut(order: number[], sizes: number[]): number[][] {
  const batches: number[][] = [];
  let start = 0;
  for (const size of sizes) {
    if (start >= order.length) break;
    batches.push(order.slice(start, start + size));
    start += size;
  }
  return batches;
}
