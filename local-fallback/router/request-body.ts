import type { IncomingMessage } from 'node:http';

/**
 * Body of a client request, ready to send to one or more targets.
 *
 * - `none`: the request has no body.
 * - `buffered`: the whole body is in memory, so it can be sent twice.
 * - `streamed`: the body is read from the client while it is sent, so it can be sent once.
 *   {@link StreamedBody.open} returns a new iterable as long as none was read from, which lets
 *   a request that never reached one target go to the other.
 */
export type RequestBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'buffered'; readonly buffer: Buffer }
  | { readonly kind: 'streamed'; readonly stream: StreamedBody };

/** Error of a client body larger than the router forwards; the target never gets the rest. */
export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`request body exceeds ${maxBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** A client body read lazily: no byte leaves the client socket until a target reads it. */
export class StreamedBody {
  readonly #prefix: Buffer[];
  readonly #source: AsyncIterator<Buffer>;
  readonly #maxBytes: number;
  #started = false;

  /** `maxBytes` caps the whole body, `prefix` included, for a body of undeclared length. */
  constructor(prefix: Buffer[], source: AsyncIterator<Buffer>, maxBytes: number) {
    this.#prefix = prefix;
    this.#source = source;
    this.#maxBytes = maxBytes;
  }

  /** True once a target has read from the body. */
  get started(): boolean {
    return this.#started;
  }

  /**
   * Returns an iterable over the whole body; only one of the iterables may be read. It throws
   * {@link BodyTooLargeError} instead of yielding the chunk that passes `maxBytes`, which aborts
   * the exchange before the target has a whole body.
   */
  open(): AsyncIterable<Buffer> {
    const prefix = this.#prefix;
    const source = this.#source;
    const maxBytes = this.#maxBytes;
    const markStarted = () => {
      this.#started = true;
    };
    return {
      async *[Symbol.asyncIterator]() {
        markStarted();
        let size = 0;
        for (const chunk of prefix) {
          size += chunk.length;
          yield chunk;
        }
        for (let next = await source.next(); next.done !== true; next = await source.next()) {
          size += next.value.length;
          if (size > maxBytes) {
            throw new BodyTooLargeError(maxBytes);
          }
          yield next.value;
        }
      },
    };
  }
}

/** Returns true when the request declares a body (RFC 9112 section 6.3). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Reads the request body for sending. A body that may be retried is buffered up to
 * `maxBufferedBytes`. A larger one is streamed, the part read so far first, and `retryable`
 * comes back false. A streamed body fails once it passes `maxBodyBytes` (see
 * {@link StreamedBody.open}); the caller rejects a declared Content-Length above it earlier.
 */
export async function readRequestBody(
  req: IncomingMessage,
  wantRetry: boolean,
  maxBufferedBytes: number,
  maxBodyBytes: number,
): Promise<{ body: RequestBody; retryable: boolean }> {
  if (!hasBody(req)) {
    return { body: { kind: 'none' }, retryable: wantRetry };
  }

  // destroyOnReturn: false keeps the client connection open if a target stops reading early.
  const source = req.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  const bufferLimit = Math.min(maxBufferedBytes, maxBodyBytes);
  if (!wantRetry || declared > bufferLimit) {
    const stream = new StreamedBody([], source, maxBodyBytes);
    return { body: { kind: 'streamed', stream }, retryable: false };
  }

  const chunks: Buffer[] = [];
  let size = 0;
  for (let next = await source.next(); next.done !== true; next = await source.next()) {
    chunks.push(next.value);
    size += next.value.length;
    if (size > bufferLimit) {
      const stream = new StreamedBody(chunks, source, maxBodyBytes);
      return { body: { kind: 'streamed', stream }, retryable: false };
    }
  }
  return { body: { kind: 'buffered', buffer: Buffer.concat(chunks) }, retryable: true };
}
