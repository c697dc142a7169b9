import { createHash } from 'node:crypto';
import { monotonicFactory } from 'ulidx';

/** Pattern of agent ids: lower-case, starting with a letter or digit, at most 64 characters. */
export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Pattern of record, document and user ids: URL-safe, at most 128 characters. */
export const RECORD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** Agent ids that would collide with fixed API paths. */
export const RESERVED_AGENT_IDS: ReadonlySet<string> = new Set(['agents', 'internal', 'admin']);

/** Returns new ids that sort by creation time (ULIDs), monotonic within one process. */
export type IdGenerator = () => string;

/** Creates a ULID generator. */
export function createIdGenerator(): IdGenerator {
  const next = monotonicFactory();
  return () => next();
}

/**
 * How far back a record created by a request with an idempotency key dates its first version.
 * When the router retries such a request on the other node, the first node may still run it
 * later, and its record must not replace a write acknowledged after the retry. It ran no later
 * than its own timeout after the retry started: at most 29 s for a function behind API Gateway,
 * and the router gives up on a target after 5 s by default. A minute covers both, and stays far
 * from the 30 days after which replication drops old writes to unknown records.
 *
 * NOTE: a node that runs a keyed create more than this long after it arrived (a process stopped
 * and resumed, say) can still replace a newer write of that record.
 */
export const KEYED_CREATE_BACKDATE_MS = 60_000;

/**
 * Returns the id of a record created by a request with an idempotency key: the same on every
 * node for the same agent, kind of record and key. When the router retries such a request on
 * the other node after the first one stored it, both nodes write one record under one id, and
 * replication merges the two writes instead of keeping two records.
 *
 * The id is `k` and 32 hex digits of a SHA-256 digest, so it matches {@link RECORD_ID_PATTERN}
 * and sorts after every ULID; lists in id order show such records after the generated ones.
 */
export function idForIdempotencyKey(agentId: string, kind: string, key: string): string {
  const digest = createHash('sha256').update(`${agentId}\n${kind}\n${key}`).digest('hex');
  return `k${digest.slice(0, 32)}`;
}
