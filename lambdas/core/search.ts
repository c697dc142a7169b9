import type { Metadata, SearchDocument, SearchHit, SearchIndex } from '../ports/index.js';
import type { HybridLogicalClock } from './clock.js';
import type { IdGenerator } from './ids.js';

/** A search request, before the agent and time are added. */
export interface SearchRequest {
  readonly text: string;
  readonly userId?: string;
  readonly sessionId?: string;
  readonly metadata?: Metadata;
  readonly createdFrom?: string;
  readonly createdTo?: string;
  readonly limit: number;
  readonly highlight: boolean;
}

/** A plain document to index. */
export interface DocumentInput {
  readonly id?: string;
  readonly content: string;
  readonly userId?: string | null;
  readonly sessionId?: string | null;
  readonly metadata?: Metadata;
}

/** Dependencies of {@link SearchService}. */
export interface SearchServiceDeps {
  readonly index: SearchIndex;
  readonly clock: HybridLogicalClock;
  readonly ids: IdGenerator;
  readonly now?: () => number;
}

/** Ranks an agent's memory records and documents by BM25 relevance. */
export class SearchService {
  private readonly deps: SearchServiceDeps;
  private readonly now: () => number;

  constructor(deps: SearchServiceDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
  }

  /** Runs a search confined to `agentId`. */
  async search(agentId: string, request: SearchRequest): Promise<SearchHit[]> {
    return this.deps.index.search({ ...request, agentId, nowMs: this.now() });
  }

  /** Adds documents to the agent's index and returns them as stored. */
  async indexDocuments(agentId: string, inputs: DocumentInput[]): Promise<SearchDocument[]> {
    const timestamp = new Date(this.now()).toISOString();
    const documents = inputs.map((input): SearchDocument => ({
      agentId,
      id: input.id ?? this.deps.ids(),
      userId: input.userId ?? null,
      sessionId: input.sessionId ?? null,
      content: input.content,
      metadata: input.metadata ?? {},
      createdAt: timestamp,
      version: this.deps.clock.now(),
    }));
    await this.deps.index.indexDocuments(documents);
    return documents;
  }
}
