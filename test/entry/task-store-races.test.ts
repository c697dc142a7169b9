import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createOpenSearchClient,
  deleteIndices,
  ensureIndices,
  OpenSearchGateway,
  OpenSearchTaskStore,
  type IndexNames,
} from '../../lambdas/adapters/index.js';
import { taskDocumentId, taskSource } from '../../lambdas/adapters/opensearch/task-documents.js';
import { ORPHAN_SLOT_MS, TaskSlots } from '../../lambdas/adapters/opensearch/task-slots.js';
import type { TaskCreateResult } from '../../lambdas/ports/index.js';
import { taskRecord } from '../contract/task-store.contract.js';
import { T0, versionAt } from '../contract/fixtures.js';
import {
  isMissing,
  OPENSEARCH,
  requireUrl,
  suiteTitle,
  uniqueName,
} from '../adapters/support/services.js';

// Several stores on one index stand for Lambda instances: each has its own gateway, so nothing
// but OpenSearch orders their writes.

describe.skipIf(isMissing(OPENSEARCH))(
  suiteTitle('OpenSearch task store races', OPENSEARCH),
  () => {
    const client = createOpenSearchClient({
      node: isMissing(OPENSEARCH) ? 'http://127.0.0.1:9' : requireUrl(OPENSEARCH),
    });
    const prefixes: string[] = [];
    let names: IndexNames;
    let nowMs = T0;

    const instance = () =>
      new OpenSearchTaskStore(new OpenSearchGateway({ client, names }), () => nowMs);
    const outcomes = (results: TaskCreateResult[]) =>
      results.map((result) => result.outcome).sort();

    beforeEach(async () => {
      const prefix = uniqueName('tasks');
      prefixes.push(prefix);
      names = await ensureIndices(client, { prefix, replicas: 0, refreshInterval: '100ms' });
      nowMs = T0;
    });
    afterAll(async () => {
      for (const prefix of prefixes) await deleteIndices(client, prefix);
      await client.close();
    });

    it('creates no more than the limit from concurrent instances', async () => {
      const stores = Array.from({ length: 4 }, instance);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          stores[i % stores.length]!.create(
            taskRecord({ id: `t${String(i).padStart(2, '0')}` }),
            5,
          ),
        ),
      );

      expect(outcomes(results).filter((outcome) => outcome === 'created')).toHaveLength(5);
      const page = await instance().list('agent-a', {}, { limit: 100, after: null });
      expect(page.items).toHaveLength(5);
    });

    it('creates one task for a key sent by concurrent instances', async () => {
      const stores = Array.from({ length: 4 }, instance);
      const results = await Promise.all(
        stores.map((store, i) =>
          store.create(taskRecord({ id: `t${i}`, idempotencyKey: 'k' }), 100),
        ),
      );

      expect(outcomes(results)).toEqual(['created', 'duplicate', 'duplicate', 'duplicate']);
      const ids = new Set(
        results.map((result) => (result.outcome === 'limit_reached' ? '' : result.task.id)),
      );
      expect(ids.size).toBe(1);
      const page = await instance().list('agent-a', {}, { limit: 100, after: null });
      expect(page.items.map((task) => task.id)).toEqual([...ids]);
    });

    it('finishes a creation that stopped after claiming its key', async () => {
      const pending = taskRecord({ id: 't-lost', idempotencyKey: 'k' });
      // What a create leaves when it stops between the key document and the task document.
      await new TaskSlots(new OpenSearchGateway({ client, names })).reserve(
        'agent-a',
        't-lost',
        10,
        nowMs,
      );
      await client.index({
        index: names.tasks,
        id: taskDocumentId('key', 'agent-a', 'k'),
        routing: 'agent-a',
        op_type: 'create',
        body: {
          kind: 'key',
          agent_id: 'agent-a',
          idempotency_key: 'k',
          task_id: 't-lost',
          pending_task: taskSource(pending),
        },
      });

      const repeat = await instance().create(taskRecord({ id: 't-new', idempotencyKey: 'k' }), 10);

      expect(repeat).toEqual({ outcome: 'duplicate', task: pending });
      expect(await instance().get('agent-a', 't-lost')).toEqual(pending);
      expect(await instance().get('agent-a', 't-new')).toBeNull();
    });

    it('frees the slot of a task that finishes', async () => {
      const store = instance();
      await store.create(taskRecord({ id: 't1', version: versionAt(1) }), 1);
      expect((await store.create(taskRecord({ id: 't2' }), 1)).outcome).toBe('limit_reached');

      const done = taskRecord({ id: 't1', status: 'succeeded', version: versionAt(2) });
      expect(await store.replace(done, versionAt(1))).toBe(true);
      expect((await store.create(taskRecord({ id: 't2' }), 1)).outcome).toBe('created');
    });

    it('drops the slot of a creation that never wrote its task', async () => {
      await new TaskSlots(new OpenSearchGateway({ client, names })).reserve(
        'agent-a',
        'ghost',
        1,
        nowMs,
      );
      nowMs = T0 + 1000;
      expect(await instance().create(taskRecord({ id: 't1' }), 1)).toEqual({
        outcome: 'limit_reached',
        unfinished: 1,
      });

      nowMs = T0 + ORPHAN_SLOT_MS;
      expect((await instance().create(taskRecord({ id: 't1' }), 1)).outcome).toBe('created');
    });

    it('lets one of several concurrent replaces win', async () => {
      await instance().create(taskRecord({ id: 't1', version: versionAt(1) }), 10);
      const candidates = [1, 2, 3, 4].map((attempts) =>
        taskRecord({ id: 't1', status: 'running', attempts, version: versionAt(2) }),
      );
      const applied = await Promise.all(
        candidates.map((task) => instance().replace(task, versionAt(1))),
      );

      expect(applied.filter(Boolean)).toHaveLength(1);
      const winner = candidates[applied.indexOf(true)];
      expect(await instance().get('agent-a', 't1')).toEqual(winner);
    });
  },
);
