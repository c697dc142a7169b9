import { DependencyUnavailableError } from '../../core/errors.js';
import type {
  AppLogger,
  MemoryListFilter,
  MemoryRecord,
  MemoryStore,
  Page,
  PutResult,
} from '../../ports/index.js';
import { requireIntegerInRange } from '../errors.js';
import type { RedisGateway } from './gateway.js';
import { SET_IF_NEWER } from './scripts.js';

/** Options of {@link CachedMemoryStore} besides the time to live. */
export interface CachedMemoryStoreOptions {
  /** Prefix of every cache key. @default 'happy:memory' */
  readonly keyPrefix?: string;
  /** Receives one line when the cache starts being bypassed and one when it is back. */
  readonly logger?: AppLogger;
}

/**
 * A read-through cache in Redis in front of a memory store, for reads by id and by key. Lists
 * and counts go to the store.
 *
 * Each cache entry carries the record's version, and every write to the cache is conditional
 * on being newer (a Lua script), so the order in which readers and writers reach Redis does not
 * matter: a reader that loaded an old version cannot overwrite the entry of a newer write. A
 * put writes the record the store now contains (a tombstone included) into the cache before it
 * resolves, so once a put or delete resolves, reads through this store never return an older
 * version.
 *
 * When Redis fails, reads and writes go to the store alone. A put whose cache update failed is
 * remembered and its update retried before this instance reads the cache again.
 *
 * NOTE: other instances do not know about such a failed update, so until it is retried they
 * can read the older cached copy, for at most `ttlSeconds` after Redis returns.
 */
export class CachedMemoryStore implements MemoryStore {
  private readonly inner: MemoryStore;
  private readonly redis: RedisGateway;
  private readonly ttlMs: number;
  private readonly prefix: string;
  private readonly logger: AppLogger | undefined;
  /** Records whose cache update failed, by cache key. */
  private readonly unsynced = new Map<string, MemoryRecord>();
  private bypassing = false;

  /**
   * @param ttlSeconds lifetime of a cache entry; it also bounds the staleness described above.
   *   @default 60
   * @throws {AdapterConfigError} when `ttlSeconds` is not an integer from 1 to 86400.
   */
  constructor(
    inner: MemoryStore,
    redis: RedisGateway,
    ttlSeconds = 60,
    options: CachedMemoryStoreOptions = {},
  ) {
    this.inner = inner;
    this.redis = redis;
    this.ttlMs = requireIntegerInRange('ttlSeconds', ttlSeconds, 1, 86_400) * 1000;
    this.prefix = options.keyPrefix ?? 'happy:memory';
    this.logger = options.logger;
  }

  async put(record: MemoryRecord): Promise<PutResult> {
    const result = await this.inner.put(record);
    await this.remember(result.current);
    return result;
  }

  async get(agentId: string, id: string, nowMs: number): Promise<MemoryRecord | null> {
    const key = this.idKey(agentId, id);
    const cached = await this.readEntry(key);
    if (cached !== undefined) return isLive(cached, nowMs) ? cached : null;

    const record = await this.inner.get(agentId, id, nowMs);
    if (record) await this.fill(record);
    return record;
  }

  async getByKey(agentId: string, key: string, nowMs: number): Promise<MemoryRecord | null> {
    const id = await this.readKeyIndex(agentId, key);
    const cached = id === undefined ? undefined : await this.readEntry(this.idKey(agentId, id));
    // The key index may point at a record that lost or changed its key since; the store decides.
    if (cached && cached.key === key && isLive(cached, nowMs)) return cached;

    const record = await this.inner.getByKey(agentId, key, nowMs);
    if (record) await this.fill(record);
    return record;
  }

  async list(
    agentId: string,
    filter: MemoryListFilter,
    page: { limit: number; after: string | null },
    nowMs: number,
  ): Promise<Page<MemoryRecord>> {
    return this.inner.list(agentId, filter, page, nowMs);
  }

  async count(agentId: string, nowMs: number): Promise<number> {
    return this.inner.count(agentId, nowMs);
  }

  /** Writes `record` into the cache, remembering it for a retry when Redis fails. */
  private async remember(record: MemoryRecord): Promise<void> {
    const key = this.idKey(record.agentId, record.id);
    this.unsynced.delete(key);
    if (!(await this.fill(record))) this.unsynced.set(key, record);
  }

  /** Writes a record and its key index if they are newer; returns false when Redis failed. */
  private async fill(record: MemoryRecord): Promise<boolean> {
    return this.attempt(async () => {
      const ttl = String(this.ttlMs);
      const entry = `${record.version}\n${JSON.stringify(record)}`;
      const idKey = this.idKey(record.agentId, record.id);
      await this.redis.runScript(SET_IF_NEWER, [idKey], [record.version, entry, ttl], true);
      if (record.key === null || record.deleted) return true;

      const index = `${record.version}\n${record.id}`;
      const indexKey = this.keyIndexKey(record.agentId, record.key);
      await this.redis.runScript(SET_IF_NEWER, [indexKey], [record.version, index, ttl], true);
      return true;
    }, false);
  }

  /** Returns the cached record (a tombstone included), or undefined on a miss or a failure. */
  private async readEntry(key: string): Promise<MemoryRecord | undefined> {
    if (!(await this.retryUnsynced()) || this.unsynced.has(key)) return undefined;
    const value = await this.attempt(() => this.redis.get(key), null);
    return value === null ? undefined : parseEntry(value);
  }

  private async readKeyIndex(agentId: string, key: string): Promise<string | undefined> {
    const value = await this.attempt(() => this.redis.get(this.keyIndexKey(agentId, key)), null);
    return value === null ? undefined : value.slice(value.indexOf('\n') + 1);
  }

  /** Retries the cache updates that failed; returns false while some still fail. */
  private async retryUnsynced(): Promise<boolean> {
    for (const [key, record] of [...this.unsynced]) {
      if (!(await this.fill(record))) return false;
      this.unsynced.delete(key);
    }
    return true;
  }

  /** Runs a Redis call, returning `fallback` when Redis is unavailable. */
  private async attempt<T>(call: () => Promise<T>, fallback: T): Promise<T> {
    try {
      const result = await call();
      this.noteBypass(false);
      return result;
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError)) throw error;
      this.noteBypass(true);
      return fallback;
    }
  }

  private noteBypass(bypassing: boolean): void {
    if (bypassing === this.bypassing) return;
    this.bypassing = bypassing;
    if (bypassing) this.logger?.warn('Memory cache bypassed because Redis is unavailable.');
    else this.logger?.info('Memory cache in use again.');
  }

  // Hash tags ({agent id}) keep an agent's keys in one slot of a Redis cluster.
  private idKey(agentId: string, id: string): string {
    return `${this.prefix}:{${agentId}}:id:${id}`;
  }

  private keyIndexKey(agentId: string, key: string): string {
    return `${this.prefix}:{${agentId}}:key:${key}`;
  }
}

/** Parses `<version>\n<record JSON>`; an unreadable entry counts as a miss. */
function parseEntry(value: string): MemoryRecord | undefined {
  try {
    return JSON.parse(value.slice(value.indexOf('\n') + 1)) as MemoryRecord;
  } catch {
    return undefined;
  }
}

function isLive(record: MemoryRecord, nowMs: number): boolean {
  if (record.deleted) return false;
  return record.expiresAt === null || Date.parse(record.expiresAt) > nowMs;
}
