import type {
  JsonValue,
  MemoryListFilter,
  MemoryRecord,
  MemoryStore,
  Metadata,
} from '../ports/index.js';
import type { HybridLogicalClock } from './clock.js';
import {
  LimitExceededError,
  RequestValidationError,
  ResourceConflictError,
  ResourceNotFoundError,
} from './errors.js';
import { idForIdempotencyKey, KEYED_CREATE_BACKDATE_MS, type IdGenerator } from './ids.js';

/** Fields a caller sets on a memory record. */
export interface MemoryInput {
  readonly userId?: string | null;
  readonly sessionId?: string | null;
  readonly key?: string | null;
  /** Searchable text. When absent, the text form of `value` is indexed. */
  readonly content?: string;
  readonly value?: JsonValue;
  readonly metadata?: Metadata;
  /** Lifetime in seconds; absent keeps the record until deleted. */
  readonly ttlSeconds?: number;
}

/** A stored record and whether the write created it. */
export interface MemoryWriteResult {
  readonly record: MemoryRecord;
  readonly created: boolean;
}

/** One page of records and the cursor of the next page, null on the last page. */
export interface MemoryPage {
  readonly items: MemoryRecord[];
  readonly nextCursor: string | null;
}

/** Dependencies of {@link MemoryService}. */
export interface MemoryServiceDeps {
  readonly store: MemoryStore;
  readonly clock: HybridLogicalClock;
  readonly ids: IdGenerator;
  readonly now?: () => number;
}

/** Adds, replaces, reads, lists and deletes an agent's memory records. */
export class MemoryService {
  private readonly deps: MemoryServiceDeps;
  private readonly now: () => number;

  constructor(deps: MemoryServiceDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
  }

  /**
   * Adds a record with a generated id, or with the id of `idempotencyKey` when the request
   * carried one (see {@link idForIdempotencyKey}). A record carrying a key replaces the live
   * record with that key, keeping its id.
   */
  async add(
    agentId: string,
    maxRecords: number,
    input: MemoryInput,
    idempotencyKey?: string,
  ): Promise<MemoryWriteResult> {
    const existing = input.key
      ? await this.deps.store.getByKey(agentId, input.key, this.now())
      : null;
    if (existing || !idempotencyKey) {
      return this.write(agentId, existing?.id ?? this.deps.ids(), existing, maxRecords, input);
    }
    return this.addOnce(agentId, maxRecords, input, idempotencyKey);
  }

  /** Creates or replaces the record with this id. */
  async putById(
    agentId: string,
    id: string,
    maxRecords: number,
    input: MemoryInput,
  ): Promise<MemoryWriteResult> {
    const existing = await this.deps.store.get(agentId, id, this.now());
    await this.checkKeyFree(agentId, id, input.key);
    return this.write(agentId, id, existing, maxRecords, input);
  }

  /** Creates or replaces the record with this key. */
  async putByKey(
    agentId: string,
    key: string,
    maxRecords: number,
    input: MemoryInput,
  ): Promise<MemoryWriteResult> {
    return this.add(agentId, maxRecords, { ...input, key });
  }

  /**
   * Returns a live record.
   *
   * @throws {ResourceNotFoundError} `memory_not_found`.
   */
  async get(agentId: string, id: string): Promise<MemoryRecord> {
    return found(await this.deps.store.get(agentId, id, this.now()), `id "${id}"`);
  }

  /**
   * Returns the live record with this key.
   *
   * @throws {ResourceNotFoundError} `memory_not_found`.
   */
  async getByKey(agentId: string, key: string): Promise<MemoryRecord> {
    return found(await this.deps.store.getByKey(agentId, key, this.now()), `key "${key}"`);
  }

  /**
   * Lists live records in id order, which for generated ids is creation order.
   *
   * @param cursor the `nextCursor` of the previous page, or null for the first page.
   * @throws {RequestValidationError} `invalid_cursor` when the cursor was not issued here.
   */
  async list(
    agentId: string,
    filter: MemoryListFilter,
    limit: number,
    cursor: string | null,
  ): Promise<MemoryPage> {
    const after = cursor === null ? null : decodeCursor(cursor);
    const page = await this.deps.store.list(agentId, filter, { limit, after }, this.now());
    const last = page.items.at(-1);
    return { items: page.items, nextCursor: page.more && last ? encodeCursor(last.id) : null };
  }

  /**
   * Deletes a record by writing a tombstone, so an older write arriving later cannot bring it
   * back.
   *
   * @throws {ResourceNotFoundError} `memory_not_found` when no live record has this id.
   */
  async delete(agentId: string, id: string): Promise<void> {
    await this.tombstone(await this.get(agentId, id));
  }

  /** Deletes the live record with this key. */
  async deleteByKey(agentId: string, key: string): Promise<void> {
    await this.tombstone(await this.getByKey(agentId, key));
  }

