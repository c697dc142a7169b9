import {
  HappyError,
  RequestValidationError,
  ResourceConflictError,
  type HappyErrorOptions,
} from './errors.js';

/** A feed cursor is malformed (400). */
export class ReplicationCursorError extends RequestValidationError {
  constructor(cursor: string, options: HappyErrorOptions = {}) {
    super('invalid_cursor', `The change feed cursor "${cursor.slice(0, 80)}" is invalid.`, {
      field: 'query.since',
      hint: 'Pass the next_cursor of the previous page unchanged, or omit since to start over.',
      ...options,
    });
  }
}

/**
 * A feed cursor was issued by another change log (409), typically because the node's database
 * was replaced. The caller must read the feed again from the start.
 */
export class ForeignCursorError extends ResourceConflictError {
  constructor(feedId: string) {
    super('cursor_from_other_feed', `The cursor belongs to another change feed than "${feedId}".`, {
      field: 'query.since',
      hint: 'Read the feed again from the start by omitting since; applying it twice is harmless.',
    });
  }
}

/** A change carries a version too far ahead of this node's clock (400). */
export class VersionInFutureError extends RequestValidationError {
  constructor(version: string, maxSkewMs: number, index: number) {
    super(
      'version_in_future',
      `Version "${version}" is more than ${maxSkewMs} ms ahead of this node's clock.`,
      {
        field: `body.changes.${index}`,
        hint: 'Synchronize the clocks of the nodes (NTP); nothing in the batch was applied.',
      },
    );
  }
}

/** The node has no replication credential, so its internal endpoints are off (503). */
export class ReplicationNotConfiguredError extends HappyError {
  constructor() {
    super(503, 'replication_not_configured', 'Replication is not configured on this node.', {
      hint: 'Set HAPPY_REPLICATION_TOKEN, or start the node with a home folder to generate one.',
    });
  }
}
