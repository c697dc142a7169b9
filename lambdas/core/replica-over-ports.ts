import type {
  Agent,
  AgentRegistry,
  ApplyOutcome,
  Change,
  ChangeLog,
  ChangePage,
  ChangeQuery,
  FeedEntry,
  FileStore,
  LoggedChange,
  MemoryRecord,
  MemoryStore,
  ReplicaStore,
  SearchDocument,
  SearchIndex,
  TaskRecord,
  TaskStore,
} from '../ports/index.js';
import { compareVersions } from './clock.js';
import { ResourceConflictError } from './errors.js';
import { entityOfLogged, originOfLogged, versionOfLogged } from './logged-changes.js';
import {
  LoggedAgentRegistry,
  LoggedFileStore,
  LoggedMemoryStore,
  LoggedSearchIndex,
  LoggedTaskStore,
} from './logged-ports.js';

/**
 * Name of the replication state entry that contains the tombstone purge horizon: the same name
 * the SQLite store uses, so a purge job writes it the same way on either store.
 *
 * NOTE: no job purges tombstones from ports and their change log yet, so nothing writes this
 * entry there and applies report `expired` only after something else has written it.
 */
export const PURGE_HORIZON_STATE = 'purge-horizon';

/** Compare-and-set rounds of one task or agent apply before it gives up. */
const MAX_APPLY_ROUNDS = 10;

/** Entities applied at once within one batch. Changes of one entity are applied in order. */
const APPLY_CONCURRENCY = 8;

/** A task create that no limit can stop: replicated tasks were admitted by their origin. */
const NO_TASK_LIMIT = Number.MAX_SAFE_INTEGER;

/** The ports of one node's replicated data. */
export interface ReplicatedPorts {
  readonly memoryStore: MemoryStore;
  readonly searchIndex: SearchIndex;
  readonly agentRegistry: AgentRegistry;
  readonly taskStore: TaskStore;
  readonly fileStore: FileStore;
}

/** Options of {@link createReplicatedStores}: the node's change log and its plain ports. */
export interface ReplicatedStoresOptions extends ReplicatedPorts {
  readonly changeLog: ChangeLog;
}

/** The ports that log their writes, and the replica store over them. */
export interface ReplicatedStores extends ReplicatedPorts {
  readonly replicaStore: ReplicaStore;
}

/**
 * Wraps a node's ports so that every write is appended to `changeLog`, and builds the
 * {@link ReplicaStore} of the node over the wrapped ports. Local writes and changes applied
 * from a peer then reach the log the same way. Pass the outermost ports (a caching memory store
 * rather than the one it caches), and use only the returned ports for writes, so that no write
 * bypasses the log.
 */
export function createReplicatedStores(options: ReplicatedStoresOptions): ReplicatedStores {
  const log = options.changeLog;
  const ports: ReplicatedPorts = {
    memoryStore: new LoggedMemoryStore(options.memoryStore, log),
    searchIndex: new LoggedSearchIndex(options.searchIndex, log),
    agentRegistry: new LoggedAgentRegistry(options.agentRegistry, log),
    taskStore: new LoggedTaskStore(options.taskStore, log),
    fileStore: new LoggedFileStore(options.fileStore, log),
  };
  return { ...ports, replicaStore: new PortReplicaStore(log, ports) };
}

/**
 * A {@link ReplicaStore} over the ports of a node and its {@link ChangeLog}. Applies are
 * last-writer-wins through the ports, whose logging decorators append each result to the log.
 * An ignored change appends the state the store keeps, which repairs the log after a crash
 * between a write and its append. The feed reads the log, and fetches the content of live files
 * from the file store.
 *
 * Outcomes follow the SQLite store: `expired` for a memory change older than the purge horizon
 * (state {@link PURGE_HORIZON_STATE}) whose record the log no longer has, and `conflict` for a
 * task whose idempotency key another task of the agent has.
 */
export class PortReplicaStore implements ReplicaStore {
  /**
   * @param log the change log the ports append to.
   * @param ports ports that log their writes, such as {@link createReplicatedStores} returns.
   */
  constructor(
    private readonly log: ChangeLog,
    private readonly ports: ReplicatedPorts,
  ) {}

  feedId(): Promise<string> {
    return this.log.feedId();
  }

  headSeq(): Promise<number> {
    return this.log.headSeq();
  }

  countChanges(query: { readonly after: number; readonly onlyOrigin?: string }): Promise<number> {
    return this.log.countChanges(query);
  }

  readState(name: string): Promise<string | null> {
    return this.log.readState(name);
  }

  writeState(name: string, value: string): Promise<void> {
    return this.log.writeState(name, value);
  }

  /**
   * Reads a page of the log and adds the content of live files. A file whose store has a newer
   * state than its entry is served in that state, and one deleted since is left out, because
   * the write that changed it appends a later entry.
   */
  async readChanges(query: ChangeQuery): Promise<ChangePage> {
    const page = await this.log.readChanges(query);
    const entries: FeedEntry[] = [];
    for (const entry of page.entries) {
      const change = await this.withContent(entry.change);
      if (!change) continue;
      const origin = originOfLogged(change);
      if (query.onlyOrigin !== undefined && origin !== query.onlyOrigin) continue;
      if (query.excludeOrigin !== undefined && origin === query.excludeOrigin) continue;
      entries.push({ seq: entry.seq, origin, change });
    }
    return { entries, nextSeq: page.nextSeq, more: page.more, headSeq: page.headSeq };
  }

