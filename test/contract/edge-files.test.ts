import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DiskFileStore,
  FileIntegrityError,
  TEMPORARY_FILE_PREFIX,
} from '../../local-fallback/storage/index.js';
import { describeFileStoreContract, storedFile } from './file-store.contract.js';

describeFileStoreContract('local disk', async () => {
  const root = mkdtempSync(join(tmpdir(), 'happy-files-contract-'));
  return {
    store: new DiskFileStore({ root }),
    dispose: async () => rmSync(root, { recursive: true, force: true }),
  };
});

/** Lists every file under `dir` as a path relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

describe('DiskFileStore on disk', () => {
  let base: string;
  let root: string;
  let store: DiskFileStore;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'happy-files-disk-'));
    root = join(base, 'files');
    store = new DiskFileStore({ root });
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it.each(['..', '../../escape', '/etc/passwd', '..\\..\\x', 'a\u0000b', '%2e%2e'])(
    'stores %j as a hash inside the agent folder',
    async (name) => {
      const content = Buffer.from('x');
      await store.put(storedFile(name, content), content);
      const stored = filesUnder(base);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatch(/^files\/agent-a\/[0-9a-f]{64}\.file$/);
    },
  );

  it('rejects an agent id that is not a folder name', async () => {
    const content = Buffer.from('x');
    const file = storedFile('f', content, { agentId: '../agent-b' });
    await expect(store.put(file, content)).rejects.toThrow(/Invalid agent id/);
    expect(filesUnder(base)).toEqual([]);
  });

  it('leaves no temporary file after writes', async () => {
    const content = Buffer.from('x');
    await store.put(storedFile('f', content), content);
    await store.put(storedFile('f', content), content);
    expect(filesUnder(root).filter((path) => path.includes(TEMPORARY_FILE_PREFIX))).toEqual([]);
  });

  it('removes only temporary files older than the cutoff', async () => {
    const content = Buffer.from('x');
    await store.put(storedFile('f', content), content);
    const old = join(root, 'agent-a', `${TEMPORARY_FILE_PREFIX}old`);
    const fresh = join(root, 'agent-a', `${TEMPORARY_FILE_PREFIX}fresh`);
    writeFileSync(old, 'partial');
    writeFileSync(fresh, 'partial');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(old, hourAgo, hourAgo);

    expect(await store.removeTemporaryFiles(60_000)).toBe(1);
    expect(filesUnder(join(root, 'agent-a')).sort()).toEqual(
      [`${TEMPORARY_FILE_PREFIX}fresh`, expect.stringMatching(/\.file$/)].sort(),
    );
  });

  it('lists more files than one header batch', async () => {
    const names = Array.from({ length: 150 }, (_, index) => `f${String(index).padStart(3, '0')}`);
    for (const name of names)
      await store.put(storedFile(name, Buffer.from(name)), Buffer.from(name));
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await store.list('agent-a', {}, { limit: 40, after });
      seen.push(...page.items.map((file) => file.name));
      if (!page.more) break;
      after = seen.at(-1)!;
    }
    expect(seen).toEqual(names);
  });

  it('detects content that no longer matches its checksum', async () => {
    const content = Buffer.from('original');
    await store.put(storedFile('f', content), content);
    const [path] = filesUnder(root);
    const onDisk = join(root, path!);
    const bytes = readFileSync(onDisk);
    bytes[bytes.length - 1] = 0x21;
    writeFileSync(onDisk, bytes);

    await expect(store.get('agent-a', 'f')).rejects.toBeInstanceOf(FileIntegrityError);
  });
});
