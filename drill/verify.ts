import type { DrillHttp } from './http.js';
import type { AckedWrite } from './setup.js';

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

  return {
    checked: true,
    acknowledged: acks.length,
    lost: lost.length,
    lost_examples: lost.slice(0, EXAMPLES),
    unverified,
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
