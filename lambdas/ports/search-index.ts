import type { Metadata, SearchDocument } from './records.js';

/** A full-text query over one agent's memory records and documents. */
export interface SearchQuery {
  readonly agentId: string;
  /** Free text. Terms are matched independently and ranked by BM25. */
  readonly text: string;
  readonly userId?: string;
  readonly sessionId?: string;
  /** Exact matches on metadata fields, all required. */
  readonly metadata?: Metadata;
  /** Inclusive lower bound on creation time (ISO 8601). */
  readonly createdFrom?: string;
  /** Exclusive upper bound on creation time (ISO 8601). */
  readonly createdTo?: string;
  readonly limit: number;
  /** Whether to return highlighted fragments. */
  readonly highlight: boolean;
  /** Current time; expired memory records are left out. */
  readonly nowMs: number;
}

/** Source of a search hit: a memory record or a plain document. */
export type SearchHitKind = 'memory' | 'document';

/** One ranked hit. Higher scores rank first. */
export interface SearchHit {
  readonly id: string;
  readonly kind: SearchHitKind;
  readonly score: number;
  readonly content: string;
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly metadata: Metadata;
  readonly createdAt: string;
  /** Fragments with matched terms wrapped in `<em>` and `</em>`; present when requested. */
  readonly highlights?: string[];
}

/**
 * Full-text index over an agent's memory records (indexed by the memory store of the same
 * backend) and plain documents added here. Every query is confined to `agentId`.
 */
export interface SearchIndex {
  /** Adds or replaces documents, last-writer-wins by version. */
  indexDocuments(documents: SearchDocument[]): Promise<void>;
  /** Returns up to `query.limit` hits, best first. */
  search(query: SearchQuery): Promise<SearchHit[]>;
}
