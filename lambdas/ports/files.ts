import type { Page } from './memory-store.js';

/** Metadata of a stored file. `deleted` marks a tombstone, which reads treat as absent. */
export interface StoredFile {
  readonly agentId: string;
  /** Validated name: one path segment, see `checkFileName` in the core. */
  readonly name: string;
  /** Media type given when the file was written, such as `text/plain; charset=utf-8`. */
  readonly contentType: string;
  /** Size of the content in bytes. */
  readonly size: number;
  /** SHA-256 of the content, as 64 lower-case hex digits. */
  readonly sha256: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Hybrid logical clock version of the last write. */
  readonly version: string;
  readonly deleted: boolean;
}

/** A live file with its content. */
export interface FileContent {
  readonly file: StoredFile;
  readonly content: Uint8Array;
}

/** Result of a conditional file write. */
export interface FilePutResult {
  /** False when the store already held the same or a newer version, which it kept. */
  readonly applied: boolean;
  /** Metadata of the file the store contains after the write. */
  readonly current: StoredFile;
}

/** Filter of a file list. */
export interface FileListFilter {
  /** Literal prefix of the names to list. */
  readonly prefix?: string;
}

/**
 * Storage of small files, one namespace per agent.
 *
 * Writes are last-writer-wins by version, as in the memory store: a put whose version is not
 * newer than the stored one (a tombstone included) changes nothing. A put replaces content and
 * metadata together, so a reader or a crash sees either the old file or the new one, never a mix.
 */
export interface FileStore {
  /** Stores `content` under `file.name` when `file.version` is newer than the stored version. */
  put(file: StoredFile, content: Uint8Array): Promise<FilePutResult>;
  /** Returns the live file and its content, or null. */
  get(agentId: string, name: string): Promise<FileContent | null>;
  /** Returns the metadata of the live file, or null, without reading its content. */
  head(agentId: string, name: string): Promise<StoredFile | null>;
  /** Lists live files in name order (UTF-16 code units), at most `limit`, after name `after`. */
  list(
    agentId: string,
    filter: FileListFilter,
    page: { limit: number; after: string | null },
  ): Promise<Page<StoredFile>>;
}
