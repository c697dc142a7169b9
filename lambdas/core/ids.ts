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