  /**
   * Applies changes last-writer-wins. Changes of different entities are applied concurrently,
   * those of one entity in the order given. After a failure no further change is started, and
   * the error is raised once the changes in progress have ended.
   *
   * @throws {ResourceConflictError} `write_conflict` when concurrent writers of one task or
   *   agent won 10 rounds in a row; changes applied before stay applied, and a retry is safe.
   */
  async applyChanges(changes: readonly Change[]): Promise<ApplyOutcome[]> {
    const horizon = (await this.log.readState(PURGE_HORIZON_STATE)) ?? '';
    const outcomes: ApplyOutcome[] = new Array<ApplyOutcome>(changes.length);
    const groups = [...groupByEntity(changes).values()];
    let failure: { error: unknown } | undefined;
    const work = async () => {
      for (let group = groups.shift(); group && !failure; group = groups.shift()) {
        try {
          for (const index of group) {
            outcomes[index] = await this.applyOne(changes[index] as Change, horizon);
          }
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: APPLY_CONCURRENCY }, work));

    if (failure) throw failure.error;
    return outcomes;
  }

  private async applyOne(change: Change, horizon: string): Promise<ApplyOutcome> {
    switch (change.kind) {
      case 'memory':
        return this.applyMemory(change.record, horizon);
      case 'document':
        return this.applyDocument(change.document);
      case 'agent':
        return this.applyAgent(change.agent);
      case 'task':
        return this.applyTask(change.task);
      case 'file': {
        const result = await this.ports.fileStore.put(change.file, change.content);
        return result.applied ? 'applied' : 'ignored';
      }
    }
  }

  private async applyMemory(record: MemoryRecord, horizon: string): Promise<ApplyOutcome> {
    if (compareVersions(record.version, horizon) < 0) {
      // The tombstone that may have deleted this record is purged, so the write cannot be judged.
      const logged = await this.log.latest('memory', record.agentId, record.id);
      if (!logged) return 'expired';
    }
    const result = await this.ports.memoryStore.put(record);
    return result.applied ? 'applied' : 'ignored';
  }

  /**
   * The search index port reports neither the version it keeps nor whether a write took
   * effect, so the log decides. Every version in the log was written to the index first.
   */
  private async applyDocument(document: SearchDocument): Promise<ApplyOutcome> {
    const logged = await this.log.latest('document', document.agentId, document.id);
    if (logged && compareVersions(versionOfLogged(logged), document.version) >= 0) {
      return 'ignored';
    }
    await this.ports.searchIndex.indexDocuments([document]);
    return 'applied';
  }

  private async applyAgent(agent: Agent): Promise<ApplyOutcome> {
    const registry = this.ports.agentRegistry;
    const stored = await registry.get(agent.agentId);
    if (stored && compareVersions(stored.version, agent.version) >= 0) {
      // Repairs the log when a crash came between the stored write and its append.
      await this.log.append({ kind: 'agent', agent: stored });
      return 'ignored';
    }
    if (!stored && (await registry.create(agent))) return 'applied';
    // The registry's update is last-writer-wins, so another agent state may have won meanwhile.
    const current = await registry.update(agent);
    return current?.version === agent.version ? 'applied' : 'ignored';
  }

  /** Creates or replaces the task by compare-and-set on its version. */
  private async applyTask(task: TaskRecord): Promise<ApplyOutcome> {
    const store = this.ports.taskStore;
    for (let round = 1; round <= MAX_APPLY_ROUNDS; round += 1) {
      const stored = await store.get(task.agentId, task.id);
      if (stored && compareVersions(stored.version, task.version) >= 0) {
        await this.log.append({ kind: 'task', task: stored });
        return 'ignored';
      }
      if (stored) {
        if (await store.replace(task, stored.version)) return 'applied';
        continue;
      }
      const created = await store.create(task, NO_TASK_LIMIT);
      if (created.outcome === 'created') return 'applied';
      // Another task has the idempotency key. The same id means a concurrent create won.
      if (created.outcome === 'duplicate' && created.task.id !== task.id) return 'conflict';
    }
    throw new ResourceConflictError(
      'write_conflict',
      `The apply of task "${task.id}" met ${MAX_APPLY_ROUNDS} concurrent writes in a row.`,
      { hint: 'Retry the batch; applying a change again is harmless.' },
    );
  }

  private async withContent(change: LoggedChange): Promise<Change | null> {
    if (change.kind !== 'file') return change;
    if (change.file.deleted) return { kind: 'file', file: change.file, content: new Uint8Array(0) };
    const stored = await this.ports.fileStore.get(change.file.agentId, change.file.name);
    return stored ? { kind: 'file', file: stored.file, content: stored.content } : null;
  }
}

/** Groups change positions by entity, keeping their order within each group. */
function groupByEntity(changes: readonly Change[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  changes.forEach((change, index) => {
    const { kind, agentId, id } = entityOfLogged(change);
    const key = JSON.stringify([kind, agentId, id]);
    const group = groups.get(key);
    if (group) group.push(index);
    else groups.set(key, [index]);
  });
  return groups;
}
