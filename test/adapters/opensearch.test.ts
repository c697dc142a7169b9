import type { Client } from '@opensearch-project/opensearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOpenSearchClient,
  deleteIndices,
  ensureIndices,
  OpenSearchGateway,
  OpenSearchHealthProbe,
  OpenSearchMemoryStore,
  OpenSearchSearchIndex,
  type IndexNames,
} from '../../lambdas/adapters/index.js';
import { openDatabase } from '../../local-fallback/storage/database.js';
import { SqliteMemoryStore, SqliteSearchIndex } from '../../local-fallback/storage/index.js';
import type { Metadata, SearchQuery } from '../../lambdas/ports/index.js';
import { memoryRecord, searchDocument, T0, versionAt } from '../contract/fixtures.js';
import { isMissing, OPENSEARCH, requireUrl, suiteTitle, uniqueName } from './support/services.js';

describe.skipIf(isMissing(OPENSEARCH))(suiteTitle('OpenSearch adapters', OPENSEARCH), () => {
  let client: Client;
  let prefix: string;
  let names: IndexNames;
  let gateway: OpenSearchGateway;

  beforeAll(async () => {
    client = createOpenSearchClient({ node: requireUrl(OPENSEARCH) });
    prefix = uniqueName('adapters');
    names = await ensureIndices(client, { prefix, replicas: 0, refreshInterval: '100ms' });
    gateway = new OpenSearchGateway({ client, names });
  });

  afterAll(async () => {
    await deleteIndices(client, prefix);
    await client.close();
  });

  describe('ensureIndices', () => {
    it('runs again and concurrently without error', async () => {
      const runs = [1, 2, 3].map(() => ensureIndices(client, { prefix, replicas: 0 }));

      await expect(Promise.all(runs)).resolves.toHaveLength(3);
    });

    it('points each alias at one write index', async () => {
      const response = await client.indices.getAlias({ name: names.records });

      expect(Object.keys(response.body)).toEqual([`${names.records}-000001`]);
    });

    it.each([
      ['stems like Porter', 'running', ['run']],
      ['folds diacritics', 'Café', ['cafe']],
      ['drops English stop words', 'the and of', []],
      ['drops possessives', "Caroline's", ['carolin']],
    ])('analyzes content: %s', async (_name, text, tokens) => {
      const response = await client.indices.analyze({
        index: names.records,
        body: { field: 'content', text },
      });

      expect(response.body.tokens?.map((token) => token.token)).toEqual(tokens);
    });

    it('rejects a field outside the mapping', async () => {
      const write = client.index({
        index: names.records,
        id: 'stray',
        body: { kind: 'memory', unexpected: 'x' },
      });

      await expect(write).rejects.toThrow(/strict_dynamic_mapping_exception/);
    });
  });

  describe('tenant isolation', () => {
    beforeAll(async () => {
      const store = new OpenSearchMemoryStore(gateway);
      await store.put(memoryRecord({ id: 'iso-1', agentId: 'tenant-a', content: 'alpha' }));
      await store.put(memoryRecord({ id: 'iso-1', agentId: 'tenant-b', content: 'beta' }));
    });

    it('confines a match-all query to the agent', async () => {
      const hits = await gateway.searchRecords('tenant-a', {
        query: { bool: { should: [{ match_all: {} }, { term: { agent_id: 'tenant-b' } }] } },
      });

      expect(hits.hits.map((hit) => (hit._source as { agent_id: string }).agent_id)).toEqual([
        'tenant-a',
      ]);
    });

    it('keeps two agents records with one id apart', async () => {
      const store = new OpenSearchMemoryStore(gateway);

      expect((await store.get('tenant-a', 'iso-1', T0))?.content).toBe('alpha');
      expect((await store.get('tenant-b', 'iso-1', T0))?.content).toBe('beta');
    });

    it('routes each record by its agent id', async () => {
      const response = await client.get({
        index: names.records,
        id: 'memory|tenant-b|iso-1',
        routing: 'tenant-b',
      });

      expect(response.body._routing).toBe('tenant-b');
    });
  });

  describe('last-writer-wins under concurrency', () => {
    it('keeps the newest of concurrent writes to one record', async () => {
      const store = new OpenSearchMemoryStore(gateway);
      const steps = [3, 9, 1, 7, 5, 8, 2, 6, 4];

      const results = await Promise.all(
        steps.map((step) =>
          store.put(memoryRecord({ id: 'race', content: `v${step}`, version: versionAt(step) })),
        ),
      );

      expect((await store.get('agent-a', 'race', T0))?.content).toBe('v9');
      expect(results[steps.indexOf(9)]?.applied).toBe(true);
      for (const [i, result] of results.entries()) {
        if (!result.applied) expect(result.current.version >= versionAt(steps[i]!)).toBe(true);
      }
    });

    it('keeps the newest version of an id repeated in one bulk', async () => {
      const index = new OpenSearchSearchIndex(gateway);

      await index.indexDocuments([
        searchDocument({ id: 'dup', content: 'first lantern', version: versionAt(1) }),
        searchDocument({ id: 'dup', content: 'third lantern', version: versionAt(3) }),
        searchDocument({ id: 'dup', content: 'second lantern', version: versionAt(2) }),
      ]);
      const hits = await index.search(searchQuery({ text: 'lantern' }));

      expect(hits.map((hit) => hit.content)).toEqual(['third lantern']);
    });
  });

  describe('health probe', () => {
    it('passes when a document reads back', async () => {
      const result = await new OpenSearchHealthProbe(gateway, 'probe-test').check();

      expect(result.status).toBe('pass');
    });

    it('passes concurrent checks of several instances', async () => {
      // Two instances of one node write the same probe document, as Lambda instances do.
      const instances = [
        new OpenSearchHealthProbe(gateway, 'shared'),
        new OpenSearchHealthProbe(gateway, 'shared'),
      ];

      const results = await Promise.all(
        Array.from({ length: 12 }, (_, index) => instances[index % 2]!.check()),
      );

      expect(results.map((result) => result.status)).toEqual(Array(12).fill('pass'));
    });

    it('fails when the health index rejects writes', async () => {
      const index = `${names.health}-000001`;
      await client.indices.putSettings({ index, body: { 'index.blocks.write': true } });

      const result = await new OpenSearchHealthProbe(gateway, 'blocked').check();
      await client.indices.putSettings({ index, body: { 'index.blocks.write': false } });

      expect(result.status).toBe('fail');
      expect(result.detail).toBe('request failed: ResponseError');
    });
  });
});

