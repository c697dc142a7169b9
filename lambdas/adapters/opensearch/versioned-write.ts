import { compareVersions } from '../../core/clock.js';
import { ResourceConflictError } from '../../core/errors.js';
import { BulkItemsFailedError, isVersionConflict } from './errors.js';
import type { OpenSearchGateway } from './gateway.js';

/**
 * Last-writer-wins writes by optimistic concurrency control: read the stored entry in real time
 * with its `_seq_no` and `_primary_term`, keep it when its version is the same or newer,
 * otherwise write with `if_seq_no`/`if_primary_term` (or `op_type: create` when there is none).
 * A 409 means another writer came in between, so the loop reads again.
 *
 * Chosen over a Painless scripted upsert because it needs no scripting module (the test engine
 * and OpenSearch Serverless have none) and compares versions in TypeScript, with the same
 * string order as the edge. Each attempt costs a real-time GET and a write. Repeating a write
 * whose response was lost is safe: the retry sees a conflict, reads its own version back and
 * reports `applied: false`.
 */

/** Attempts before a write under constant contention gives up. */
const MAX_CONFLICT_ATTEMPTS = 10;

/** An entry to store when its version is newer. */
export interface VersionedEntry<S extends { version: string }> {
  readonly index: string;
  readonly id: string;
  /** Routing value; the agent id for records, none for agents. */
  readonly routing?: string;
  readonly source: S;
}

/** A stored entry with its concurrency token. */
export interface StoredEntry<S> {
  readonly source: S;
  readonly seqNo: number;
  readonly primaryTerm: number;
}

/** Reads one entry in real time (not waiting for a refresh); null when missing. */
export async function readEntry<S>(
  gateway: OpenSearchGateway,
  index: string,
  id: string,
  routing?: string,
): Promise<StoredEntry<S> | null> {
  const response = await gateway.call(
    (client) => client.get({ index, id, routing, realtime: true }, { ignore: [404] }),
    { repeatable: true },
  );
  const body = response.body;
  if (!body.found || body._seq_no === undefined || body._primary_term === undefined) return null;
  return { source: body._source as S, seqNo: body._seq_no, primaryTerm: body._primary_term };
}

/**
 * Stores `entry` unless the stored version is the same or newer.
 *
 * @param refresh `wait_for` or `true` to make the write searchable before this resolves.
 * @returns whether it was applied, and the entry stored afterwards.
 * @throws {ResourceConflictError} `write_conflict` after 10 conflicts in a row.
 * @throws {DependencyUnavailableError} when OpenSearch fails.
 */
export async function writeIfNewer<S extends { version: string }>(
  gateway: OpenSearchGateway,
  entry: VersionedEntry<S>,
  refresh: 'wait_for' | boolean,
): Promise<{ applied: boolean; current: S }> {
  for (let attempt = 1; attempt <= MAX_CONFLICT_ATTEMPTS; attempt += 1) {
    const stored = await readEntry<S>(gateway, entry.index, entry.id, entry.routing);
    if (stored && !isNewer(entry, stored)) {
      return { applied: false, current: stored.source };
    }
    try {
      await gateway.call(
        (client) =>
          client.index({
            index: entry.index,
            id: entry.id,
            routing: entry.routing,
            body: entry.source,
            refresh,
            ...concurrencyCondition(stored),
          }),
        { repeatable: true },
      );
      return { applied: true, current: entry.source };
    } catch (error) {
      if (!isVersionConflict(error)) throw error;
    }
  }
  throw conflictError(entry.id);
}

/**
 * Stores each entry whose version is newer than the stored one. Each round sends one real-time
 * multi-get and one bulk request, and entries that meet a conflict go round again.
 *
 * @throws {ResourceConflictError} `write_conflict` after 10 rounds with conflicts.
 * @throws {BulkItemsFailedError} when an item is rejected for a reason other than a conflict.
 * @throws {DependencyUnavailableError} when OpenSearch fails.
 */
