import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileStore, StoredFile } from '../../lambdas/ports/index.js';
import { T0, versionAt } from './fixtures.js';

/** A fresh, empty store and a way to dispose of it. */
export interface FileStoreFixture {
  readonly store: FileStore;
  dispose(): Promise<void>;
}

/** Builds the metadata of `content` stored as `name`, with defaults for every other field. */
export function storedFile(
  name: string,
  content: Uint8Array,
  overrides: Partial<StoredFile> = {},
): StoredFile {
  return {
    agentId: 'agent-a',
    name,
    contentType: 'application/octet-stream',
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    version: versionAt(1),
    deleted: false,
    ...overrides,
  };
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

/** The behaviour every {@link FileStore} adapter must show. */
export function describeFileStoreContract(
  adapter: string,
  create: () => Promise<FileStoreFixture>,
): void {
  describe(`FileStore contract: ${adapter}`, () => {
    let fixture: FileStoreFixture;
    let store: FileStore;
    const put = (name: string, content: Uint8Array, overrides: Partial<StoredFile> = {}) =>
      store.put(storedFile(name, content, overrides), content);
    const names = async (prefix?: string) =>
      (await store.list('agent-a', { prefix }, { limit: 100, after: null })).items.map(
        (file) => file.name,
      );

    beforeEach(async () => {
      fixture = await create();
      store = fixture.store;
    });
    afterEach(async () => fixture.dispose());

    it('returns stored bytes and metadata unchanged', async () => {
      const content = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a, 0x0d, 0]);
      const file = storedFile('data.bin', content, { contentType: 'image/png' });
      expect(await store.put(file, content)).toEqual({ applied: true, current: file });

      const read = await store.get('agent-a', 'data.bin');
      expect(read?.file).toEqual(file);
      expect(Buffer.from(read!.content).equals(content)).toBe(true);
    });

    it('stores an empty file', async () => {
      await put('empty.txt', new Uint8Array(0));
      expect((await store.get('agent-a', 'empty.txt'))?.content).toHaveLength(0);
    });

    it('returns metadata without content from head', async () => {
      const file = storedFile('notes.txt', bytes('hello'));
      await store.put(file, bytes('hello'));
      expect(await store.head('agent-a', 'notes.txt')).toEqual(file);
    });

    it('returns null for an unknown name', async () => {
      expect(await store.get('agent-a', 'missing')).toBeNull();
      expect(await store.head('agent-a', 'missing')).toBeNull();
    });

    it('replaces a file with a newer version', async () => {
      await put('f', bytes('old'), { version: versionAt(1) });
      await put('f', bytes('new'), { version: versionAt(2) });
      expect(Buffer.from((await store.get('agent-a', 'f'))!.content).toString()).toBe('new');
    });

    it('keeps a newer version when an older one arrives later', async () => {
      await put('f', bytes('new'), { version: versionAt(5) });
      const late = await put('f', bytes('old'), { version: versionAt(2) });
      expect(late.applied).toBe(false);
      expect(late.current.version).toBe(versionAt(5));
      expect(Buffer.from((await store.get('agent-a', 'f'))!.content).toString()).toBe('new');
    });

    it('ignores a repeated write of the same version', async () => {
      await put('f', bytes('one'), { version: versionAt(3) });
      expect((await put('f', bytes('two'), { version: versionAt(3) })).applied).toBe(false);
    });

    it('hides a tombstone from reads and lists', async () => {
      await put('f', bytes('x'), { version: versionAt(1) });
      await put('f', new Uint8Array(0), { version: versionAt(2), deleted: true });
      expect(await store.get('agent-a', 'f')).toBeNull();
      expect(await store.head('agent-a', 'f')).toBeNull();
      expect(await names()).toEqual([]);
    });

    it('keeps a tombstone against an older write', async () => {
      await put('f', new Uint8Array(0), { version: versionAt(5), deleted: true });
      expect((await put('f', bytes('late'), { version: versionAt(4) })).applied).toBe(false);
      expect(await store.get('agent-a', 'f')).toBeNull();
    });

    it('keeps agents apart', async () => {
      await put('shared.txt', bytes('a'), { agentId: 'agent-a' });
      expect(await store.get('agent-b', 'shared.txt')).toBeNull();
      expect(await store.head('agent-b', 'shared.txt')).toBeNull();
      const page = await store.list('agent-b', {}, { limit: 10, after: null });
      expect(page.items).toEqual([]);
    });

    it('lists in name order with pages', async () => {
      for (const name of ['c', 'a', 'b']) await put(name, bytes(name));
      const first = await store.list('agent-a', {}, { limit: 2, after: null });
      expect(first.items.map((file) => file.name)).toEqual(['a', 'b']);
      expect(first.more).toBe(true);
      const second = await store.list('agent-a', {}, { limit: 2, after: 'b' });
      expect(second.items.map((file) => file.name)).toEqual(['c']);
      expect(second.more).toBe(false);
    });

    it('treats a prefix literally', async () => {
      for (const name of ['a%b', 'axb', 'a_c', 'report.txt']) await put(name, bytes(name));
      expect(await names('a%')).toEqual(['a%b']);
      expect(await names('a_')).toEqual(['a_c']);
      expect(await names('rep')).toEqual(['report.txt']);
    });

    it('keeps names that differ only in case apart', async () => {
      await put('Readme', bytes('upper'));
      await put('readme', bytes('lower'));
      expect(await names()).toEqual(['Readme', 'readme']);
      expect(Buffer.from((await store.get('agent-a', 'Readme'))!.content).toString()).toBe('upper');
    });

    it('keeps the newest of concurrent writes whole', async () => {
      const writes = Array.from({ length: 20 }, (_, index) => {
        const content = Buffer.alloc(64 * 1024, index);
        return put('busy.bin', content, { version: versionAt(index + 1) });
      });
      await Promise.all(writes);
      const read = await store.get('agent-a', 'busy.bin');
      expect(read?.file.version).toBe(versionAt(20));
      expect(Buffer.from(read!.content).equals(Buffer.alloc(64 * 1024, 19))).toBe(true);
    });
  });
}
