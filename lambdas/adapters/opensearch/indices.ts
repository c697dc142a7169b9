import { errors, type Client } from '@opensearch-project/opensearch';
import { AdapterConfigError, requireIntegerInRange } from '../errors.js';
import {
  AGENT_MAPPINGS,
  HEALTH_MAPPINGS,
  RECORD_MAPPINGS,
  TASK_MAPPINGS,
  TEXT_ANALYSIS,
  CHANGE_LOG_MAPPINGS,
  REPLICATION_STATE_MAPPINGS,
} from './mappings.js';

/** Names and settings of the indices the adapters use. */
export interface OpenSearchIndexOptions {
  /**
   * Prefix of every index, alias and template name: lower-case letters, digits, `-` and `_`.
   * Tests use a unique prefix per run. @default 'happy'
   */
  readonly prefix?: string;
  /** Primary shards of each new index. @default the engine's default (1 in OpenSearch 2.x) */
  readonly shards?: number;
  /** Replicas of each new index. @default the engine's default (1) */
  readonly replicas?: number;
  /**
   * How often writes become searchable. Writes wait for the next refresh (`refresh=wait_for`),
   * so this is also roughly the worst-case latency of a memory write. @default '1s'
   */
  readonly refreshInterval?: string;
}

/** The aliases the adapters read and write through. */
export interface IndexNames {
  /** Memory records and documents. */
  readonly records: string;
  readonly agents: string;
  readonly health: string;
  /** Task records, their idempotency keys and each agent's unfinished-task slots. */
  readonly tasks: string;
  /** The change log: one single-shard index, one document per replicated entity. */
  readonly changes: string;
  /** Replication cursors and markers, one document per name. */
  readonly replicationState: string;
}

const PREFIX_PATTERN = /^[a-z0-9][a-z0-9_-]{0,99}$/;

/**
 * Returns the alias names for `prefix`.
 *
 * @throws {AdapterConfigError} when the prefix is not a valid index name start.
 */
export function indexNames(prefix = 'happy'): IndexNames {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new AdapterConfigError(
      'prefix',
      `expected 1-100 lower-case letters, digits, "-" or "_", received "${prefix}".`,
    );
  }
  return {
    records: `${prefix}-records`,
    agents: `${prefix}-agents`,
    health: `${prefix}-health`,
    tasks: `${prefix}-tasks`,
    changes: `${prefix}-changes`,
    replicationState: `${prefix}-replication-state`,
  };
}

/**
 * Creates the index templates, and the first index behind each alias when the alias is
 * missing. Safe to call at every start and from several instances at once: templates are
 * replaced with the same content and a concurrent creation of the same index is ignored.
 *
 * NOTE: templates apply to indices created afterwards, so changed `shards`, `replicas` or
 * `refreshInterval` options do not reach an index that exists already.
 *
 * @returns the alias names.
 * @throws the client's error when OpenSearch rejects a template or an index.
 */
export async function ensureIndices(
  client: Client,
  options: OpenSearchIndexOptions = {},
): Promise<IndexNames> {
  const names = indexNames(options.prefix);
  const settings = indexSettings(options);

  await ensureFamily(
    client,
    names.records,
    { ...settings, analysis: TEXT_ANALYSIS },
    RECORD_MAPPINGS,
  );
  await ensureFamily(client, names.agents, settings, AGENT_MAPPINGS);
  await ensureFamily(client, names.health, settings, HEALTH_MAPPINGS);
  await ensureFamily(client, names.tasks, settings, TASK_MAPPINGS);
  // One shard whatever the `shards` option, because the `_seq_no` of that shard orders the log.
  const oneShard = { ...settings, number_of_shards: 1 };
  await ensureFamily(client, names.changes, oneShard, CHANGE_LOG_MAPPINGS);
  await ensureFamily(client, names.replicationState, settings, REPLICATION_STATE_MAPPINGS);
  return names;
}

/**
 * Creates the template and first index of the health alias only, as {@link ensureIndices} does
 * for every alias. For a function whose access is limited to the health index, which must not
 * let a probe write auto-create a plain index under the alias's name.
 *
 * @returns the alias names.
 * @throws the client's error when OpenSearch rejects the template or the index.
 */
export async function ensureHealthIndex(
  client: Client,
  options: OpenSearchIndexOptions = {},
): Promise<IndexNames> {
  const names = indexNames(options.prefix);
  await ensureFamily(client, names.health, indexSettings(options), HEALTH_MAPPINGS);
  return names;
}

/**
 * Deletes every index behind the aliases of `prefix` and their templates; for tests and tear
 * down of a stack. Missing ones are skipped.
 */
export async function deleteIndices(client: Client, prefix = 'happy'): Promise<void> {
  const names = indexNames(prefix);
  for (const alias of Object.values(names)) {
    await client.indices.delete({ index: `${alias}-*` }, { ignore: [404] });
    await client.indices.deleteIndexTemplate({ name: alias }, { ignore: [404] });
  }
}

function indexSettings(options: OpenSearchIndexOptions): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    refresh_interval: options.refreshInterval ?? '1s',
  };
  if (options.shards !== undefined) {
    settings.number_of_shards = requireIntegerInRange('shards', options.shards, 1, 1024);
  }
  if (options.replicas !== undefined) {
    settings.number_of_replicas = requireIntegerInRange('replicas', options.replicas, 0, 16);
  }
  return settings;
}

/**
 * Creates one alias with its template (`<alias>-*`) and first index `<alias>-000001`, so a later
 * mapping change can reindex into `<alias>-000002` and move the alias without touching callers.
 */
async function ensureFamily(
  client: Client,
  alias: string,
  settings: Record<string, unknown>,
  mappings: object,
): Promise<void> {
  await client.indices.putIndexTemplate({
    name: alias,
    body: { index_patterns: [`${alias}-*`], template: { settings, mappings } },
  });

  const exists = await client.indices.existsAlias({ name: alias });
  if (exists.body === true) return;
  try {
    await client.indices.create({
      index: `${alias}-000001`,
      body: { aliases: { [alias]: { is_write_index: true } } },
    });
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}

function isAlreadyExists(error: unknown): boolean {
  if (!(error instanceof errors.ResponseError)) return false;
  const body = error.body as { error?: { type?: string } } | undefined;
  return body?.error?.type === 'resource_already_exists_exception';
}
