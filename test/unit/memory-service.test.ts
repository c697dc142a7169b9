import { beforeEach, describe, expect, it } from 'vitest';
import {
  createIdGenerator,
  HybridLogicalClock,
  LimitExceededError,
  MemoryService,
  RequestValidationError,
  ResourceNotFoundError,
} from '../../lambdas/core/index.js';
import { openDatabase } from '../../local-fallback/storage/database.js';
import { SqliteMemoryStore } from '../../local-fallback/storage/index.js';

describe('MemoryService', () => {
  let now: number;
  let memory: MemoryService;

  beforeEach(() => {
    now = Date.parse('2026-06-01T12:00:00Z');
    const store = new SqliteMemoryStore(openDatabase(':memory:'));
    const clock = new HybridLogicalClock('test', () => now);
    memory = new MemoryService({ store, clock, ids: createIdGenerator(), now: () => now });
  });

  it('adds a record with a generated id and a version', async () => {
    const { record, created } = await memory.add('a', 10, { userId: 'demo', content: 'hello' });
    expect(created).toBe(true);
    expect(record.id).toMatch(/^[0-9A-Z]{26}$/);
    expect(record.version).toMatch(/^\d{15}\.\d{6}\.test$/);
  });

  it('replaces the record with the same key and keeps its id', async () => {
    const first = await memory.add('a', 10, { key: 'colour', value: 'blue' });
    now += 1000;
    const second = await memory.add('a', 10, { key: 'colour', value: 'green' });
    expect(second.created).toBe(false);
    expect(second.record.id).toBe(first.record.id);
    expect(second.record.createdAt).toBe(first.record.createdAt);
    expect((await memory.getByKey('a', 'colour')).value).toBe('green');
  });

  it('derives the id from an idempotency key', async () => {
    // A second node: its own store and clock, as the edge behind the cloud.
    const other = new MemoryService({
      store: new SqliteMemoryStore(openDatabase(':memory:')),
      clock: new HybridLogicalClock('other', () => now),
      ids: createIdGenerator(),
      now: () => now,
    });
    const input = { userId: 'demo', content: 'hello' };

    const onFirstNode = await memory.add('a', 10, input, 'key-1');
    const onOtherNode = await other.add('a', 10, input, 'key-1');
    const otherKey = await memory.add('a', 10, input, 'key-2');
    const otherAgent = await memory.add('b', 10, input, 'key-1');

    expect(onFirstNode.record.id).toMatch(/^k[0-9a-f]{32}$/);
    expect(onOtherNode.record.id).toBe(onFirstNode.record.id);
    expect(otherKey.record.id).not.toBe(onFirstNode.record.id);
    expect(otherAgent.record.id).not.toBe(onFirstNode.record.id);
  });

  it('returns the current record for a repeated key', async () => {
    const first = await memory.add('a', 10, { content: 'first' }, 'key-1');
    now += 1000;
    await memory.putById('a', first.record.id, 10, { content: 'changed' });

    const again = await memory.add('a', 10, { content: 'first' }, 'key-1');

    expect(again.created).toBe(false);
    expect(again.record.content).toBe('changed');
  });

  it('keeps a later write over a late repeat elsewhere', async () => {
    const otherStore = new SqliteMemoryStore(openDatabase(':memory:'));
    const other = new MemoryService({
      store: otherStore,
      clock: new HybridLogicalClock('other', () => now),
      ids: createIdGenerator(),
      now: () => now,
    });
    // The edge created the record after the router gave up on the cloud, then took an update.
    const created = await memory.add('a', 10, { content: 'first' }, 'key-1');
    now += 1000;
    const updated = await memory.putById('a', created.record.id, 10, { content: 'changed' });
    // The cloud runs the original request 20 s late, then receives the edge's writes.
    now += 20_000;
    const late = await other.add('a', 10, { content: 'first' }, 'key-1');
    await otherStore.put(updated.record);

    expect(late.record.id).toBe(created.record.id);
    expect(late.record.version < updated.record.version).toBe(true);
    expect((await other.get('a', created.record.id)).content).toBe('changed');
  });

  it('rejects a repeated key whose record was deleted', async () => {
    const { record } = await memory.add('a', 10, { content: 'first' }, 'key-1');
    now += 1000;
    await memory.delete('a', record.id);

    await expect(memory.add('a', 10, { content: 'first' }, 'key-1')).rejects.toMatchObject({
      code: 'idempotency_key_reused',
    });
  });

  it('indexes the text form of a structured value', async () => {
    const { record } = await memory.add('a', 10, { key: 'k', value: { city: 'Oslo' } });
    expect(record.content).toBe('{"city":"Oslo"}');
  });

  it('rejects a new record over the quota', async () => {
    await memory.add('a', 1, { content: 'one' });
    await expect(memory.add('a', 1, { content: 'two' })).rejects.toBeInstanceOf(LimitExceededError);
  });

  it('allows replacing a record at the quota', async () => {
    await memory.add('a', 1, { key: 'k', content: 'one' });
    await expect(memory.add('a', 1, { key: 'k', content: 'two' })).resolves.toBeDefined();
  });

  it('hides a record after its time to live', async () => {
    const { record } = await memory.add('a', 10, { content: 'brief', ttlSeconds: 60 });
    now += 59_000;
    expect((await memory.get('a', record.id)).content).toBe('brief');
    now += 1_000;
    await expect(memory.get('a', record.id)).rejects.toBeInstanceOf(ResourceNotFoundError);
  });

  it('deletes a record so it is no longer found', async () => {
    const { record } = await memory.add('a', 10, { content: 'gone soon' });
    await memory.delete('a', record.id);
    await expect(memory.get('a', record.id)).rejects.toBeInstanceOf(ResourceNotFoundError);
  });

  it('recreates a deleted id with a newer version', async () => {
    const { record } = await memory.putById('a', 'fixed-id', 10, { content: 'v1' });
    await memory.delete('a', 'fixed-id');
    const again = await memory.putById('a', 'fixed-id', 10, { content: 'v2' });
    expect(again.created).toBe(true);
    expect(again.record.version > record.version).toBe(true);
  });

  it('pages through records with cursors', async () => {
    for (let i = 0; i < 5; i += 1) await memory.add('a', 10, { content: `record ${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await memory.list('a', {}, 2, cursor);
      seen.push(...page.items.map((record) => record.content));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(['record 0', 'record 1', 'record 2', 'record 3', 'record 4']);
  });

  it('rejects a cursor it did not issue', async () => {
    await expect(memory.list('a', {}, 2, 'bm90LWEtY3Vyc29y')).rejects.toBeInstanceOf(
      RequestValidationError,
    );
  });
});
