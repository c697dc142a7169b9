import type { Database, Statement } from 'better-sqlite3';
import type {
  FileContent,
  FileListFilter,
  FilePutResult,
  FileStore,
  Page,
  StoredFile,
} from '../../lambdas/ports/index.js';
import { KeyedMutex } from './keyed-mutex.js';

interface JournalRow {
  agent_id: string;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  created_at: string;
  updated_at: string;
  version: string;
  deleted: number;
}

/**
 * File store that keeps a journal of file metadata in SQLite (tables `file_journal` and
 * `file_intents`, see replication-schema.ts) around another file store, so that file writes reach
 * the change log like every other write. Reads go to the wrapped store.
 *
 * A put records its intent, writes through the wrapped store, then commits the journal row and
 * drops the intent in one transaction. {@link recover} resolves the intents a crash left behind.
 *
 * NOTE: files stored before the journal existed (schema version 2) have no journal row, so they
 * reach the change feed only when they are written again.
 */
export class JournaledFileStore implements FileStore {
  private readonly mutex = new KeyedMutex();
  private readonly saveIntent: Statement;
  private readonly dropIntent: Statement;
  private readonly selectIntents: Statement;
  private readonly upsert: Statement;
  private readonly selectOne: Statement;
  private readonly commitAtomically: (file: StoredFile) => void;

  constructor(
    db: Database,
    private readonly inner: FileStore,
  ) {
    this.saveIntent = db.prepare(
      'INSERT OR REPLACE INTO file_intents (agent_id, name, intent) VALUES (?, ?, ?)',
    );
    this.dropIntent = db.prepare('DELETE FROM file_intents WHERE agent_id = ? AND name = ?');
    this.selectIntents = db.prepare('SELECT intent FROM file_intents').pluck();
    this.upsert = db.prepare(`
      INSERT INTO file_journal (agent_id, name, content_type, size, sha256, created_at,
        updated_at, version, deleted)
      VALUES (@agent_id, @name, @content_type, @size, @sha256, @created_at, @updated_at,
        @version, @deleted)
      ON CONFLICT (agent_id, name) DO UPDATE SET content_type = excluded.content_type,
        size = excluded.size, sha256 = excluded.sha256, created_at = excluded.created_at,
        updated_at = excluded.updated_at, version = excluded.version, deleted = excluded.deleted
      WHERE excluded.version > file_journal.version`);
    this.selectOne = db.prepare('SELECT * FROM file_journal WHERE agent_id = ? AND name = ?');
    this.commitAtomically = db.transaction((file: StoredFile) => {
      this.upsert.run(toRow(file));
      this.dropIntent.run(file.agentId, file.name);
    });
  }

  async put(file: StoredFile, content: Uint8Array): Promise<FilePutResult> {
    return this.mutex.run(keyOf(file.agentId, file.name), async () => {
      this.saveIntent.run(file.agentId, file.name, JSON.stringify(file));
      let result: FilePutResult;
      try {
        result = await this.inner.put(file, content);
      } catch (error) {
        await this.resolve(file);
        throw error;
      }
      this.commitAtomically(result.current);
      return result;
    });
  }

  get(agentId: string, name: string): Promise<FileContent | null> {
    return this.inner.get(agentId, name);
  }

  head(agentId: string, name: string): Promise<StoredFile | null> {
    return this.inner.head(agentId, name);
  }

  list(
    agentId: string,
    filter: FileListFilter,
    page: { limit: number; after: string | null },
  ): Promise<Page<StoredFile>> {
    return this.inner.list(agentId, filter, page);
  }

  /** Returns the journal entry of a file, a tombstone included, or null. */
  journalEntry(agentId: string, name: string): StoredFile | null {
    const row = this.selectOne.get(agentId, name) as JournalRow | undefined;
    return row ? fromRow(row) : null;
  }

  /**
   * Resolves the intents of writes that a crash interrupted: a file that is live on disk is
   * committed as it is there, and an interrupted delete is committed as its tombstone, because
   * the disk has no live file either way. Call it at start, before serving.
   *
   * @returns the number of intents resolved.
   */
  async recover(): Promise<number> {
    const intents = (this.selectIntents.all() as string[]).map(
      (intent) => JSON.parse(intent) as StoredFile,
    );
    for (const intent of intents) {
      await this.mutex.run(keyOf(intent.agentId, intent.name), () => this.resolve(intent));
    }
    return intents.length;
  }

  private async resolve(intent: StoredFile): Promise<void> {
    const onDisk = await this.inner.head(intent.agentId, intent.name);
    if (onDisk) this.commitAtomically(onDisk);
    else if (intent.deleted) this.commitAtomically(intent);
    // A live write that never reached the disk leaves the committed entry as it was.
    else this.dropIntent.run(intent.agentId, intent.name);
  }
}

function keyOf(agentId: string, name: string): string {
  return `${agentId}/${name}`;
}

function toRow(file: StoredFile): JournalRow {
  return {
    agent_id: file.agentId,
    name: file.name,
    content_type: file.contentType,
    size: file.size,
    sha256: file.sha256,
    created_at: file.createdAt,
    updated_at: file.updatedAt,
    version: file.version,
    deleted: file.deleted ? 1 : 0,
  };
}

function fromRow(row: JournalRow): StoredFile {
  return {
    agentId: row.agent_id,
    name: row.name,
    contentType: row.content_type,
    size: row.size,
    sha256: row.sha256,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
    deleted: row.deleted === 1,
  };
}
