import type { IncomingMessage } from 'node:http';
import { PayloadTooLargeError } from '../../lambdas/core/errors.js';
import { ClientAbortError } from './errors.js';

/** Tells whether a request announces a body: a non-zero `content-length` or chunked transfer. */
export function hasRequestBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return request.headers['transfer-encoding'] !== undefined;
}

/**
 * Checks the `content-length` a request announces, so an oversized body is rejected before a
 * byte of it is read (and before `100 Continue` invites the client to send it).
 *
 * @throws {PayloadTooLargeError} when `content-length` exceeds `maxBytes`.
 */
export function checkDeclaredLength(request: IncomingMessage, maxBytes: number): void {
  const length = request.headers['content-length'];
  if (length !== undefined && Number(length) > maxBytes) throw tooLarge(length, maxBytes);
}

/**
 * Reads a request body into memory. Once more than `maxBytes` have arrived the promise rejects
 * at once, and the rest of the body is discarded as it arrives, never buffered.
 *
 * @throws {PayloadTooLargeError} when the body exceeds `maxBytes`.
 * @throws {ClientAbortError} when the connection closes before the body is complete.
 */
export function readRequestBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  checkDeclaredLength(request, maxBytes);
  if (request.readableEnded) return Promise.resolve(Buffer.alloc(0));

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const stopCollecting = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      stopCollecting();
      chunks.length = 0;
      // Flowing with no data listener discards what still arrives until the connection closes.
      request.resume();
      reject(tooLarge(`more than ${maxBytes}`, maxBytes));
    };
    const onEnd = (): void => {
      stopCollecting();
      resolve(Buffer.concat(chunks, received));
    };

    request.on('data', onData);
    request.on('end', onEnd);
    // Both stay attached: once the promise has settled, a late close or error changes nothing.
    request.on('close', () => reject(new ClientAbortError(received)));
    request.on('error', () => reject(new ClientAbortError(received)));
  });
}

function tooLarge(length: string, maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `The request body has ${length} bytes; the limit is ${maxBytes}.`,
    {
      field: 'body',
      hint: 'Send a smaller body; split large data over several requests.',
    },
  );
}
