import type { MemoryListFilter, SearchQuery } from '../../ports/index.js';
import type { Query } from './gateway.js';
import { metadataTerm } from './records.js';

/** Most query terms sent to OpenSearch; longer queries keep their first terms, as on the edge. */
export const MAX_QUERY_TERMS = 64;

/** Matches entries without an expiry, or expiring after `nowMs`. */
export function notExpired(nowMs: number): Query {
  return {
    bool: {
      should: [
        { bool: { must_not: [{ exists: { field: 'expires_at' } }] } },
        { range: { expires_at: { gt: nowMs, format: 'epoch_millis' } } },
      ],
      minimum_should_match: 1,
    },
  };
}

/** Filters of an agent's live memory records (the agent filter itself is added by the gateway). */
export function liveMemoryFilters(nowMs: number): Query[] {
  return [{ term: { kind: 'memory' } }, { term: { deleted: false } }, notExpired(nowMs)];
}

/** Filters of a memory list. A key prefix is matched literally, byte for byte. */
export function listFilters(filter: MemoryListFilter): Query[] {
  const filters: Query[] = [];
  if (filter.userId !== undefined) filters.push({ term: { user_id: filter.userId } });
  if (filter.sessionId !== undefined) filters.push({ term: { session_id: filter.sessionId } });
  if (filter.keyPrefix !== undefined)
    filters.push({ prefix: { key: { value: filter.keyPrefix } } });
  return filters;
}

/**
 * Filters of a search: live entries of both kinds, then the optional user, session, metadata
 * and creation-time bounds (from inclusive, to exclusive).
 */
export function searchFilters(query: SearchQuery): Query[] {
  const filters: Query[] = [{ term: { deleted: false } }, notExpired(query.nowMs)];
  if (query.userId !== undefined) filters.push({ term: { user_id: query.userId } });
  if (query.sessionId !== undefined) filters.push({ term: { session_id: query.sessionId } });
  for (const [key, value] of Object.entries(query.metadata ?? {})) {
    filters.push({ term: { metadata_terms: metadataTerm(key, value) } });
  }
  const created: Record<string, string> = {};
  if (query.createdFrom !== undefined) created.gte = query.createdFrom;
  if (query.createdTo !== undefined) created.lt = query.createdTo;
  if (Object.keys(created).length > 0) filters.push({ range: { created_at: created } });
  return filters;
}

/**
 * Returns the terms of free text joined by spaces, for a `match` query that ORs them; null when
 * the text has none. Terms are runs of letters, digits and `_`, as on the edge, so no query
 * syntax is ever interpreted and both paths see the same terms.
 */
export function queryText(text: string): string | null {
  const terms = text.match(/[\p{L}\p{N}_]+/gu)?.slice(0, MAX_QUERY_TERMS) ?? [];
  if (terms.length === 0) return null;
  return [...new Set(terms.map((term) => term.toLowerCase()))].join(' ');
}
