/**
 * Index settings and mappings of the cloud store. Memory records and plain documents share one
 * index, so BM25 scores of both kinds come from the same corpus statistics and rank together,
 * as on the edge, where one FTS5 table holds both.
 */

const keyword = { type: 'keyword' } as const;
const date = { type: 'date', format: 'strict_date_optional_time||epoch_millis' } as const;
/** Kept in `_source` and returned as written, never indexed. */
const storedOnly = { type: 'object', enabled: false } as const;

/** Name of the analyzer of `content`. */
export const TEXT_ANALYZER = 'happy_english';

/**
 * The built-in `english` analyzer rebuilt as a custom one (standard tokenizer, possessive
 * stemmer, lower case, English stop words, Porter stemmer) with ASCII folding added, so "café"
 * matches "cafe" as the edge's `remove_diacritics 2` tokenizer does.
 */
export const TEXT_ANALYSIS = {
  filter: {
    happy_english_possessive: { type: 'stemmer', language: 'possessive_english' },
    happy_english_stop: { type: 'stop', stopwords: '_english_' },
    happy_english_stemmer: { type: 'stemmer', language: 'english' },
  },
  analyzer: {
    [TEXT_ANALYZER]: {
      type: 'custom',
      tokenizer: 'standard',
      filter: [
        'happy_english_possessive',
        'lowercase',
        'asciifolding',
        'happy_english_stop',
        'happy_english_stemmer',
      ],
    },
  },
} as const;

/**
 * Mapping of memory records (`kind: memory`) and documents (`kind: document`). `dynamic: strict`
 * rejects unknown fields, so no caller can grow the mapping. Metadata is stored as written and
 * matched through `metadata_terms`, one keyword per field that encodes its JSON type.
 */
export const RECORD_MAPPINGS = {
  dynamic: 'strict',
  properties: {
    kind: keyword,
    agent_id: keyword,
    id: keyword,
    user_id: keyword,
    session_id: keyword,
    key: keyword,
    content: { type: 'text', analyzer: TEXT_ANALYZER },
    value: storedOnly,
    metadata: storedOnly,
    metadata_terms: keyword,
    created_at: date,
    updated_at: date,
    expires_at: date,
    version: keyword,
    deleted: { type: 'boolean' },
  },
} as const;

/** Mapping of agents. */
export const AGENT_MAPPINGS = {
  dynamic: 'strict',
  properties: {
    agent_id: keyword,
    name: keyword,
    status: keyword,
    quotas: storedOnly,
    created_at: date,
    updated_at: date,
    version: keyword,
  },
} as const;

/** Mapping of the documents the health probe writes and reads back. */
export const HEALTH_MAPPINGS = {
  dynamic: 'strict',
  properties: {
    stamp: keyword,
    written_at: date,
  },
} as const;

/**
 * Mapping of the tasks index, which contains three kinds of documents, all routed by agent id.
 * A `task` document is one task record. A `key` document is one idempotency key: it names its
 * task and carries the record to create. A `slots` document, one per agent, lists the ids of
 * the agent's unfinished tasks. task-store.ts explains how they make task creation atomic.
 */
export const TASK_MAPPINGS = {
  dynamic: 'strict',
  properties: {
    kind: keyword,
    agent_id: keyword,
    id: keyword,
    type: keyword,
    input: storedOnly,
    status: keyword,
    attempts: { type: 'integer' },
    max_attempts: { type: 'integer' },
    result: storedOnly,
    error: storedOnly,
    idempotency_key: keyword,
    run_at: date,
    cancel_requested: { type: 'boolean' },
    lease_expires_at: date,
    created_at: date,
    updated_at: date,
    started_at: date,
    finished_at: date,
    version: keyword,
    task_id: keyword,
    pending_task: storedOnly,
    slots: storedOnly,
  },
} as const;

/**
 * Mapping of the change log, one document per replicated entity. The change itself is stored
 * as written and never indexed. Reads filter on `origin` and order by `_seq_no`.
 */
export const CHANGE_LOG_MAPPINGS = {
  dynamic: 'strict',
  properties: {
    kind: keyword,
    agent_id: keyword,
    entity_id: keyword,
    origin: keyword,
    version: keyword,
    content_bytes: { type: 'long' },
    change: storedOnly,
    appended_at: date,
  },
} as const;

/** Mapping of replication state values: cursors and markers, read by name only. */
export const REPLICATION_STATE_MAPPINGS = {
  dynamic: 'strict',
  properties: {
    value: { type: 'keyword', index: false, doc_values: false },
    updated_at: date,
  },
} as const;