describe.skipIf(isMissing(OPENSEARCH))(
  suiteTitle('OpenSearch metadata filters match the edge', OPENSEARCH),
  () => {
    const stored: Record<string, Metadata> = {
      m1: { mood: 'calm', n: 2, ok: true },
      m2: { mood: 'busy', n: '2', ok: false },
      m3: { n: 1, ratio: 1.5 },
      m4: { 'a.b': 'dotted', empty: '' },
    };
    const filters: [string, Metadata][] = [
      ['a string', { mood: 'calm' }],
      ['a number', { n: 2 }],
      ['a numeric string', { n: '2' }],
      ['true', { ok: true }],
      ['false', { ok: false }],
      ['one, which the edge equates with true', { n: 1 }],
      ['true against the number one', { n: true }],
      ['a fraction', { ratio: 1.5 }],
      ['a dotted key', { 'a.b': 'dotted' }],
      ['an empty string', { empty: '' }],
      ['two fields', { mood: 'busy', ok: false }],
      ['a missing field', { nothing: 'x' }],
    ];
    let client: Client;
    let prefix: string;
    let cloud: OpenSearchSearchIndex;
    let edge: SqliteSearchIndex;

    beforeAll(async () => {
      client = createOpenSearchClient({ node: requireUrl(OPENSEARCH) });
      prefix = uniqueName('metadata');
      const names = await ensureIndices(client, { prefix, replicas: 0, refreshInterval: '100ms' });
      const gateway = new OpenSearchGateway({ client, names });
      const db = openDatabase(':memory:');
      cloud = new OpenSearchSearchIndex(gateway);
      edge = new SqliteSearchIndex(db);
      for (const [id, metadata] of Object.entries(stored)) {
        const record = memoryRecord({ id, content: 'shared words', metadata });
        await new OpenSearchMemoryStore(gateway).put(record);
        await new SqliteMemoryStore(db).put(record);
      }
    });

    afterAll(async () => {
      await deleteIndices(client, prefix);
      await client.close();
    });

    it.each(filters)('matches %s as SQLite does', async (_name, metadata) => {
      const query = searchQuery({ text: 'shared', metadata });
      const ids = async (index: { search(q: SearchQuery): Promise<{ id: string }[]> }) =>
        (await index.search(query)).map((hit) => hit.id).sort();

      expect(await ids(cloud)).toEqual(await ids(edge));
    });
  },
);

function searchQuery(overrides: Partial<SearchQuery>): SearchQuery {
  return { agentId: 'agent-a', text: '', limit: 10, highlight: false, nowMs: T0, ...overrides };
}
