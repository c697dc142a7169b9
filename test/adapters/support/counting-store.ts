import type {
  MemoryListFilter,
  MemoryRecord,
  MemoryStore,
  Page,
  PutResult,
} from '../../../lambdas/ports/index.js';

/**
 * A memory store that counts reads by id and key and can hold a read's result until released,
 * to stage a read that loads an old record while a newer write completes.
 */
export class CountingStore implements MemoryStore {
  gets = 0;
  keyGets = 0;
  private gate: Promise<void> | undefined;
  private onLoaded: (() => void) | undefined;

  constructor(private readonly inner: MemoryStore) {}

  /**
   * Holds the results of later reads until `release` is called; `loaded` resolves once a held
   * read has loaded its record from the store.
   */
  holdReads(): { loaded: Promise<void>; release: () => void } {
    let release = () => {};
    this.gate = new Promise((resolve) => (release = resolve));
    const loaded = new Promise<void>((resolve) => (this.onLoaded = resolve));
    return {
      loaded,
      release: () => {
        this.gate = undefined;
        release();
      },
    };
  }

  private async hold(): Promise<void> {
    this.onLoaded?.();
    await this.gate;
  }

  put(record: MemoryRecord): Promise<PutResult> {
    return this.inner.put(record);
  }

  async get(agentId: string, id: string, nowMs: number): Promise<MemoryRecord | null> {
    this.gets += 1;
    const record = await this.inner.get(agentId, id, nowMs);
    await this.hold();
    return record;
  }

  async getByKey(agentId: string, key: string, nowMs: number): Promise<MemoryRecord | null> {
    this.keyGets += 1;
    const record = await this.inner.getByKey(agentId, key, nowMs);
    await this.hold();
    return record;
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
