/**
 * Records the core stores through its ports. Field names are camelCase here; the HTTP layer
 * maps them to the snake_case of the public API.
 */

/** A JSON value, as accepted in request bodies. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Flat metadata: string keys mapped to scalar values, no nesting. */
export type Metadata = Record<string, string | number | boolean>;

/** Lifecycle state of an agent. A disabled agent's tokens are rejected. */
export type AgentStatus = 'active' | 'disabled';

/** Per-agent limits. */
export interface AgentQuotas {
  /** Maximum live memory records. */
  readonly maxMemoryRecords: number;
}

/** An agent: the tenant that owns memory, documents, tasks and messages. */
export interface Agent {
  readonly agentId: string;
  readonly name: string;
  readonly status: AgentStatus;
  readonly quotas: AgentQuotas;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Hybrid logical clock version of the last write. */
  readonly version: string;
}

/** A memory record. `deleted` marks a tombstone, which reads treat as absent. */
export interface MemoryRecord {
  readonly agentId: string;
  readonly id: string;
  readonly userId: string | null;
  readonly sessionId: string | null;
  /** Caller-chosen key, unique among an agent's live records; null for plain records. */
  readonly key: string | null;
  /** Searchable text of the record. */
  readonly content: string;
  /** Structured value of a key-value record, or null. */
  readonly value: JsonValue;
  readonly metadata: Metadata;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Time after which reads, lists and search no longer return the record; null keeps it. */
  readonly expiresAt: string | null;
  readonly version: string;
  readonly deleted: boolean;
}

/** A plain document added to an agent's search index, next to its memory records. */
export interface SearchDocument {
  readonly agentId: string;
  readonly id: string;
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly content: string;
  readonly metadata: Metadata;
  readonly createdAt: string;
  readonly version: string;
}
