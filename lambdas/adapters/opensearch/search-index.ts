import type { Types } from '@opensearch-project/opensearch';
import type { SearchDocument, SearchHit, SearchIndex, SearchQuery } from '../../ports/index.js';
import type { OpenSearchGateway } from './gateway.js';
import { queryText, searchFilters } from './queries.js';
import { documentSource, recordDocumentId, type RecordSource } from './records.js';
import { writeAllIfNewer } from './versioned-write.js';

/** Characters of context in a highlight fragment, about the 24 tokens of the edge's snippets. */
const FRAGMENT_CHARACTERS = 150;

/** Field lists of the search hits: only what a {@link SearchHit} carries. */
const HIT_SOURCE = ['kind', 'id', 'content', 'user_id', 'session_id', 'metadata', 'created_at'];

const HIGHLIGHT = {
  pre_tags: ['<em>'],
  post_tags: ['</em>'],
  fields: { content: { number_of_fragments: 1, fragment_size: FRAGMENT_CHARACTERS } },
};

/**
 * BM25 search over an agent's memory records and documents in the one records index, so both
 * kinds rank on the same statistics (k1 = 1.2 and b = 0.75, OpenSearch's defaults, as on the
 * edge). Query text is reduced to terms that a `match` query ORs, and every search runs through
 * the gateway, which confines it to the agent.
 *
 * Every method throws `DependencyUnavailableError` when OpenSearch fails or its breaker is open.
 */
export class OpenSearchSearchIndex implements SearchIndex {
  private readonly gateway: OpenSearchGateway;

  constructor(gateway: OpenSearchGateway) {
    this.gateway = gateway;
  }

  /**
   * Stores the documents in bulk, last-writer-wins by version, searchable once this resolves.
   *
   * @throws {BulkItemsFailedError} when OpenSearch rejects a document for a reason other than
   *   a version conflict, such as a malformed date.
   */
  async indexDocuments(documents: SearchDocument[]): Promise<void> {
    const entries = documents.map((document) => ({
      index: this.gateway.names.records,
      id: recordDocumentId('document', document.agentId, document.id),
      routing: document.agentId,
      source: documentSource(document),
    }));
    await writeAllIfNewer(this.gateway, entries, this.gateway.refresh);
  }

  async search(query: SearchQuery): Promise<SearchHit[]> {
    const text = queryText(query.text);
    if (text === null) return [];

    const hits = await this.gateway.searchRecords(query.agentId, {
      size: query.limit,
      track_total_hits: false,
      query: {
        bool: {
          must: [{ match: { content: { query: text, operator: 'or' } } }],
          filter: searchFilters(query),
        },
      },
      _source: { includes: HIT_SOURCE },
      ...(query.highlight ? { highlight: HIGHLIGHT } : {}),
    });
    return hits.hits.map((hit) => toSearchHit(hit, query.highlight));
  }
}

function toSearchHit(hit: Types.Core_Search.Hit, highlight: boolean): SearchHit {
  const source = hit._source as RecordSource;
  const result: SearchHit = {
    id: source.id,
    kind: source.kind,
    score: hit._score ?? 0,
    content: source.content,
    userId: source.user_id,
    sessionId: source.session_id,
    metadata: source.metadata,
    createdAt: source.created_at,
  };
  if (!highlight) return result;
  return { ...result, highlights: hit.highlight?.content ?? [] };
}
