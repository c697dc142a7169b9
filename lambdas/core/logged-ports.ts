import type {
  Agent,
  AgentRegistry,
  ChangeLog,
  FileContent,
  FileListFilter,
  FilePutResult,
  FileStore,
  MemoryListFilter,
  MemoryRecord,
  MemoryStore,
  Page,
  PutResult,
  SearchDocument,
  SearchHit,
  SearchIndex,
  SearchQuery,
  StoredFile,
  TaskCreateResult,
  TaskListFilter,
  TaskRecord,
  TaskStore,
} from '../ports/index.js';

/*
 * Decorators that append every write to a change log after the wrapped port has stored it.
 *
 * NOTE: the write and the append are two requests, not one transaction. A crash between them
 * leaves the write stored but not logged, so peers do not see it until the entity is written
 * again. No acknowledged write is lost that way, because the caller gets its response only
 * after the append. A replicated change is sent again until it is acknowledged, and that
 * repairs the gap: an apply that finds the same or a newer state stored appends that state
 * (see `PortReplicaStore`), and the last-writer-wins append costs one read when the log is up
 * to date. A local write whose caller gives up after the crash stays unlogged. Appending an
 * intent entry before the write, resolved by readers, would close that gap.
 */

/** Memory store whose every put is appended to a change log, tombstones included. */
export class LoggedMemoryStore implements MemoryStore {
  constructor(
    private readonly inner: MemoryStore,
    private readonly log: ChangeLog,
  ) {}

  /** Stores the record, then appends the record the store keeps. */
  async put(record: MemoryRecord): Promise<PutResult> {
    const result = await this.inner.put(record);
    await this.log.append({ kind: 'memory', record: result.current });
    return result;
  }

  get(agentId: string, id: string, nowMs: number): Promise<MemoryRecord | null> {
    return this.inner.get(agentId, id, nowMs);
  }

  getByKey(agentId: string, key: string, nowMs: number): Promise<MemoryRecord | null> {
    return this.inner.getByKey(agentId, key, nowMs);
  }

  list(
    agentId: string,
    filter: MemoryListFilter,
    page: { limit: number; after: string | null },
    nowMs: number,
  ): Promise<Page<MemoryRecord>> {
    return this.inner.list(agentId, filter, page, nowMs);
  }

  count(agentId: string, nowMs: number): Promise<number> {
    return this.inner.count(agentId, nowMs);
  }
}

/**
 * Search index whose every added document is appended to a change log.
 *
 * NOTE: the port does not return the document it keeps, so the appended state is the one
 * written. When the index kept a newer version whose writer crashed before appending it, the
 * log then gets this older version, and peers see it until the document is written again.
 */
export class LoggedSearchIndex implements SearchIndex {
  constructor(
    private readonly inner: SearchIndex,
    private readonly log: ChangeLog,
  ) {}

  /** Stores the documents, then appends each one. */
  async indexDocuments(documents: SearchDocument[]): Promise<void> {
    await this.inner.indexDocuments(documents);
    for (const document of documents) await this.log.append({ kind: 'document', document });
  }

  search(query: SearchQuery): Promise<SearchHit[]> {
    return this.inner.search(query);
  }
}

/** Agent registry whose every stored agent is appended to a change log. */
export class LoggedAgentRegistry implements AgentRegistry {
  constructor(
    private readonly inner: AgentRegistry,
    private readonly log: ChangeLog,
  ) {}

  /** Stores a new agent and appends it. An existing agent is left as it is and not appended. */
  async create(agent: Agent): Promise<boolean> {
    const created = await this.inner.create(agent);
    if (created) await this.log.append({ kind: 'agent', agent });
    return created;
  }

  get(agentId: string): Promise<Agent | null> {
    return this.inner.get(agentId);
  }

  /** Stores the agent when newer, then appends the agent the registry keeps. */
  async update(agent: Agent): Promise<Agent | null> {
    const current = await this.inner.update(agent);
    if (current) await this.log.append({ kind: 'agent', agent: current });
    return current;
  }
}

/** Task store whose every created or replaced task is appended to a change log. */
export class LoggedTaskStore implements TaskStore {
  constructor(
    private readonly inner: TaskStore,
    private readonly log: ChangeLog,
  ) {}

  /** Creates the task and appends it, or for a duplicate the task the store already has. */
  async create(task: TaskRecord, maxUnfinished: number): Promise<TaskCreateResult> {
    const result = await this.inner.create(task, maxUnfinished);
    if (result.outcome !== 'limit_reached') {
      await this.log.append({ kind: 'task', task: result.task });
    }
    return result;
  }

  get(agentId: string, id: string): Promise<TaskRecord | null> {
    return this.inner.get(agentId, id);
  }

  /** Replaces the task on a matching version and appends it when replaced. */
  async replace(task: TaskRecord, expectedVersion: string): Promise<boolean> {
    const replaced = await this.inner.replace(task, expectedVersion);
    if (replaced) await this.log.append({ kind: 'task', task });
    return replaced;
  }

  list(
    agentId: string,
    filter: TaskListFilter,
    page: { limit: number; after: string | null },
  ): Promise<Page<TaskRecord>> {
    return this.inner.list(agentId, filter, page);
  }

  listStale(before: string, limit: number): Promise<TaskRecord[]> {
    return this.inner.listStale(before, limit);
  }
}

/** File store whose every put is appended to a change log as metadata, tombstones included. */
export class LoggedFileStore implements FileStore {
  constructor(
    private readonly inner: FileStore,
    private readonly log: ChangeLog,
  ) {}

  /** Stores the file, then appends the metadata of the file the store keeps. */
  async put(file: StoredFile, content: Uint8Array): Promise<FilePutResult> {
    const result = await this.inner.put(file, content);
    await this.log.append({ kind: 'file', file: result.current });
    return result;
  }

  get(agentId: string, name: string): Promise<FileContent | null> {
    return this.inner.get(agentId, name);
  }

  head(agentId: string, name: string): Promise<StoredFile | null> {
    return this.inner.head(agentId, name);
  }

  list(
    agentId: string,
    filter: FileListFilter,
    page: { limit: number; after: string | null },
  ): Promise<Page<StoredFile>> {
    return this.inner.list(agentId, filter, page);
  }
}
