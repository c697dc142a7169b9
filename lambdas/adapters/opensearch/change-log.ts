import { createHash } from 'node:crypto';
import type { Types } from '@opensearch-project/opensearch';
import { DependencyUnavailableError } from '../../core/errors.js';
import {
  contentBytesOfLogged,
  cutLogPage,
  entityOfLogged,
  originOfLogged,
  versionOfLogged,
} from '../../core/logged-changes.js';
import type {
  ChangeKind,
  ChangeLog,
  ChangeQuery,
  LogEntry,
  LoggedChange,
  LogPage,
} from '../../ports/index.js';
import type { OpenSearchGateway, Query } from './gateway.js';
import { readEntry, writeIfNewer } from './versioned-write.js';

/** An entry of the change log index; `_seq_no + 1` is its seq. */
interface ChangeLogSource {
  readonly kind: ChangeKind;
  readonly agent_id: string;
  readonly entity_id: string;
  readonly origin: string;
  readonly version: string;
  /** Content bytes of a live file, 0 for every other change. */
  readonly content_bytes: number;
  readonly change: LoggedChange;
  readonly appended_at: string;
}

/** A replication state value, one document per name. */
interface StateSource {
  readonly value: string;
  readonly updated_at: string;
}

/** Position up to which the feed may serve, because each copy has every operation up to it. */
interface Checkpoint {
  /** `global_checkpoint + 1` of the primary: the largest seq a read may serve. */
  readonly seq: number;
  /** UUID of the concrete index behind the alias. */
  readonly indexUuid: string;
}

/**
 * Change log in one single-shard index (`<prefix>-changes`) with one document per entity. The
 * `_seq_no` orders the log, because within one shard every operation gets a larger `_seq_no`
 * than the ones before it, and a document written again gets a new one. Seqs are `_seq_no + 1`,
 * because the first operation of a shard gets 0 and the feed treats 0 as "before everything".
 * Replication state values live in `<prefix>-replication-state`.
 *
 * A write's `_seq_no` is fixed before it is visible to searches, so a plain search after a
 * cursor could miss an entry that commits later with a smaller `_seq_no`. Every read therefore
 * (1) reads the shard's global checkpoint, below which every operation is processed on every
 * copy, (2) refreshes the index, so those operations are searchable, and (3) serves only entries
 * up to the checkpoint, searching the primary copy. The cursor never moves past the checkpoint.
 * Operations up to the global checkpoint are on every in-sync copy, so a failover to a replica
 * keeps them, and a seq once served is not assigned again to another operation.
 *
 * NOTE: tests run on one node, where the global checkpoint equals the local one. The failover
 * case follows from OpenSearch's replication model and is not tested.
 *
 * Range queries and sorting on `_seq_no` work on OpenSearch 2.19 (tested on 2.19.6), because
 * the field is indexed as a long point with doc values.
 *
 * Every method throws `DependencyUnavailableError` when OpenSearch fails or its breaker is open.
 */
export class OpenSearchChangeLog implements ChangeLog {
  private readonly gateway: OpenSearchGateway;

  constructor(gateway: OpenSearchGateway) {
    this.gateway = gateway;
  }

  /** Returns the first 16 hex digits of the SHA-256 of the index UUID. */
  async feedId(): Promise<string> {
    const { indexUuid } = await this.readCheckpoint();
    return createHash('sha256').update(indexUuid).digest('hex').slice(0, 16);
  }

  /** @throws {ResourceConflictError} `write_conflict` when ten concurrent appends beat it. */
  async append(change: LoggedChange): Promise<boolean> {
    const entity = entityOfLogged(change);
    const source: ChangeLogSource = {
      kind: entity.kind,
      agent_id: entity.agentId,
      entity_id: entity.id,
      origin: originOfLogged(change),
      version: versionOfLogged(change),
      content_bytes: contentBytesOfLogged(change),
      change,
      appended_at: new Date().toISOString(),
    };
    // No refresh: reads refresh the index themselves, after reading the checkpoint.
    const index = this.gateway.names.changes;
    const id = entryId(entity.kind, entity.agentId, entity.id);
    const result = await writeIfNewer(this.gateway, { index, id, source }, false);
    return result.applied;
  }

  async latest(kind: ChangeKind, agentId: string, id: string): Promise<LoggedChange | null> {
    const index = this.gateway.names.changes;
    const entry = await readEntry<ChangeLogSource>(this.gateway, index, entryId(kind, agentId, id));
    return entry ? entry.source.change : null;
  }

