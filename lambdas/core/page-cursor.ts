import { RequestValidationError } from './errors.js';

/**
 * Encodes the sort key of the last item on a page as an opaque cursor. The prefix names the
 * listing, so a cursor of one listing is rejected by another.
 */
export function encodePageCursor(prefix: string, lastKey: string): string {
  return Buffer.from(`${prefix}:${lastKey}`, 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodePageCursor} with the same prefix.
 *
 * @throws {RequestValidationError} `invalid_cursor` (field `query.cursor`) for any other value.
 */
export function decodePageCursor(prefix: string, cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const head = `${prefix}:`;
  if (!text.startsWith(head) || text.length === head.length) {
    throw new RequestValidationError('invalid_cursor', 'The cursor is invalid.', {
      field: 'query.cursor',
      hint: 'Pass the next_cursor of the previous page unchanged, or omit it for the first page.',
    });
  }
  return text.slice(head.length);
}
