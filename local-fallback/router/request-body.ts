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

/** A client body read lazily: no byte leaves the client socket until a target reads it. */
export class StreamedBody {
  readonly #prefix: Buffer[];
  readonly #source: AsyncIterator<Buffer>;
  #started = false;

  constructor(prefix: Buffer[], source: AsyncIterator<Buffer>) {
    this.#prefix = prefix;
    this.#source = source;
  }

  /** True once a target has read from the body. */
  get started(): boolean {
    return this.#started;
  }

  /** Returns an iterable over the whole body; only one of the iterables may be read. */
  open(): AsyncIterable<Buffer> {
    const prefix = this.#prefix;
    const source = this.#source;
    const markStarted = () => {
      this.#started = true;
    };
    return {
      async *[Symbol.asyncIterator]() {
        markStarted();
        yield* prefix;
        for (let next = await source.next(); next.done !== true; next = await source.next()) {
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
 * comes back false.
 */
export async function readRequestBody(
  req: IncomingMessage,
  wantRetry: boolean,
  maxBufferedBytes: number,
): Promise<{ body: RequestBody; retryable: boolean }> {
  if (!hasBody(req)) {
    return { body: { kind: 'none' }, retryable: wantRetry };
  }

  // destroyOnReturn: false keeps the client connection open if a target stops reading early.
  const source = req.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (!wantRetry || declared > maxBufferedBytes) {
    return { body: { kind: 'streamed', stream: new StreamedBody([], source) }, retryable: false };
  }

  const chunks: Buffer[] = [];
  let size = 0;
  for (let next = await source.next(); next.done !== true; next = await source.next()) {
    chunks.push(next.value);
    size += next.value.length;
    if (size > maxBufferedBytes) {
      return {
        body: { kind: 'streamed', stream: new StreamedBody(chunks, source) },
        retryable: false,
      };
    }
  }
  return { body: { kind: 'buffered', buffer: Buffer.concat(chunks) }, retryable: true };
}
