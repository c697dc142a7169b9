import type { DrillHttp } from './http.js';
import type { AckedWrite } from './setup.js';
import { ADDED_RECORDS_USER, type AddedRecord } from './traffic.js';

/** The `writes` section of the report. */
export interface WritesCheck {
  /** False when the drill was interrupted before the writes were read back. */
  readonly checked: boolean;
  readonly acknowledged: number;
  /** Acknowledged writes whose version the primary does not have, nor a newer one. */
  readonly lost: number;
  /** Up to ten lost writes, for the report. */
  readonly lost_examples: readonly {
    agent: string;
    record: string;
    version: string;
    found: string;
  }[];
  /** Acknowledged writes whose record the primary did not return (neither 200 nor 404). */
  readonly unverified: number;
  /**
   * Records created by a POST with an `Idempotency-Key` that the primary stores more than once,
   * as when the router sent the POST to both targets and each created its own record.
   */
  readonly duplicated: number;
  /** Records created by a keyed POST whose copies were counted. */
  readonly keyed_records_checked: number;
  /** Up to ten duplicated records, for the report. */
  readonly duplicated_examples: readonly { agent: string; session: string; copies: number }[];
  /** Distinct records read back. */
  readonly records_checked: number;
  /** The URL the records were read from: the primary itself, never the router. */
  readonly read_from: string;
  /** Changes left in the edge outbox when the check began, or null when it could not be read. */
  readonly outbox_pending_at_check: number | null;
}

const EXAMPLES = 10;
const READ_ATTEMPTS = 3;

/**
 * Reads every acknowledged write back from the primary directly. A write counts as kept when
 * the primary's record has its version or a newer one. Versions are hybrid logical clock
 * values that sort as strings. A newer acknowledged write of the same record may replace a
 * write, but an older one never may. With equal versions the content must match too.
 */
export async function verifyWrites(
  http: DrillHttp,
  primaryUrl: string,
  tokens: ReadonlyMap<string, string>,
  acks: readonly AckedWrite[],
  outboxPending: number | null,
  added: readonly AddedRecord[] = [],
  concurrency = 8,
): Promise<WritesCheck> {
  const byRecord = new Map<string, AckedWrite[]>();
  for (const ack of acks) {
    const key = `${ack.agentId}/${ack.recordId}`;
    byRecord.set(key, [...(byRecord.get(key) ?? []), ack]);
  }

  const lost: { agent: string; record: string; version: string; found: string }[] = [];
  let unverified = 0;
  const queue = [...byRecord.values()];
  const worker = async () => {
    for (let writes = queue.shift(); writes; writes = queue.shift()) {
      const first = writes[0] as AckedWrite;
      const record = await readRecord(http, primaryUrl, first, tokens.get(first.agentId));
      if (record === 'unreadable') {
        unverified += writes.length;
        continue;
      }
      for (const write of writes) {
        if (!isKept(write, record)) {
          lost.push({
            agent: write.agentId,
            record: write.recordId,
            version: write.version,
            found: record?.version ?? 'missing',
          });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const duplicated = await findDuplicates(http, primaryUrl, tokens, added, concurrency);
  unverified += duplicated.unreadable;

  return {
    checked: true,
    acknowledged: acks.length,
    lost: lost.length,
    lost_examples: lost.slice(0, EXAMPLES),
    unverified,
    duplicated: duplicated.found.length,
    keyed_records_checked: added.length - duplicated.unreadable,
    duplicated_examples: duplicated.found.slice(0, EXAMPLES),
    records_checked: byRecord.size,
    read_from: primaryUrl,
    outbox_pending_at_check: outboxPending,
  };
}

interface StoredRecord {
  readonly version: string;
  readonly content: string;
}

function isKept(write: AckedWrite, record: StoredRecord | null): boolean {
  if (record === null) return false;
  if (record.version > write.version) return true;
  return record.version === write.version && record.content === write.content;
}

/**
 * Reads a record, retrying responses other than 200 and 404. Returns null when the primary has
 * no such record, and `unreadable` when it never returned either status.
 */
async function readRecord(
  http: DrillHttp,
  primaryUrl: string,
  write: AckedWrite,
  token: string | undefined,
): Promise<StoredRecord | null | 'unreadable'> {
  for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt += 1) {
    const response = await http.send(
      primaryUrl,
      'GET',
      `/api/v1/${write.agentId}/memory/${write.recordId}`,
      { token },
    );
    if (response.status === 200)
      return { version: String(response.json.version), content: String(response.json.content) };
    if (response.status === 404) return null;
  }
  return 'unreadable';
}

/**
 * Lists the session of each added record on the primary and reports the sessions that hold more
 * than one record. `unreadable` counts sessions that could not be listed.
 */
async function findDuplicates(
  http: DrillHttp,
  primaryUrl: string,
  tokens: ReadonlyMap<string, string>,
  added: readonly AddedRecord[],
  concurrency: number,
): Promise<{ found: { agent: string; session: string; copies: number }[]; unreadable: number }> {
  const found: { agent: string; session: string; copies: number }[] = [];
  let unreadable = 0;
  const queue = [...added];
  const worker = async () => {
    for (let record = queue.shift(); record; record = queue.shift()) {
      const query =
        `?user_id=${ADDED_RECORDS_USER}&session_id=${encodeURIComponent(record.sessionId)}` +
        '&limit=10';
      let copies: number | null = null;
      for (let attempt = 1; attempt <= READ_ATTEMPTS && copies === null; attempt += 1) {
        const response = await http.send(
          primaryUrl,
          'GET',
          `/api/v1/${record.agentId}/memory${query}`,
          { token: tokens.get(record.agentId) },
        );
        if (response.status === 200 && Array.isArray(response.json?.records)) {
          copies = response.json.records.length;
        }
      }
      if (copies === null) unreadable += 1;
      else if (copies > 1) found.push({ agent: record.agentId, session: record.sessionId, copies });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { found, unreadable };
}
