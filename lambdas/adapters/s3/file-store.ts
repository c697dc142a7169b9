import type { S3Client } from '@aws-sdk/client-s3';
import { PayloadTooLargeError, ResourceConflictError } from '../../core/errors.js';
import { DEFAULT_MAX_FILE_BYTES } from '../../core/files.js';
import type { BreakerReport } from '../../handlers/services.js';
import type {
  FileContent,
  FileListFilter,
  FilePutResult,
  FileStore,
  Page,
  StoredFile,
} from '../../ports/index.js';
import { requireIntegerInRange } from '../errors.js';
import type { BreakerReportSource, CircuitBreaker, GuardOptions } from '../resilience/index.js';
import { S3Gateway } from './gateway.js';
import { encodeName, encodeNamePrefix, FileKeys } from './keys.js';
import {
  decodeObjectBody,
  encodeObjectBody,
  fileFromMetadata,
  MAX_HEADER_BYTES,
} from './object-format.js';

/** Options of {@link S3FileStore}. */
export interface S3FileStoreOptions {
  /** Client from `createS3Client`. */
  readonly client: S3Client;
  /** Bucket of the files, such as `ensureFileBucket` creates. */
  readonly bucket: string;
  /** Start of every key, so the files can share a bucket. @default 'files/' */
  readonly keyPrefix?: string;
  /** Maximum content size of one file, in bytes. @default 1048576 (1 MiB), the file service's default */
  readonly maxFileBytes?: number;
  /**
   * Timeouts, retries and breaker of S3 calls; every call is retried (see `S3Gateway`).
   * @default 2000 ms per attempt, 2 retries from 50 ms, breaker open after 5 failures in a row
   *   for 1000 ms
   */
  readonly guard?: GuardOptions;
  /** Breaker to use, such as a shared one. @default a breaker in this process named `s3` */
  readonly breaker?: CircuitBreaker;
  /** HeadObject calls in flight at once while listing. @default 8 */
  readonly listConcurrency?: number;
}

/**
 * Write rounds before a put gives up: each lost round means another write to the same file
 * landed in between, and 32 concurrent writers of one file are far beyond normal use.
 */
const MAX_WRITE_ROUNDS = 32;

/**
 * Files in Amazon S3, one object per file at `<keyPrefix><agent id>/<encoded name>`. The
 * agent id is checked against the agent id pattern and the name is base32hex-encoded (see
 * `encodeName`), so no input reaches the key unchecked and keys sort in name order. Each object
 * contains a JSON header line with the metadata and then the content, and is sent with a
 * SHA-256 checksum. The object's user metadata repeats the metadata for HeadObject and listing.
 *
 * Writes are last-writer-wins by version, with read-compare-write: HeadObject, then a PutObject
 * conditional on the ETag just read (`If-Match`), or on no object (`If-None-Match: *`). A write
 * that loses the race reads again and decides again, so a new version never replaces a newer
 * one, whatever the interleaving. A delete is a tombstone object, which reads and lists skip.
 */
export class S3FileStore implements FileStore, BreakerReportSource {
  private readonly gateway: S3Gateway;
  private readonly keys: FileKeys;
  private readonly maxFileBytes: number;
  private readonly listConcurrency: number;

  /** @throws {AdapterConfigError} when an option is out of range. */
  constructor(options: S3FileStoreOptions) {
    this.keys = new FileKeys(options.keyPrefix ?? 'files/');
    this.maxFileBytes = requireIntegerInRange(
      'maxFileBytes',
      options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      1,
      5 * 1024 * 1024 * 1024,
    );
    this.listConcurrency = requireIntegerInRange(
      'listConcurrency',
      options.listConcurrency ?? 8,
      1,
      64,
    );
    this.gateway = new S3Gateway(options);
  }

  /**
   * @throws {PayloadTooLargeError} when the content exceeds `maxFileBytes`.
   * @throws {ResourceConflictError} `file_busy` when other writes to the file won 32 rounds.
   * @throws {DependencyUnavailableError} when S3 fails or the breaker is open.
   */
  async put(file: StoredFile, content: Uint8Array): Promise<FilePutResult> {
    this.checkSize(content.length);
    const key = this.keys.fileKey(file.agentId, file.name);
    const body = encodeObjectBody(file, content);

    for (let round = 0; round < MAX_WRITE_ROUNDS; round += 1) {
      const head = await this.gateway.head(key);
      const stored = head && fileFromMetadata(key, file.agentId, file.name, head.metadata);
      // Versions are hybrid logical clock strings, which sort in version order.
      if (stored && stored.version >= file.version) return { applied: false, current: stored };
      if (await this.gateway.putIfUnchanged(key, body, file, head?.etag ?? null)) {
        return { applied: true, current: file };
      }
    }
    throw new ResourceConflictError(
      'file_busy',
      `File "${file.name}" changed during every one of ${MAX_WRITE_ROUNDS} write rounds.`,
      { field: 'path.name', hint: 'Retry the write.' },
    );
  }

