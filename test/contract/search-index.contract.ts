import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryStore, SearchIndex, SearchQuery } from '../../lambdas/ports/index.js';
import { memoryRecord, searchDocument, T0, versionAt } from './fixtures.js';

/** A fresh, empty index with the memory store of the same backend. */
export interface SearchIndexFixture {
  readonly index: SearchIndex;
  readonly store: MemoryStore;
  dispose(): Promise<void>;
}

const BASE: SearchQuery = {
  agentId: 'agent-a',
  text: '',
  limit: 10,
  highlight: false,
  nowMs: T0,
};

/** The behaviour every {@link SearchIndex} adapter must show. */
export function describeSearchIndexContract(
  adapter: string,
  create: () => Promise<SearchIndexFixture>,
): void {
  describe(`SearchIndex contract: ${adapter}`, () => {
    let fixture: SearchIndexFixture;
    const search = (query: Partial<SearchQuery>) => fixture.index.search({ ...BASE, ...query });
    const ids = async (query: Partial<SearchQuery>) => (await search(query)).map((hit) => hit.id);

    beforeEach(async () => {
      fixture = await create();
    });
    afterEach(async () => fixture.dispose());

    it('finds a memory record once its put resolves', async () => {
      await fixture.store.put(
        memoryRecord({ id: 'm1', content: 'Caroline went to a support group' }),
      );
      const hits = await search({ text: 'support group' });
      expect(hits.map((hit) => hit.id)).toEqual(['m1']);
      expect(hits[0]?.kind).toBe('memory');
    });

    it('finds an indexed document', async () => {
      await fixture.index.indexDocuments([
        searchDocument({ id: 'd1', content: 'Pottery class on Sunday' }),
      ]);
      const hits = await search({ text: 'pottery' });
      expect(hits.map((hit) => [hit.id, hit.kind])).toEqual([['d1', 'document']]);
    });

    it('ranks the more relevant text first', async () => {
      await fixture.store.put(
        memoryRecord({
          id: 'weak',
          content: 'a long note that mentions painting once among many other words here',
        }),
      );
      await fixture.store.put(
        memoryRecord({ id: 'strong', content: 'painting painting painting' }),
      );
      await fixture.store.put(memoryRecord({ id: 'none', content: 'nothing relevant at all' }));
      const hits = await search({ text: 'painting' });
      expect(hits.map((hit) => hit.id)).toEqual(['strong', 'weak']);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    });

    it('matches any of several terms', async () => {
      await fixture.store.put(memoryRecord({ id: 'm1', content: 'camping trip' }));
      await fixture.store.put(memoryRecord({ id: 'm2', content: 'hiking boots' }));
      expect((await ids({ text: 'camping hiking' })).sort()).toEqual(['m1', 'm2']);
    });

    it('matches word forms by stemming', async () => {
      await fixture.store.put(memoryRecord({ id: 'm1', content: 'She was running every morning' }));
      expect(await ids({ text: 'runs' })).toEqual(['m1']);
    });

    it('treats query syntax as plain text', async () => {
      await fixture.store.put(memoryRecord({ id: 'm1', content: 'plain words' }));
      await expect(search({ text: 'plain" OR content:* NEAR(' })).resolves.toBeDefined();
      expect(await ids({ text: '"plain' })).toEqual(['m1']);
    });

    it('returns nothing for a query without terms', async () => {
      await fixture.store.put(memoryRecord({ id: 'm1', content: 'words' }));
      expect(await ids({ text: '?! ...' })).toEqual([]);
    });

    it('keeps agents apart', async () => {
      await fixture.store.put(
        memoryRecord({ id: 'm1', agentId: 'agent-b', content: 'secret plans' }),
      );
      await fixture.index.indexDocuments([
        searchDocument({ id: 'd1', agentId: 'agent-b', content: 'secret doc' }),
      ]);
      expect(await ids({ text: 'secret' })).toEqual([]);
      expect(await ids({ text: 'secret', agentId: 'agent-b' })).toHaveLength(2);
    });

    it('filters by user, session and metadata', async () => {
      await fixture.store.put(
        memoryRecord({
          id: 'm1',
          content: 'tea',
          userId: 'u1',
          sessionId: 's1',
          metadata: { mood: 'calm', n: 1 },
        }),
      );
      await fixture.store.put(
        memoryRecord({
          id: 'm2',
          content: 'tea',
          userId: 'u2',
          sessionId: 's2',
          metadata: { mood: 'busy', n: 2 },
        }),
      );
      expect(await ids({ text: 'tea', userId: 'u2' })).toEqual(['m2']);
      expect(await ids({ text: 'tea', sessionId: 's1' })).toEqual(['m1']);
      expect(await ids({ text: 'tea', metadata: { mood: 'calm' } })).toEqual(['m1']);
      expect(await ids({ text: 'tea', metadata: { n: 2 } })).toEqual(['m2']);
      expect(await ids({ text: 'tea', metadata: { n: '2' } })).toEqual([]);
    });

    it('filters by creation time, from inclusive and to exclusive', async () => {
      const at = (ms: number) => new Date(T0 + ms).toISOString();
      await fixture.store.put(memoryRecord({ id: 'm1', content: 'jazz', createdAt: at(0) }));
      await fixture.store.put(memoryRecord({ id: 'm2', content: 'jazz', createdAt: at(1000) }));
      expect(await ids({ text: 'jazz', createdFrom: at(1000) })).toEqual(['m2']);
      expect(await ids({ text: 'jazz', createdTo: at(1000) })).toEqual(['m1']);
    });

    it('leaves out deleted and expired records', async () => {
      await fixture.store.put(memoryRecord({ id: 'm1', content: 'violin', version: versionAt(1) }));
      await fixture.store.put(
        memoryRecord({ id: 'm1', content: 'violin', version: versionAt(2), deleted: true }),
      );
      await fixture.store.put(
        memoryRecord({ id: 'm2', content: 'violin', expiresAt: new Date(T0).toISOString() }),
      );
      expect(await ids({ text: 'violin' })).toEqual([]);
    });

    it('searches the replaced text of an updated record', async () => {
      await fixture.store.put(
        memoryRecord({ id: 'm1', content: 'old guitar', version: versionAt(1) }),
      );
      await fixture.store.put(
        memoryRecord({ id: 'm1', content: 'new piano', version: versionAt(2) }),
      );
      expect(await ids({ text: 'guitar' })).toEqual([]);
      expect(await ids({ text: 'piano' })).toEqual(['m1']);
    });

    it('honours the limit', async () => {
      for (let i = 0; i < 5; i += 1)
        await fixture.store.put(memoryRecord({ id: `m${i}`, content: 'beach' }));
      expect(await ids({ text: 'beach', limit: 3 })).toHaveLength(3);
    });

    it('highlights matched terms on request', async () => {
      await fixture.store.put(
        memoryRecord({ id: 'm1', content: 'We adopted a puppy named Oscar' }),
      );
      const [plain] = await search({ text: 'puppy' });
      const [highlighted] = await search({ text: 'puppy', highlight: true });
      expect(plain?.highlights).toBeUndefined();
      expect(highlighted?.highlights?.join(' ')).toContain('<em>puppy</em>');
    });

    it('keeps a newer document against an older one', async () => {
      await fixture.index.indexDocuments([
        searchDocument({ id: 'd1', content: 'newer text', version: versionAt(5) }),
      ]);
      await fixture.index.indexDocuments([
        searchDocument({ id: 'd1', content: 'older text', version: versionAt(2) }),
      ]);
      expect(await ids({ text: 'older' })).toEqual([]);
      expect(await ids({ text: 'newer' })).toEqual(['d1']);
    });
  });
}
