import { createHash } from 'node:crypto';
import type { StoredFile } from '../../ports/index.js';

/**
 * Maximum size of the header line in bytes: names and content types are limited to 255
 * characters, and UTF-8 takes at most 3 bytes for each of their UTF-16 code units.
 */
export const MAX_HEADER_BYTES = 4096;

/** File metadata as stored in the header line of an object. */
type FileHeader = Omit<StoredFile, 'agentId'> & { readonly format: 1 };

/** A stored object failed a consistency check: unreadable header, wrong name or checksum. */
export class S3FileIntegrityError extends Error {
  constructor(key: string, problem: string) {
    super(`Stored object ${key} is damaged: ${problem}.`);
    this.name = 'S3FileIntegrityError';
  }
}

/**
 * Builds the body of an object: a JSON header line with the file's metadata, then the content.
 * The header makes the bytes, and so the ETag that conditional writes compare, differ between
 * versions even when the content is the same. Without it, a write could match the ETag of a
 * newer version with equal content and replace it.
 */
export function encodeObjectBody(file: StoredFile, content: Uint8Array): Buffer {
  const header: FileHeader = {
    format: 1,
    name: file.name,
    contentType: file.contentType,
    size: file.size,
    sha256: file.sha256,
    createdAt: file.createdAt,
    updatedAt: file.updatedAt,
    version: file.version,
    deleted: file.deleted,
  };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), content]);
}

/**
 * Splits an object body into metadata and content, and checks the name, size and SHA-256.
 *
 * @throws {S3FileIntegrityError} when the header is unreadable or a check fails.
 */
export function decodeObjectBody(
  key: string,
  agentId: string,
  name: string,
  body: Uint8Array,
): { file: StoredFile; content: Uint8Array } {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const end = bytes.subarray(0, MAX_HEADER_BYTES).indexOf(0x0a);
  if (end < 0) throw new S3FileIntegrityError(key, 'no header line');
  const header = parseHeader(key, bytes.subarray(0, end).toString('utf8'));
  const content = bytes.subarray(end + 1);

  if (header.name !== name) throw new S3FileIntegrityError(key, 'the header names another file');
  const sha256 = createHash('sha256').update(content).digest('hex');
  if (content.length !== header.size || sha256 !== header.sha256) {
    throw new S3FileIntegrityError(key, 'the content does not match its size and checksum');
  }
  const { format: _format, ...metadata } = header;
  return { file: { agentId, ...metadata }, content };
}

function parseHeader(key: string, line: string): FileHeader {
  try {
    const header = JSON.parse(line) as FileHeader;
    if (header.format !== 1) throw new Error(`unknown format ${String(header.format)}`);
    return header;
  } catch (error) {
    throw new S3FileIntegrityError(key, `unreadable header (${(error as Error).message})`);
  }
}

/**
 * Returns the user metadata (`x-amz-meta-*`) of an object, which HeadObject returns without the
 * body. Values must be ASCII, so the content type is percent-encoded; the name is in the key.
 */
export function objectMetadata(file: StoredFile): Record<string, string> {
  return {
    'happy-format': '1',
    'content-type': encodeURIComponent(file.contentType),
    size: String(file.size),
    sha256: file.sha256,
    'created-at': file.createdAt,
    'updated-at': file.updatedAt,
    version: file.version,
    deleted: String(file.deleted),
  };
}

/**
 * Rebuilds a file's metadata from an object's user metadata.
 *
 * @throws {S3FileIntegrityError} when a field is missing or malformed.
 */
export function fileFromMetadata(
  key: string,
  agentId: string,
  name: string,
  metadata: Record<string, string> | undefined,
): StoredFile {
  const field = (field: string): string => {
    const value = metadata?.[field];
    if (value === undefined) throw new S3FileIntegrityError(key, `no "${field}" metadata`);
    return value;
  };
  if (field('happy-format') !== '1') throw new S3FileIntegrityError(key, 'unknown format');
  const size = Number(field('size'));
  const deleted = field('deleted');
  if (!Number.isSafeInteger(size) || size < 0 || (deleted !== 'true' && deleted !== 'false')) {
    throw new S3FileIntegrityError(key, 'malformed "size" or "deleted" metadata');
  }
  return {
    agentId,
    name,
    contentType: decodeContentType(key, field('content-type')),
    size,
    sha256: field('sha256'),
    createdAt: field('created-at'),
    updatedAt: field('updated-at'),
    version: field('version'),
    deleted: deleted === 'true',
  };
}

function decodeContentType(key: string, encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new S3FileIntegrityError(key, 'malformed "content-type" metadata');
  }
}
