import { ErrorReply } from '@redis/client';

/** Server replies that mean Redis cannot serve right now rather than that a command is wrong. */
const UNAVAILABLE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|READONLY|CLUSTERDOWN|TRYAGAIN)\b/;

/**
 * Returns true when `error` means Redis failed: a connection that is closed, refused, reset or
 * offline, a timeout, or a reply that reports the server as loading, busy or failing over. Such
 * errors count against the breaker and may be retried; other error replies are bugs.
 */
export function isRedisFailure(error: unknown): boolean {
  if (error instanceof ErrorReply) return UNAVAILABLE_REPLIES.test(error.message);
  return error instanceof Error;
}
