import type { Agent, MemoryRecord, SearchDocument } from '../../lambdas/ports/index.js';
import { formatVersion } from '../../lambdas/core/clock.js';

/** A fixed point in time for contract tests: 2026-01-01T00:00:00Z. */
export const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** Returns a version at `T0 + step` ms written by `node`. */
export function versionAt(step: number, node = 'node-a'): string {
  return formatVersion({ wallMs: T0 + step, counter: 0, nodeId: node });
}

/** Builds a live memory record with defaults for every field not given. */
export function memoryRecord(overrides: Partial<MemoryRecord> & { id: string }): MemoryRecord {
  return {
    agentId: 'agent-a',
    userId: 'user-1',
    sessionId: null,
    key: null,
    content: `content of ${overrides.id}`,
    value: null,
    metadata: {},
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    expiresAt: null,
    version: versionAt(1),
    deleted: false,
    ...overrides,
  };
}

/** Builds a search document with defaults for every field not given. */
export function searchDocument(
  overrides: Partial<SearchDocument> & { id: string },
): SearchDocument {
  return {
    agentId: 'agent-a',
    userId: null,
    sessionId: null,
    content: `document ${overrides.id}`,
    metadata: {},
    createdAt: new Date(T0).toISOString(),
    version: versionAt(1),
    ...overrides,
  };
}

/** Builds an active agent. */
export function agent(agentId: string, version = versionAt(1)): Agent {
  return {
    agentId,
    name: `Agent ${agentId}`,
    status: 'active',
    quotas: { maxMemoryRecords: 100 },
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    version,
  };
}
