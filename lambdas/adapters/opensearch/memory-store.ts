import type {
  MemoryListFilter,
  MemoryRecord,
  MemoryStore,
  Page,
  PutResult,
} from '../../ports/index.js';
import type { OpenSearchGateway, Query } from './gateway.js';
import { listFilters, liveMemoryFilters } from './queries.js';
import {
  isLive,
  memoryFromSource,
  memorySource,
  recordDocumentId,
  type RecordSource,
} from './records.js';
import { readEntry, writeIfNewer } from './versioned-write.js';

/** Fields left out of reads that only match or rank. */
const SOURCE_EXCLUDES = ['metadata_terms'];

/**
 * Memory records in the OpenSearch records index, routed by agent id. Writes are
 * last-writer-wins by version (see versioned-write.ts) and searchable once `put` resolves;
 * reads by id are real-time GETs, the others are searches confined to the agent.
 *
 * Every method throws `DependencyUnavailableError` when OpenSearch fails or its breaker is open.
 */
export class OpenSearchMemoryStore implements MemoryStore {
  private readonly gateway: OpenSearchGateway;

  constructor(gateway: OpenSearchGateway) {
    this.gateway = gateway;
  }

  /** @throws {ResourceConflictError} `write_conflict` when ten concurrent writes beat it. */
  async put(record: MemoryRecord): Promise<PutResult> {
    const result = await writeIfNewer(
      this.gateway,
      {
        index: this.gateway.names.records,
        id: recordDocumentId('memory', record.agentId, record.id),
        routing: record.agentId,
        source: memorySource(record),
      },
      this.gateway.refresh,
    );
    const current = result.applied ? record : memoryFromSource(result.current);
    return { applied: result.applied, current };
  }

  async get(agentId: string, id: string, nowMs: number): Promise<MemoryRecord | null> {
    const entry = await readEntry<RecordSource>(
      this.gateway,
      this.gateway.names.records,
      recordDocumentId('memory', agentId, id),
      agentId,
    );
    if (!entry || entry.source.agent_id !== agentId || !isLive(entry.source, nowMs)) return null;
    return memoryFromSource(entry.source);
  }

  async getByKey(agentId: string, key: string, nowMs: number): Promise<MemoryRecord | null> {
    const hits = await this.gateway.searchRecords(agentId, {
      size: 1,
      track_total_hits: false,
      query: this.liveQuery(nowMs, [{ term: { key } }]),
      sort: [{ version: { order: 'desc' } }],
      _source: { excludes: SOURCE_EXCLUDES },
    });
    const source = hits.hits[0]?._source as RecordSource | undefined;
    return source ? memoryFromSource(source) : null;
  }

  async list(
    agentId: string,
    filter: MemoryListFilter,
    page: { limit: number; after: string | null },
    nowMs: number,
  ): Promise<Page<MemoryRecord>> {
    const filters = listFilters(filter);
    if (page.after !== null) filters.push({ range: { id: { gt: page.after } } });

    const hits = await this.gateway.searchRecords(agentId, {
      // One hit past the page shows whether another page follows.
      size: page.limit + 1,
      track_total_hits: false,
      query: this.liveQuery(nowMs, filters),
      // Keyword order is byte order of UTF-8, the same as SQLite's BINARY collation on the edge.
      sort: [{ id: { order: 'asc' } }],
      _source: { excludes: SOURCE_EXCLUDES },
    });
    const records = hits.hits.map((hit) => memoryFromSource(hit._source as RecordSource));
    return { items: records.slice(0, page.limit), more: records.length > page.limit };
  }

  async count(agentId: string, nowMs: number): Promise<number> {
    return this.gateway.countRecords(agentId, this.liveQuery(nowMs, []));
  }

  private liveQuery(nowMs: number, filters: Query[]): Query {
    return { bool: { filter: [...liveMemoryFilters(nowMs), ...filters] } };
  }
}