  /**
   * @throws {S3FileIntegrityError} when the object fails its checks.
   * @throws {DependencyUnavailableError} when S3 fails or the breaker is open.
   */
  async get(agentId: string, name: string): Promise<FileContent | null> {
    const key = this.keys.fileKey(agentId, name);
    const bytes = await this.gateway.get(key, this.maxFileBytes + MAX_HEADER_BYTES);
    if (bytes === null) return null;
    const { file, content } = decodeObjectBody(key, agentId, name, bytes);
    return file.deleted ? null : { file, content };
  }

  /**
   * @throws {S3FileIntegrityError} when the object's metadata is malformed.
   * @throws {DependencyUnavailableError} when S3 fails or the breaker is open.
   */
  async head(agentId: string, name: string): Promise<StoredFile | null> {
    const key = this.keys.fileKey(agentId, name);
    const head = await this.gateway.head(key);
    if (head === null) return null;
    const file = fileFromMetadata(key, agentId, name, head.metadata);
    return file.deleted ? null : file;
  }

  /**
   * Lists live files in name order. ListObjectsV2 returns the keys in that order already, and
   * each key's metadata takes a HeadObject call, made `listConcurrency` at a time.
   *
   * NOTE: tombstones are skipped only after their HeadObject call, so a prefix with many
   * deleted files costs a call per tombstone until the page is full.
   *
   * @throws {DependencyUnavailableError} when S3 fails or the breaker is open.
   */
  async list(
    agentId: string,
    filter: FileListFilter,
    page: { limit: number; after: string | null },
  ): Promise<Page<StoredFile>> {
    const agentPrefix = this.keys.agentPrefix(agentId);
    const namePrefix = filter.prefix ?? '';
    const startAfter = page.after === null ? undefined : agentPrefix + encodeName(page.after);
    const maxKeys = Math.min(1000, Math.max(10, (page.limit + 1) * 2));
    const items: StoredFile[] = [];
    let token: string | undefined;

    do {
      const keyPage = await this.gateway.listKeys(
        agentPrefix + encodeNamePrefix(namePrefix),
        startAfter,
        token,
        maxKeys,
      );
      const names = this.namesOf(agentPrefix, keyPage.keys, namePrefix, page.after);
      await this.collectLive(agentId, names, items, page.limit + 1);
      token = keyPage.nextToken;
    } while (token !== undefined && items.length <= page.limit);

    return { items: items.slice(0, page.limit), more: items.length > page.limit };
  }

  /** Returns the breaker's state for `GET /circuit-breakers`. */
  report(): BreakerReport {
    return this.gateway.report();
  }

  /** Decodes keys to names, keeping those that start with `prefix` and sort after `after`. */
  private namesOf(
    agentPrefix: string,
    keys: readonly string[],
    prefix: string,
    after: string | null,
  ): string[] {
    return keys
      .map((key) => this.keys.nameOf(agentPrefix, key))
      .filter((name): name is string => name !== null && name.startsWith(prefix))
      .filter((name) => after === null || name > after);
  }

  /** Appends the live files among `names` to `items`, in order, until it has `wanted` entries. */
  private async collectLive(
    agentId: string,
    names: readonly string[],
    items: StoredFile[],
    wanted: number,
  ): Promise<void> {
    const step = this.listConcurrency;
    for (let start = 0; start < names.length && items.length < wanted; start += step) {
      const batch = names.slice(start, start + step);
      const files = await Promise.all(batch.map((name) => this.head(agentId, name)));
      for (const file of files) {
        if (file !== null && items.length < wanted) items.push(file);
      }
    }
  }

  private checkSize(size: number): void {
    if (size <= this.maxFileBytes) return;
    throw new PayloadTooLargeError(
      `The file has ${size} bytes; the limit is ${this.maxFileBytes}.`,
      { field: 'body', hint: 'Store a smaller file, or split the data over several files.' },
    );
  }
}