export async function writeAllIfNewer<S extends { version: string }>(
  gateway: OpenSearchGateway,
  entries: readonly VersionedEntry<S>[],
  refresh: 'wait_for' | boolean,
): Promise<void> {
  let pending = newestPerId(entries);
  for (let round = 1; round <= MAX_CONFLICT_ATTEMPTS; round += 1) {
    if (pending.length === 0) return;
    const stored = await readEntries<S>(gateway, pending);
    const writes = pending
      .map((entry, i) => ({ entry, stored: stored[i] ?? null }))
      .filter((write) => isNewer(write.entry, write.stored));
    if (writes.length === 0) return;
    const conflicts = await bulkWrite(gateway, writes, refresh);
    pending = writes.filter((_write, i) => conflicts.has(i)).map((write) => write.entry);
  }
  if (pending.length > 0) throw conflictError(pending[0]!.id);
}

async function readEntries<S>(
  gateway: OpenSearchGateway,
  entries: readonly VersionedEntry<S & { version: string }>[],
): Promise<(StoredEntry<S> | null)[]> {
  const docs = entries.map((entry) => ({
    _index: entry.index,
    _id: entry.id,
    ...(entry.routing === undefined ? {} : { routing: entry.routing }),
  }));
  const response = await gateway.call((client) => client.mget({ realtime: true, body: { docs } }), {
    repeatable: true,
  });
  return response.body.docs.map((doc) => {
    const found = doc as { found?: boolean; _source?: S; _seq_no?: number; _primary_term?: number };
    if (!found.found || found._seq_no === undefined || found._primary_term === undefined) {
      return null;
    }
    return { source: found._source as S, seqNo: found._seq_no, primaryTerm: found._primary_term };
  });
}

/** A planned write and the entry it replaces, if any. */
interface PlannedWrite<S extends { version: string }> {
  readonly entry: VersionedEntry<S>;
  readonly stored: StoredEntry<S> | null;
}

/** Sends one bulk request; returns the positions in `writes` that met a version conflict. */
async function bulkWrite<S extends { version: string }>(
  gateway: OpenSearchGateway,
  writes: readonly PlannedWrite<S>[],
  refresh: 'wait_for' | boolean,
): Promise<Set<number>> {
  const body = writes.flatMap(({ entry, stored }) => {
    const target = { _index: entry.index, _id: entry.id, routing: entry.routing };
    const action = stored
      ? { index: { ...target, if_seq_no: stored.seqNo, if_primary_term: stored.primaryTerm } }
      : { create: target };
    return [action, entry.source];
  });

  const items = await gateway.callChecked((client) => client.bulk({ refresh, body }), bulkItems, {
    repeatable: true,
  });
  return new Set(items.flatMap((status, i) => (status === 409 ? [i] : [])));
}

/**
 * Returns the status of each bulk item.
 *
 * @throws {BulkItemsFailedError} when an item failed with a status other than 409, so that the
 *   guard retries throttling and server errors and counts them against the breaker.
 */
function bulkItems(response: { body: { items: Record<string, unknown>[] } }): number[] {
  const statuses: number[] = [];
  const failed: number[] = [];
  const reasons: string[] = [];
  for (const item of response.body.items) {
    const result = Object.values(item)[0] as { status: number; error?: { reason?: string } };
    statuses.push(result.status);
    if (result.status >= 300 && result.status !== 409) {
      failed.push(result.status);
      reasons.push(result.error?.reason ?? `status ${result.status}`);
    }
  }
  if (failed.length > 0) throw new BulkItemsFailedError(failed, reasons);
  return statuses;
}

function isNewer<S extends { version: string }>(
  entry: VersionedEntry<S>,
  stored: StoredEntry<S> | null,
): boolean {
  return !stored || compareVersions(stored.source.version, entry.source.version) < 0;
}

function concurrencyCondition(stored: StoredEntry<unknown> | null) {
  if (!stored) return { op_type: 'create' as const };
  return { if_seq_no: stored.seqNo, if_primary_term: stored.primaryTerm };
}

function newestPerId<S extends { version: string }>(
  entries: readonly VersionedEntry<S>[],
): VersionedEntry<S>[] {
  const newest = new Map<string, VersionedEntry<S>>();
  for (const entry of entries) {
    const key = `${entry.index}\u0000${entry.id}`;
    const seen = newest.get(key);
    if (!seen || compareVersions(entry.source.version, seen.source.version) > 0) {
      newest.set(key, entry);
    }
  }
  return [...newest.values()];
}

function conflictError(id: string): ResourceConflictError {
  return new ResourceConflictError(
    'write_conflict',
    `The write of "${id}" met ${MAX_CONFLICT_ATTEMPTS} concurrent writes in a row.`,
    { hint: 'Retry the request; the record is being written by other requests right now.' },
  );
}
