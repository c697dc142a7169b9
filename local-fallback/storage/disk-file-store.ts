import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { AGENT_ID_PATTERN } from '../../lambdas/core/ids.js';
import type {
  FileContent,
  FileListFilter,
  FilePutResult,
  FileStore,
  Page,
  StoredFile,
} from '../../lambdas/ports/index.js';
import { commitTemporaryFile, TEMPORARY_FILE_PREFIX, writeTemporaryFile } from './atomic-file.js';
import { KeyedMutex } from './keyed-mutex.js';

/** Options of {@link DiskFileStore}. */
export interface DiskFileStoreOptions {
  /** Folder holding one subfolder per agent; created when missing. */
  readonly root: string;
}

/** Stored file metadata, written as the first line of each file on disk. */
type FileHeader = Omit<StoredFile, 'agentId'> & { readonly format: 1 };

/** Suffix of stored files: `<sha256 of the name>.file`. */
const STORED_FILE_PATTERN = /^[0-9a-f]{64}\.file$/;
/** Bytes read to find the header line; names and content types are limited to 255 characters. */
const HEADER_READ_BYTES = 4096;
/** Headers read at once while listing. */
const HEADER_READ_BATCH = 64;

/** A stored file failed a consistency check: unreadable header, wrong name or wrong checksum. */
export class FileIntegrityError extends Error {
  constructor(path: string, problem: string) {
    super(`Stored file ${path} is damaged: ${problem}.`);
    this.name = 'FileIntegrityError';
  }
}

/**
 * Files on the local disk: `<root>/<agent id>/<sha256 of the name>.file`, each holding a JSON
 * header line followed by the content bytes. The path derives only from a validated agent id and
 * a hash, never from the name itself, so no name can reach outside the agent's folder.
 *
 * A write goes to a temporary file that is flushed, renamed over the target and followed by a
 * flush of the folder. Content and metadata change together in that one rename. Writes to one
 * name are serialized within the process, so the version check and the rename cannot interleave.
 */
export class DiskFileStore implements FileStore {
  private readonly root: string;
  private readonly mutex = new KeyedMutex();

  constructor(options: DiskFileStoreOptions) {
    this.root = resolve(options.root);
  }

  async put(file: StoredFile, content: Uint8Array): Promise<FilePutResult> {
    const { dir, path } = this.locate(file.agentId, file.name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temporary = await writeTemporaryFile(dir, encode(file, content));
    try {
      return await this.mutex.run(path, async () => {
        const stored = await readHeader(path);
        if (stored && stored.version >= file.version) {
          return { applied: false, current: withAgent(file.agentId, stored) };
        }
        await commitTemporaryFile(temporary, path);
        return { applied: true, current: file };
      });
    } finally {
      // After a commit the temporary name is gone; after a skipped write it is removed here.
      await rm(temporary, { force: true });
    }
  }

  async get(agentId: string, name: string): Promise<FileContent | null> {
    const { path } = this.locate(agentId, name);
    const bytes = await readFile(path).catch(nullWhenMissing);
    if (bytes === null) return null;

    const { header, bodyStart } = parseHeader(bytes, path);
    if (header.deleted) return null;
    const content = bytes.subarray(bodyStart);
    checkContent(header, name, content, path);
    return { file: withAgent(agentId, header), content };
  }

  async head(agentId: string, name: string): Promise<StoredFile | null> {
    const { path } = this.locate(agentId, name);
    const header = await readHeader(path);
    if (!header || header.deleted) return null;
    if (header.name !== name) throw new FileIntegrityError(path, 'the header names another file');
    return withAgent(agentId, header);
  }

  async list(
    agentId: string,
    filter: FileListFilter,
    page: { limit: number; after: string | null },
  ): Promise<Page<StoredFile>> {
    // NOTE: a listing reads the header of every file of the agent, so its cost grows with the
    // number of files. An index of names would lift that for agents with many files.
    const headers = await this.readAllHeaders(agentId);
    const prefix = filter.prefix ?? '';
    const live = headers
      .filter((header) => !header.deleted && header.name.startsWith(prefix))
      .filter((header) => page.after === null || header.name > page.after)
      .sort(compareNames);
    const items = live.slice(0, page.limit).map((header) => withAgent(agentId, header));
    return { items, more: live.length > page.limit };
  }

  /**
   * Removes temporary files older than `olderThanMs`: what writes left behind when their process
   * died between writing and renaming. Writes in progress keep their files if the age exceeds
   * the time a write takes.
   *
   * @returns the number of files removed.
   */
  async removeTemporaryFiles(olderThanMs: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const agentDir of await this.agentFolders()) {
      for (const entry of await readdir(agentDir)) {
        if (!entry.startsWith(TEMPORARY_FILE_PREFIX)) continue;
        const path = join(agentDir, entry);
        const info = await stat(path).catch(nullWhenMissing);
        if (info && info.mtimeMs <= cutoff) {
          await rm(path, { force: true });
          removed += 1;
        }
      }
    }
    return removed;
  }

