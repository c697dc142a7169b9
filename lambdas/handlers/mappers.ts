import { memoryRecordToJson } from '../core/memory.js';
import type { Agent, MemoryRecord, SearchDocument, SearchHit } from '../ports/index.js';

/** Returns the public JSON form of an agent. */
export function agentToJson(agent: Agent): Record<string, unknown> {
  return {
    agent_id: agent.agentId,
    name: agent.name,
    status: agent.status,
    quotas: { max_memory_records: agent.quotas.maxMemoryRecords },
    created_at: agent.createdAt,
    updated_at: agent.updatedAt,
    version: agent.version,
  };
}

/** Returns the public JSON form of a memory record. */
export function memoryToJson(record: MemoryRecord): Record<string, unknown> {
  return memoryRecordToJson(record);
}

/** Returns the public JSON form of an indexed document. */
export function documentToJson(document: SearchDocument): Record<string, unknown> {
  return {
    id: document.id,
    user_id: document.userId,
    session_id: document.sessionId,
    metadata: document.metadata,
    created_at: document.createdAt,
    version: document.version,
  };
}

/** Returns the public JSON form of a search hit. */
export function hitToJson(hit: SearchHit): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: hit.id,
    kind: hit.kind,
    score: hit.score,
    content: hit.content,
    user_id: hit.userId,
    session_id: hit.sessionId,
    metadata: hit.metadata,
    created_at: hit.createdAt,
  };
  if (hit.highlights) json.highlights = hit.highlights;
  return json;
}
