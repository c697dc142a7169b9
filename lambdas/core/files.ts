import { createHash } from 'node:crypto';
import type { FileContent, FileStore, StoredFile } from '../ports/index.js';
import type { HybridLogicalClock } from './clock.js';
import { PayloadTooLargeError, ResourceNotFoundError } from './errors.js';
import { checkFileName } from './file-names.js';
import { decodePageCursor, encodePageCursor } from './page-cursor.js';

/** Default maximum file size: 1 MiB. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/** A stored file and whether the write created it. */
export interface FileWriteResult {
  readonly file: StoredFile;
  readonly created: boolean;
}

/** One page of files and the cursor of the next page, null on the last page. */
export interface FilePage {
  readonly items: StoredFile[];
  readonly nextCursor: string | null;
}

/** Dependencies and settings of {@link FileService}. */
export interface FileServiceDeps {
  readonly store: FileStore;
  readonly clock: HybridLogicalClock;
  readonly now?: () => number;
  /**
   * Maximum size of one file, in bytes. In Lambda, the 6 MB payload limit of synchronous
   * invocations (AWS Lambda quotas) caps it further, and base64 encoding makes binary bodies a third larger.
   * @default 1048576 (1 MiB)
   */
  readonly maxFileBytes?: number;
}

const CURSOR_PREFIX = 'f1';

/** Writes, reads, lists and deletes an agent's small files. */
export class FileService {
  /** Maximum size of one file, in bytes. */
  readonly maxFileBytes: number;
  private readonly deps: FileServiceDeps;
  private readonly now: () => number;

  /** @throws {Error} when `maxFileBytes` is not a positive integer. */
  constructor(deps: FileServiceDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
    this.maxFileBytes = deps.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (!Number.isInteger(this.maxFileBytes) || this.maxFileBytes < 1) {
      throw new Error(`Invalid maxFileBytes ${this.maxFileBytes}: expected an integer >= 1.`);
    }
  }

  /**
   * Creates or replaces a file. The SHA-256 of the content becomes its checksum and ETag.
   *
   * @throws {RequestValidationError} `invalid_file_name`.
   * @throws {PayloadTooLargeError} (413) when the content exceeds {@link maxFileBytes}.
   */
  async put(
    agentId: string,
    name: string,
    content: Uint8Array,
    contentType: string,
  ): Promise<FileWriteResult> {
    checkFileName(name);
    this.checkSize(content.length);

    const existing = await this.deps.store.head(agentId, name);
    const timestamp = new Date(this.now()).toISOString();
    const file: StoredFile = {
      agentId,
      name,
      contentType,
      size: content.length,
      sha256: sha256Hex(content),
      createdAt: existing?.createdAt ?? timestamp,
      updatedAt: timestamp,
      version: this.deps.clock.now(),
      deleted: false,
    };
    const result = await this.deps.store.put(file, content);
    return { file: result.current, created: existing === null };
  }

  /**
   * Returns a file and its content.
   *
   * @throws {ResourceNotFoundError} `file_not_found`.
   */
  async get(agentId: string, name: string): Promise<FileContent> {
    checkFileName(name);
    return found(await this.deps.store.get(agentId, name), name);
  }

  /**
   * Returns the metadata of a file.
   *
   * @throws {ResourceNotFoundError} `file_not_found`.
   */
  async head(agentId: string, name: string): Promise<StoredFile> {
    checkFileName(name);
    return found(await this.deps.store.head(agentId, name), name);
  }

  /**
   * Lists files in name order.
   *
   * @param cursor the `nextCursor` of the previous page, or null for the first page.
   * @throws {RequestValidationError} `invalid_cursor` when the cursor was not issued here.
   */
  async list(
    agentId: string,
    prefix: string | undefined,
    limit: number,
    cursor: string | null,
  ): Promise<FilePage> {
    const after = cursor === null ? null : decodePageCursor(CURSOR_PREFIX, cursor);
    const page = await this.deps.store.list(agentId, { prefix }, { limit, after });
    const last = page.items.at(-1);
    const nextCursor = page.more && last ? encodePageCursor(CURSOR_PREFIX, last.name) : null;
    return { items: page.items, nextCursor };
  }

  /**
   * Deletes a file by writing a tombstone, so an older write arriving later cannot bring it back.
   *
   * @throws {ResourceNotFoundError} `file_not_found` when no live file has this name.
   */
  async delete(agentId: string, name: string): Promise<void> {
    const existing = await this.head(agentId, name);
    const empty = new Uint8Array(0);
    await this.deps.store.put(
      {
        ...existing,
        size: 0,
        sha256: sha256Hex(empty),
        updatedAt: new Date(this.now()).toISOString(),
        version: this.deps.clock.now(),
        deleted: true,
      },
      empty,
    );
  }

  private checkSize(size: number): void {
    if (size <= this.maxFileBytes) return;
    throw new PayloadTooLargeError(
      `The file has ${size} bytes; the limit is ${this.maxFileBytes}.`,
      { field: 'body', hint: 'Store a smaller file, or split the data over several files.' },
    );
  }
}

/** Returns the SHA-256 of `content` as 64 lower-case hex digits. */
export function sha256Hex(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

function found<T>(value: T | null, name: string): T {
  if (value === null) {
    throw new ResourceNotFoundError('file_not_found', `No file named "${name}".`, {
      field: 'path.name',
      hint: 'List the files with GET /api/v1/{agent}/files.',
    });
  }
  return value;
}
