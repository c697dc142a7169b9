import { errors } from '@opensearch-project/opensearch';

/**
 * Returns true when `error` means OpenSearch failed rather than the request being wrong:
 * no connection, a timeout, a reset, an unreadable response, throttling (429) or a 5xx status.
 * Such errors count against the circuit breaker and may be retried.
 */
export function isOpenSearchFailure(error: unknown): boolean {
  if (error instanceof BulkItemsFailedError) return error.transient;
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode;
    return status === undefined || status === 429 || status >= 500;
  }
  return (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError ||
    error instanceof errors.RequestAbortedError ||
    error instanceof errors.DeserializationError
  );
}

/** Returns true for the 409 of a write whose `if_seq_no` or `op_type: create` did not hold. */
export function isVersionConflict(error: unknown): boolean {
  return error instanceof errors.ResponseError && error.statusCode === 409;
}

/** Some items of a bulk request failed with a status other than a version conflict. */
export class BulkItemsFailedError extends Error {
  /** HTTP status of each failed item. */
  readonly statuses: number[];
  /** True when every failure is throttling or a server error, so repeating the bulk may work. */
  readonly transient: boolean;

  constructor(statuses: number[], reasons: string[]) {
    super(`${statuses.length} bulk items failed: ${reasons.slice(0, 3).join('; ')}`);
    this.name = 'BulkItemsFailedError';
    this.statuses = statuses;
    this.transient = statuses.every((status) => status === 429 || status >= 500);
  }
}