  /**
   * Creates the record of an idempotency key, once: a repeat returns the record as it is now,
   * changed since or not. Its first version is backdated by {@link KEYED_CREATE_BACKDATE_MS}, so
   * that a late repeat of the request on another node never replaces a later write.
   *
   * @throws {ResourceConflictError} `idempotency_key_reused` when that record was deleted.
   */
  private async addOnce(
    agentId: string,
    maxRecords: number,
    input: MemoryInput,
    idempotencyKey: string,
  ): Promise<MemoryWriteResult> {
    const id = idForIdempotencyKey(agentId, 'memory', idempotencyKey);
    const current = await this.deps.store.get(agentId, id, this.now());
    if (current) return { record: current, created: false };

    const version = this.deps.clock.before(KEYED_CREATE_BACKDATE_MS);
    const result = await this.write(agentId, id, null, maxRecords, input, version);
    if (result.record.deleted || result.record.version !== version) {
      // A tombstone or a newer write of the record was already stored, so this one did not count.
      throw new ResourceConflictError(
        'idempotency_key_reused',
        `The record created with Idempotency-Key "${idempotencyKey}" was deleted or replaced.`,
        { field: 'header.idempotency-key', hint: 'Send a new key to add another record.' },
      );
    }
    return result;
  }

  private async write(
    agentId: string,
    id: string,
    existing: MemoryRecord | null,
    maxRecords: number,
    input: MemoryInput,
    version: string = this.deps.clock.now(),
  ): Promise<MemoryWriteResult> {
    if (!existing) await this.checkQuota(agentId, maxRecords);

    const nowMs = this.now();
    const timestamp = new Date(nowMs).toISOString();
    const value = input.value ?? null;
    const record: MemoryRecord = {
      agentId,
      id,
      userId: input.userId ?? null,
      sessionId: input.sessionId ?? null,
      key: input.key ?? null,
      content: input.content ?? textOf(value),
      value,
      metadata: input.metadata ?? {},
      createdAt: existing?.createdAt ?? timestamp,
      updatedAt: timestamp,
      expiresAt: input.ttlSeconds ? new Date(nowMs + input.ttlSeconds * 1000).toISOString() : null,
      version,
      deleted: false,
    };

    const result = await this.deps.store.put(record);
    return { record: result.current, created: existing === null };
  }

  private async tombstone(record: MemoryRecord): Promise<void> {
    const timestamp = new Date(this.now()).toISOString();
    await this.deps.store.put({
      ...record,
      content: '',
      value: null,
      metadata: {},
      updatedAt: timestamp,
      version: this.deps.clock.now(),
      deleted: true,
    });
  }

  /** Keeps keys unique: a key may name only one live record. */
  private async checkKeyFree(agentId: string, id: string, key: string | null | undefined) {
    if (!key) return;
    const holder = await this.deps.store.getByKey(agentId, key, this.now());
    if (holder && holder.id !== id) {
      throw new ResourceConflictError(
        'key_in_use',
        `Key "${key}" belongs to record "${holder.id}".`,
        {
          field: 'body.key',
          hint: 'Write through PUT /memory/keys/{key}, or delete the other record first.',
        },
      );
    }
  }

  private async checkQuota(agentId: string, maxRecords: number): Promise<void> {
    const count = await this.deps.store.count(agentId, this.now());
    if (count >= maxRecords) {
      throw new LimitExceededError(
        'memory_quota_exceeded',
        `Agent "${agentId}" holds ${count} memory records, its quota is ${maxRecords}.`,
        { hint: 'Delete records or ask an administrator to raise the quota.' },
      );
    }
  }
}

function found(record: MemoryRecord | null, what: string): MemoryRecord {
  if (!record) {
    throw new ResourceNotFoundError('memory_not_found', `No memory record with ${what}.`, {
      hint: 'The record may have expired or been deleted.',
    });
  }
  return record;
}

function textOf(value: JsonValue): string {
  if (value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const CURSOR_PREFIX = 'm1:';

function encodeCursor(lastId: string): string {
  return Buffer.from(CURSOR_PREFIX + lastId, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(CURSOR_PREFIX) || text.length === CURSOR_PREFIX.length) {
    throw new RequestValidationError('invalid_cursor', 'The cursor is invalid.', {
      field: 'query.cursor',
      hint: 'Pass the next_cursor of the previous page unchanged, or omit it for the first page.',
    });
  }
  return text.slice(CURSOR_PREFIX.length);
}

/** Returns the public JSON form of a memory record, as the memory API and exports show it. */
export function memoryRecordToJson(record: MemoryRecord): Record<string, JsonValue> {
  return {
    id: record.id,
    agent_id: record.agentId,
    user_id: record.userId,
    session_id: record.sessionId,
    key: record.key,
    content: record.content,
    value: record.value,
    metadata: record.metadata,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    expires_at: record.expiresAt,
    version: record.version,
  };
}
