import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { StoredFile } from '../../ports/index.js';
import type { BreakerReport } from '../../handlers/services.js';
import { DependencyGuard, type CircuitBreaker, type GuardOptions } from '../resilience/index.js';
import { awsErrorCode, awsErrorStatus, isAwsFailure } from '../sqs/aws-failures.js';
import { objectMetadata, S3FileIntegrityError } from './object-format.js';

/** Options of {@link S3Gateway}. */
export interface S3GatewayOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly guard?: GuardOptions;
  readonly breaker?: CircuitBreaker;
}

/** Metadata of an object, from HeadObject. */
export interface ObjectHead {
  readonly etag: string;
  readonly contentLength: number;
  readonly metadata: Record<string, string> | undefined;
}

/** One page of keys from ListObjectsV2. */
export interface KeyPage {
  readonly keys: string[];
  readonly nextToken: string | undefined;
}

/**
 * The one path from the file store to S3. Every call runs behind a dependency guard named `s3`
 * and is repeatable: reads trivially, and writes because they are conditional, so a repeated
 * write fails its condition instead of overwriting anything.
 */
export class S3Gateway {
  readonly guard: DependencyGuard;
  private readonly client: S3Client;
  private readonly bucket: string;

  /** @throws {AdapterConfigError} when a guard option is out of range. */
  constructor(options: S3GatewayOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.guard = new DependencyGuard('s3', {
      ...options.guard,
      isFailure: isAwsFailure,
      ...(options.breaker ? { breaker: options.breaker } : {}),
    });
  }

  /**
   * Returns an object's ETag, size and user metadata, or null when there is no such object.
   *
   * NOTE: HeadObject returns 404 without an error code both for a missing key and a missing
   * bucket, so a missing bucket reads as a missing file here. Every other call reports it.
   *
   * @throws {DependencyUnavailableError} when S3 fails or the breaker is open.
   */
  async head(key: string): Promise<ObjectHead | null> {
    const command = new HeadObjectCommand({ Bucket: this.bucket, Key: key });
    const output = await this.orNullWhenMissing((signal) =>
      this.client.send(command, { abortSignal: signal }),
    );
    if (output === null) return null;
    return {
      etag: output.ETag ?? '',
      contentLength: output.ContentLength ?? 0,
      metadata: output.Metadata,
    };
  }

  /**
   * Returns an object's bytes, or null when there is no such object. The SDK checks them
   * against the SHA-256 checksum stored with the object.
   *
   * @throws {S3FileIntegrityError} when the object is larger than `maxBytes` or fails its
   *   checksum.
   * @throws {DependencyUnavailableError} when S3 fails or the breaker is open.
   */
  async get(key: string, maxBytes: number): Promise<Uint8Array | null> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ChecksumMode: 'ENABLED',
    });
    return this.orNullWhenMissing(async (signal) => {
      const output = await this.client.send(command, { abortSignal: signal });
      if ((output.ContentLength ?? 0) > maxBytes) {
        discard(output.Body);
        throw new S3FileIntegrityError(key, `it has more than ${maxBytes} bytes`);
      }
      return readBody(key, output.Body);
    });
  }

  /**
   * Writes an object when the stored one still has ETag `ifMatch`, or when there is none
   * (`ifMatch` null). The SHA-256 checksum lets S3 reject bytes damaged on the way.
   *
   * @returns false when the condition failed because another write came first.
   * @throws {DependencyUnavailableError} when S3 fails or the breaker is open.
   */
  async putIfUnchanged(
    key: string,
    body: Buffer,
    file: StoredFile,
    ifMatch: string | null,
  ): Promise<boolean> {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentType: file.contentType || undefined,
      Metadata: objectMetadata(file),
      ChecksumAlgorithm: 'SHA256',
      ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
      ...(ifMatch === null ? { IfNoneMatch: '*' } : { IfMatch: ifMatch }),
    });
    try {
      await this.guard.execute((signal) => this.client.send(command, { abortSignal: signal }), {
        repeatable: true,
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Lists up to `maxKeys` keys under `prefix` in key order, after `startAfter` on the first
   * page and from `token` on later ones.
   *
   * @throws {DependencyUnavailableError} when S3 fails or the breaker is open.
   */
  async listKeys(
    prefix: string,
    startAfter: string | undefined,
    token: string | undefined,
    maxKeys: number,
  ): Promise<KeyPage> {
    const command = new ListObjectsV2Command({
      Bucket: this.bucket,
      Prefix: prefix,
      MaxKeys: maxKeys,
      ...(token === undefined ? { StartAfter: startAfter } : { ContinuationToken: token }),
    });
    const output = await this.guard.execute(
      (signal) => this.client.send(command, { abortSignal: signal }),
      { repeatable: true },
    );
    const keys = (output.Contents ?? []).flatMap((entry) => (entry.Key ? [entry.Key] : []));
    return { keys, nextToken: output.IsTruncated ? output.NextContinuationToken : undefined };
  }

  /** Returns the breaker's state for `GET /circuit-breakers`. */
  report(): BreakerReport {
    return this.guard.report();
  }

  private async orNullWhenMissing<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T | null> {
    try {
      return await this.guard.execute(fn, { repeatable: true });
    } catch (error) {
      if (isMissingKey(error)) return null;
      throw error;
    }
  }
}

/** True for the 404 of a missing key: `NoSuchKey` from GetObject, `NotFound` from HeadObject. */
function isMissingKey(error: unknown): boolean {
  const code = awsErrorCode(error);
  return awsErrorStatus(error) === 404 && (code === 'NoSuchKey' || code === 'NotFound');
}

/**
 * True when a conditional write lost: 412 when the ETag changed or a key appeared, 409 when S3
 * saw a concurrent conditional write, 404 when the key was removed before an If-Match write.
 */
function isConditionFailure(error: unknown): boolean {
  const status = awsErrorStatus(error);
  return status === 412 || status === 409 || isMissingKey(error);
}

/** Closes an unread response body, which in Node is a readable stream, to free its socket. */
function discard(body: unknown): void {
  const stream = body as { destroy?: () => void } | undefined;
  stream?.destroy?.();
}

async function readBody(
  key: string,
  body: { transformToByteArray(): Promise<Uint8Array> } | undefined,
): Promise<Uint8Array> {
  if (body === undefined) return new Uint8Array(0);
  try {
    return await body.transformToByteArray();
  } catch (error) {
    // The SDK raises a plain Error when the bytes do not match the stored checksum.
    if (error instanceof Error && /checksum mismatch/i.test(error.message)) {
      throw new S3FileIntegrityError(key, 'the content does not match its S3 checksum');
    }
    throw error;
  }
}
