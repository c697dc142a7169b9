import type {
  Agent,
  JsonValue,
  MemoryRecord,
  Metadata,
  SearchDocument,
} from '../../ports/index.js';

/** Kind of an entry in the records index. */
export type RecordKind = 'memory' | 'document';

/** A memory record or document as stored in the records index (snake_case, like the API). */
export interface RecordSource {
  readonly kind: RecordKind;
  readonly agent_id: string;
  readonly id: string;
  readonly user_id: string | null;
  readonly session_id: string | null;
  readonly key: string | null;
  readonly content: string;
  readonly value: JsonValue;
  readonly metadata: Metadata;
  readonly metadata_terms: string[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly expires_at: string | null;
  readonly version: string;
  readonly deleted: boolean;
}

/** An agent as stored in the agents index. */
export interface AgentSource {
  readonly agent_id: string;
  readonly name: string;
  readonly status: Agent['status'];
  readonly quotas: Agent['quotas'];
  readonly created_at: string;
  readonly updated_at: string;
  readonly version: string;
}

/**
 * Returns the `_id` of an entry: kind, agent id and record id, so memory records and documents
 * with the same id, or two agents' records with the same id, never share a document.
 *
 * @throws {Error} when the agent id contains `|`, which the agent id pattern never allows.
 */
export function recordDocumentId(kind: RecordKind, agentId: string, id: string): string {
  if (agentId.includes('|')) {
    throw new Error(`Invalid agent id "${agentId}": it must not contain "|".`);
  }
  return `${kind}|${agentId}|${id}`;
}

/**
 * Encodes metadata for exact matching: one keyword per field holding `[key, value]` as JSON,
 * so the number 2 and the string "2" stay different. Booleans are encoded as 1 and 0 because
 * the edge compares SQLite's `json_extract` results, which turn true and false into 1 and 0.
 */
export function metadataTerms(metadata: Metadata): string[] {
  return Object.entries(metadata).map(([key, value]) => metadataTerm(key, value));
}

/** Encodes one metadata field; see {@link metadataTerms}. */
export function metadataTerm(key: string, value: string | number | boolean): string {
  return JSON.stringify([key, typeof value === 'boolean' ? Number(value) : value]);
}

/** Converts a memory record to its stored form. */
export function memorySource(record: MemoryRecord): RecordSource {
  return {
    kind: 'memory',
    agent_id: record.agentId,
    id: record.id,
    user_id: record.userId,
    session_id: record.sessionId,
    key: record.key,
    content: record.content,
    value: record.value,
    metadata: record.metadata,
    metadata_terms: metadataTerms(record.metadata),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    expires_at: record.expiresAt,
    version: record.version,
    deleted: record.deleted,
  };
}

/** Converts a stored memory record back, field for field. */
export function memoryFromSource(source: RecordSource): MemoryRecord {
  return {
    agentId: source.agent_id,
    id: source.id,
    userId: source.user_id,
    sessionId: source.session_id,
    key: source.key,
    content: source.content,
    value: source.value,
    metadata: source.metadata,
    createdAt: source.created_at,
    updatedAt: source.updated_at,
    expiresAt: source.expires_at,
    version: source.version,
    deleted: source.deleted,
  };
}

/** Converts a search document to its stored form: never deleted, never expiring. */
export function documentSource(document: SearchDocument): RecordSource {
  return {
    kind: 'document',
    agent_id: document.agentId,
    id: document.id,
    user_id: document.userId,
    session_id: document.sessionId,
    key: null,
    content: document.content,
    value: null,
    metadata: document.metadata,
    metadata_terms: metadataTerms(document.metadata),
    created_at: document.createdAt,
    updated_at: document.createdAt,
    expires_at: null,
    version: document.version,
    deleted: false,
  };
}

/** Converts an agent to its stored form. */
export function agentSource(agent: Agent): AgentSource {
  return {
    agent_id: agent.agentId,
    name: agent.name,
    status: agent.status,
    quotas: agent.quotas,
    created_at: agent.createdAt,
    updated_at: agent.updatedAt,
    version: agent.version,
  };
}

/** Converts a stored agent back. */
export function agentFromSource(source: AgentSource): Agent {
  return {
    agentId: source.agent_id,
    name: source.name,
    status: source.status,
    quotas: source.quotas,
    createdAt: source.created_at,
    updatedAt: source.updated_at,
    version: source.version,
  };
}

/** Returns true when a stored memory record is neither a tombstone nor expired at `nowMs`. */
export function isLive(source: RecordSource, nowMs: number): boolean {
  if (source.deleted) return false;
  return source.expires_at === null || Date.parse(source.expires_at) > nowMs;
}