  async readChanges(query: ChangeQuery): Promise<LogPage> {
    const checkpoint = await this.readCheckpoint();
    const head = checkpoint.seq;
    if (head <= query.after) {
      return { entries: [], nextSeq: query.after, more: false, headSeq: head };
    }

    await this.refresh();
    // One entry past the page shows whether more follow.
    const candidates = await this.search(query, head, query.limit + 1);
    const { entries, complete } = cutLogPage(candidates, query.limit, query.maxContentBytes);
    const nextSeq = complete ? head : (entries.at(-1)?.seq ?? query.after);
    return { entries, nextSeq, more: !complete, headSeq: head };
  }

  async headSeq(): Promise<number> {
    return (await this.readCheckpoint()).seq;
  }

  async countChanges(query: { readonly after: number; readonly onlyOrigin?: string }) {
    const head = (await this.readCheckpoint()).seq;
    if (head <= query.after) return 0;

    await this.refresh();
    const response = await this.gateway.call(
      (client) =>
        client.count({
          index: this.gateway.names.changes,
          preference: '_primary',
          body: { query: logQuery(query, head) },
        }),
      { repeatable: true },
    );
    return response.body.count;
  }

  async readState(name: string): Promise<string | null> {
    const index = this.gateway.names.replicationState;
    const entry = await readEntry<StateSource>(this.gateway, index, name);
    return entry ? entry.source.value : null;
  }

  async writeState(name: string, value: string): Promise<void> {
    const body: StateSource = { value, updated_at: new Date().toISOString() };
    await this.gateway.call(
      (client) => client.index({ index: this.gateway.names.replicationState, id: name, body }),
      { repeatable: true },
    );
  }

  private async search(query: ChangeQuery, head: number, size: number): Promise<LogEntry[]> {
    const response = await this.gateway.call(
      (client) =>
        client.search({
          index: this.gateway.names.changes,
          // With segment replication a replica can lag behind the primary even after a refresh.
          preference: '_primary',
          body: {
            size,
            track_total_hits: false,
            query: logQuery(query, head),
            sort: [{ _seq_no: { order: 'asc' } }],
            seq_no_primary_term: true,
            _source: { includes: ['origin', 'change'] },
          },
        }),
      { repeatable: true },
    );
    return response.body.hits.hits.map(toLogEntry);
  }

  private async refresh(): Promise<void> {
    await this.gateway.call(
      (client) => client.indices.refresh({ index: this.gateway.names.changes }),
      { repeatable: true },
    );
  }

  /**
   * Reads the global checkpoint of the primary copy and the index UUID from the index stats.
   *
   * @throws {DependencyUnavailableError} when the alias does not name exactly one index or its
   *   primary copy reports no sequence numbers, such as while it recovers.
   */
  private async readCheckpoint(): Promise<Checkpoint> {
    const alias = this.gateway.names.changes;
    const response = await this.gateway.call(
      (client) => client.indices.stats({ index: alias, metric: 'docs', level: 'shards' }),
      { repeatable: true },
    );
    const indices = Object.values(response.body.indices ?? {});
    const index = indices.length === 1 ? indices[0] : undefined;
    const shards = Object.values(index?.shards ?? {});
    const primary =
      shards.length === 1 ? shards[0]?.find((copy) => copy.routing?.primary) : undefined;
    if (!index || !primary?.seq_no) {
      const problem = `The change log alias "${alias}" must name one single-shard index with a started primary.`;
      throw new DependencyUnavailableError('opensearch', { cause: new Error(problem) });
    }
    return { seq: primary.seq_no.global_checkpoint + 1, indexUuid: index.uuid };
  }
}

/**
 * Returns the `_id` of an entity's entry: a SHA-256 of its kind, agent id and id, because file
 * names and ids may contain any character and an `_id` is limited to 512 bytes.
 */
function entryId(kind: ChangeKind, agentId: string, id: string): string {
  return createHash('sha256')
    .update(JSON.stringify([kind, agentId, id]))
    .digest('hex');
}

/** Matches the entries with a seq after `query.after` and up to `head`, by origin. */
function logQuery(
  query: { readonly after: number; readonly onlyOrigin?: string; readonly excludeOrigin?: string },
  head: number,
): Query {
  // seq = _seq_no + 1, so `after < seq <= head` is `after <= _seq_no <= head - 1`.
  const filter: Query[] = [{ range: { _seq_no: { gte: query.after, lte: head - 1 } } }];
  if (query.onlyOrigin !== undefined) filter.push({ term: { origin: query.onlyOrigin } });
  const mustNot: Query[] =
    query.excludeOrigin !== undefined ? [{ term: { origin: query.excludeOrigin } }] : [];
  return { bool: { filter, must_not: mustNot } };
}

function toLogEntry(hit: Types.Core_Search.Hit): LogEntry {
  const source = hit._source as Pick<ChangeLogSource, 'origin' | 'change'>;
  return { seq: (hit._seq_no as number) + 1, origin: source.origin, change: source.change };
}
