import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatVersion } from '../../lambdas/core/index.js';
import type { StoredFile } from '../../lambdas/ports/index.js';
import {
  DiskFileStore,
  JournaledFileStore,
  openDatabase,
} from '../../local-fallback/storage/index.js';

function stored(name: string, content: Buffer, ms: number, deleted = false): StoredFile {
  const at = new Date(ms).toISOString();
  return {
    ...{ agentId: 'agent-j', name, contentType: 'text/plain', size: content.length },
    sha256: createHash('sha256').update(content).digest('hex'),
    ...{ createdAt: at, updatedAt: at, deleted },
    version: formatVersion({ wallMs: ms, counter: 0, nodeId: 'node-j' }),
  };
}

describe('JournaledFileStore', () => {
  let dir: string;
  let db: Database;
  let disk: DiskFileStore;
  let journal: JournaledFileStore;
  const logged = () =>
    db.prepare("SELECT ref_id, version FROM change_log WHERE kind = 'file' ORDER BY seq").all();
  const saveIntent = (file: StoredFile) =>
    db
      .prepare('INSERT INTO file_intents (agent_id, name, intent) VALUES (?, ?, ?)')
      .run(file.agentId, file.name, JSON.stringify(file));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'happy-journal-'));
    db = openDatabase(':memory:');
    disk = new DiskFileStore({ root: join(dir, 'files') });
    journal = new JournaledFileStore(db, disk);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs a write once it is on disk', async () => {
    const file = stored('a.txt', Buffer.from('abc'), 1000);

    await journal.put(file, Buffer.from('abc'));

    expect(logged()).toEqual([{ ref_id: 'a.txt', version: file.version }]);
    expect(db.prepare('SELECT count(*) FROM file_intents').pluck().get()).toBe(0);
  });

  it('logs nothing for an older write', async () => {
    await journal.put(stored('a.txt', Buffer.from('new'), 2000), Buffer.from('new'));

    const result = await journal.put(stored('a.txt', Buffer.from('old'), 1000), Buffer.from('old'));

    expect(result.applied).toBe(false);
    expect(logged()).toHaveLength(1);
  });

  it('commits a write that reached the disk before a crash', async () => {
    const file = stored('b.txt', Buffer.from('on disk'), 1000);
    saveIntent(file);
    await disk.put(file, Buffer.from('on disk'));

    expect(await journal.recover()).toBe(1);
    expect(logged()).toEqual([{ ref_id: 'b.txt', version: file.version }]);
  });

  it('commits an interrupted delete as its tombstone', async () => {
    const live = stored('c.txt', Buffer.from('x'), 1000);
    await journal.put(live, Buffer.from('x'));
    const tombstone = stored('c.txt', Buffer.alloc(0), 2000, true);
    saveIntent(tombstone);
    await disk.put(tombstone, Buffer.alloc(0));

    await journal.recover();

    expect(journal.journalEntry('agent-j', 'c.txt')?.deleted).toBe(true);
    expect(logged()).toEqual([{ ref_id: 'c.txt', version: tombstone.version }]);
  });

  it('drops the intent of a write that never reached the disk', async () => {
    saveIntent(stored('d.txt', Buffer.from('lost'), 1000));

    await journal.recover();

    expect(logged()).toEqual([]);
    expect(journal.journalEntry('agent-j', 'd.txt')).toBeNull();
  });
});