  /**
   * Returns the folder of an agent and the path of a file in it.
   *
   * @throws {Error} when the agent id is invalid or the path would leave the root.
   */
  private locate(agentId: string, name: string): { dir: string; path: string } {
    if (!AGENT_ID_PATTERN.test(agentId)) throw new Error(`Invalid agent id "${agentId}".`);
    const dir = join(this.root, agentId);
    const path = resolve(dir, `${createHash('sha256').update(name, 'utf8').digest('hex')}.file`);
    // The parts are checked above, so this holds; it guards against a later change to them.
    if (!path.startsWith(this.root + sep)) throw new Error(`Path ${path} is outside the root.`);
    return { dir, path };
  }

  private async readAllHeaders(agentId: string): Promise<FileHeader[]> {
    const { dir } = this.locate(agentId, '');
    const entries = (await readdir(dir).catch(nullWhenMissing)) ?? [];
    const paths = entries.filter((entry) => STORED_FILE_PATTERN.test(entry));
    const headers: FileHeader[] = [];
    // Batches keep the open file descriptors well under the usual limit of 1024.
    for (let start = 0; start < paths.length; start += HEADER_READ_BATCH) {
      const batch = paths.slice(start, start + HEADER_READ_BATCH);
      const read = await Promise.all(batch.map((entry) => readHeader(join(dir, entry))));
      headers.push(...read.filter((header): header is FileHeader => header !== null));
    }
    return headers;
  }

  private async agentFolders(): Promise<string[]> {
    const entries =
      (await readdir(this.root, { withFileTypes: true }).catch(nullWhenMissing)) ?? [];
    return entries
      .filter((entry) => entry.isDirectory() && AGENT_ID_PATTERN.test(entry.name))
      .map((entry) => join(this.root, entry.name));
  }
}

/** Orders headers by name in UTF-16 code unit order, the order `<` gives strings. */
function compareNames(a: FileHeader, b: FileHeader): number {
  if (a.name < b.name) return -1;
  return a.name > b.name ? 1 : 0;
}

function encode(file: StoredFile, content: Uint8Array): Buffer {
  const { agentId: _agentId, ...metadata } = file;
  const header: FileHeader = { format: 1, ...metadata };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), content]);
}

/** Reads the header of a stored file, or null when the file does not exist. */
async function readHeader(path: string): Promise<FileHeader | null> {
  const handle = await open(path, 'r').catch(nullWhenMissing);
  if (handle === null) return null;
  try {
    const buffer = Buffer.alloc(HEADER_READ_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_READ_BYTES, 0);
    return parseHeader(buffer.subarray(0, bytesRead), path).header;
  } finally {
    await handle.close();
  }
}

function parseHeader(bytes: Buffer, path: string): { header: FileHeader; bodyStart: number } {
  const end = bytes.indexOf(0x0a);
  if (end < 0) throw new FileIntegrityError(path, 'no header line');
  try {
    const header = JSON.parse(bytes.subarray(0, end).toString('utf8')) as FileHeader;
    if (header.format !== 1) throw new Error(`unknown format ${String(header.format)}`);
    return { header, bodyStart: end + 1 };
  } catch (error) {
    throw new FileIntegrityError(path, `unreadable header (${(error as Error).message})`);
  }
}

function checkContent(header: FileHeader, name: string, content: Uint8Array, path: string): void {
  if (header.name !== name) throw new FileIntegrityError(path, 'the header names another file');
  const sha256 = createHash('sha256').update(content).digest('hex');
  if (content.length !== header.size || sha256 !== header.sha256) {
    throw new FileIntegrityError(path, 'the content does not match its size and checksum');
  }
}

function withAgent(agentId: string, header: FileHeader): StoredFile {
  const { format: _format, ...metadata } = header;
  return { agentId, ...metadata };
}

function nullWhenMissing(error: unknown): null {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  throw error;
}
