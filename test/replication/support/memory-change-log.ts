import { randomBytes } from 'node:crypto';
import {
  compareVersions,
  cutLogPage,
  entityOfLogged,
  originOfLogged,
  versionOfLogged,
} from '../../../lambdas/core/index.js';
import type {
  ChangeKind,
  ChangeLog,
  ChangeQuery,
  LogEntry,
  LoggedChange,
  LogPage,
} from '../../../lambdas/ports/index.js';

/**
 * A change log in process memory, so the replica store over ports runs in tests without
 * OpenSearch. Appends are visible at once, which makes it the easy case of the contract.
 */
export class MemoryChangeLog implements ChangeLog {
  private readonly id = randomBytes(8).toString('hex');
  private readonly entries = new Map<string, LogEntry>();
  private readonly state = new Map<string, string>();
  private lastSeq = 0;

  async feedId(): Promise<string> {
    return this.id;
  }

  async append(change: LoggedChange): Promise<boolean> {
    const { kind, agentId, id } = entityOfLogged(change);
    const key = keyOf(kind, agentId, id);
    const logged = this.entries.get(key);
    if (logged && compareVersions(versionOfLogged(logged.change), versionOfLogged(change)) >= 0) {
      return false;
    }
    this.lastSeq += 1;
    this.entries.set(key, { seq: this.lastSeq, origin: originOfLogged(change), change });
    return true;
  }

  async latest(kind: ChangeKind, agentId: string, id: string): Promise<LoggedChange | null> {
    return this.entries.get(keyOf(kind, agentId, id))?.change ?? null;
  }

  async readChanges(query: ChangeQuery): Promise<LogPage> {
    const candidates = this.matching(query).slice(0, query.limit + 1);
    const { entries, complete } = cutLogPage(candidates, query.limit, query.maxContentBytes);
    const nextSeq = complete ? Math.max(this.lastSeq, query.after) : (entries.at(-1)?.seq ?? 0);
    return { entries, nextSeq, more: !complete, headSeq: this.lastSeq };
  }

  async headSeq(): Promise<number> {
    return this.lastSeq;
  }

  async countChanges(query: { readonly after: number; readonly onlyOrigin?: string }) {
    return this.matching(query).length;
  }

  async readState(name: string): Promise<string | null> {
    return this.state.get(name) ?? null;
  }

  async writeState(name: string, value: string): Promise<void> {
    this.state.set(name, value);
  }

  private matching(query: Pick<ChangeQuery, 'after' | 'excludeOrigin' | 'onlyOrigin'>) {
    return [...this.entries.values()]
      .filter((entry) => entry.seq > query.after)
      .filter((entry) => query.onlyOrigin === undefined || entry.origin === query.onlyOrigin)
      .filter((entry) => query.excludeOrigin === undefined || entry.origin !== query.excludeOrigin)
      .sort((a, b) => a.seq - b.seq);
  }
}

function keyOf(kind: ChangeKind, agentId: string, id: string): string {
  return JSON.stringify([kind, agentId, id]);
}
