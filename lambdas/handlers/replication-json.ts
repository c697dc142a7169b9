import { memoryRecordToJson } from '../core/memory.js';
import type { Change, FeedEntry } from '../ports/index.js';
import { taskToJson } from './task-file-mappers.js';

/** Returns the JSON form of a change, the inverse of `changeWireSchema`. */
export function changeToJson(change: Change): Record<string, unknown> {
  switch (change.kind) {
    case 'agent': {
      const { agent } = change;
      const json = {
        agent_id: agent.agentId,
        name: agent.name,
        status: agent.status,
        quotas: { max_memory_records: agent.quotas.maxMemoryRecords },
        created_at: agent.createdAt,
        updated_at: agent.updatedAt,
        version: agent.version,
      };
      return { kind: 'agent', agent: json };
    }
    case 'memory':
      return { kind: 'memory', record: memoryToJson(change.record) };
    case 'document': {
      const { document } = change;
      const json = {
        agent_id: document.agentId,
        id: document.id,
        user_id: document.userId,
        session_id: document.sessionId,
        content: document.content,
        metadata: document.metadata,
        created_at: document.createdAt,
        version: document.version,
      };
      return { kind: 'document', document: json };
    }
    case 'task':
      return {
        kind: 'task',
        task: { ...taskToJson(change.task), lease_expires_at: change.task.leaseExpiresAt },
      };
    case 'file':
      return fileChangeToJson(change);
  }
}

/** Returns the JSON form of a feed entry: its change with `seq` and `origin`. */
export function feedEntryToJson(entry: FeedEntry): Record<string, unknown> {
  return { seq: entry.seq, origin: entry.origin, ...changeToJson(entry.change) };
}

/** Returns the public form of a memory record plus its tombstone flag, which replicas need. */
function memoryToJson(record: Extract<Change, { kind: 'memory' }>['record']) {
  return { ...memoryRecordToJson(record), deleted: record.deleted };
}

function fileChangeToJson(change: Extract<Change, { kind: 'file' }>): Record<string, unknown> {
  const { file } = change;
  const json = {
    agent_id: file.agentId,
    name: file.name,
    content_type: file.contentType,
    size: file.size,
    sha256: file.sha256,
    created_at: file.createdAt,
    updated_at: file.updatedAt,
    version: file.version,
    deleted: file.deleted,
  };
  return {
    kind: 'file',
    file: json,
    content_base64: Buffer.from(change.content).toString('base64'),
  };
}
