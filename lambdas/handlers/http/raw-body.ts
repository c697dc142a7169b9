import { PayloadTooLargeError } from '../../core/errors.js';
import type { HttpEvent, HttpResult } from './types.js';

/**
 * Returns the body of an event as raw bytes, whatever its content type: API Gateway, and the edge
 * server like it, passes non-text bodies base64-encoded and text bodies as they are.
 *
 * @throws {PayloadTooLargeError} (413) when the body has more than `maxBytes` bytes.
 */
export function readRawBody(event: HttpEvent, maxBytes: number): Buffer {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes) {
    throw new PayloadTooLargeError(
      `The request body has ${bytes.length} bytes; the limit is ${maxBytes}.`,
      { field: 'body', hint: `Send at most ${maxBytes} bytes.` },
    );
  }
  return bytes;
}

/** Builds a response whose body is raw bytes, base64-encoded as API Gateway expects. */
export function binaryResponse(
  statusCode: number,
  content: Uint8Array,
  headers: Record<string, string>,
): HttpResult {
  return {
    statusCode,
    headers,
    body: Buffer.from(content).toString('base64'),
    isBase64Encoded: true,
  };
}
