/**
 * Benchmark of the storage adapters on LoCoMo conversation turns. It measures memory writes,
 * reads by id (cold, then warm) and BM25 searches through the edge's SQLite adapters and the
 * cloud's OpenSearch adapters, the latter with and without the Redis cache.
 *
 *   npx tsx bench/adapters/adapters-bench.ts [--data FILE] [--writers N]
 *
 * FILE is one LoCoMo conversation in its JSON format, read at run time (the `--data` default
 * is below). OPENSEARCH_URL and REDIS_URL select the cloud runs; without them only SQLite runs.
 * Every turn is written once by N concurrent writers (default 8) and read twice by id in turn
 * order. Every question with evidence is searched once with a limit of 10, and recall@10 counts
 * the questions with an evidence turn among the hits. Prints a Markdown report.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CachedMemoryStore,
  createOpenSearchClient,
  createRedisClient,
  deleteIndices,
  ensureIndices,
  OpenSearchGateway,
  OpenSearchMemoryStore,
  OpenSearchSearchIndex,
  RedisGateway,
} from '../../lambdas/adapters/index.js';
import { HybridLogicalClock } from '../../lambdas/core/clock.js';
import type { MemoryRecord, MemoryStore, SearchIndex } from '../../lambdas/ports/index.js';
import { openDatabase } from '../../local-fallback/storage/database.js';
import { SqliteMemoryStore, SqliteSearchIndex } from '../../local-fallback/storage/index.js';

const AGENT = 'bench-agent';

function loadAverage(): string {
  return loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
}

const LOAD_AT_START = loadAverage();

interface Turn {
  readonly id: string;
  readonly session: string;
  readonly speaker: string;
  readonly text: string;
  readonly createdAt: string;
}

interface Question {
  readonly text: string;
  readonly evidence: string[];
}

/** One configuration of the cloud adapters. */
interface CloudRun {
  readonly label: string;
  readonly refresh: 'wait_for' | true;
  readonly redisUrl?: string | undefined;
}

/** The adapters under test, and a way to empty a cache before the cold reads. */
interface Subject {
  readonly store: MemoryStore;
  readonly index: SearchIndex;
  readonly dropCache?: () => Promise<void>;
}

interface Row {
  readonly adapter: string;
  readonly write: number[];
  readonly coldRead: number[];
  readonly warmRead: number[];
  readonly search: number[];
  readonly recall: number;
}

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/locomo/conv-26.json' },
    writers: { type: 'string', default: '8' },
  },
});

async function main(): Promise<void> {
  const conversation = JSON.parse(readFileSync(values.data as string, 'utf8'));
  // A file holds one conversation, either bare or under `conversation` as in the LoCoMo release.
  const turns = loadTurns(conversation.conversation ?? conversation);
  const questions = loadQuestions(conversation.qa);
  const writers = Number(values.writers);
  console.log(`${turns.length} turns, ${questions.length} questions, ${writers} writers\n`);

  const rows: Row[] = [await benchSqlite(turns, questions, writers)];
  const openSearchUrl = process.env.OPENSEARCH_URL;
  const redisUrl = process.env.REDIS_URL;
  const runs: CloudRun[] = [
    { label: 'OpenSearch, refresh=wait_for', refresh: 'wait_for' },
    { label: 'OpenSearch, refresh=true', refresh: true },
    { label: 'OpenSearch, refresh=wait_for, Redis cache', refresh: 'wait_for', redisUrl },
  ];
  for (const run of runs) {
    if (!openSearchUrl || ('redisUrl' in run && !run.redisUrl)) continue;
    rows.push(await benchOpenSearch(openSearchUrl, run, turns, questions, writers));
  }
  if (!openSearchUrl) console.log('OPENSEARCH_URL is not set: the OpenSearch runs are skipped.');
  if (!redisUrl) console.log('REDIS_URL is not set: the run with the Redis cache is skipped.');

  console.log(await environment(openSearchUrl, redisUrl));
  console.log(table(rows));
}

async function benchSqlite(turns: Turn[], questions: Question[], writers: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'happy-bench-'));
  const db = openDatabase(join(dir, 'edge.db'));
  const subject = { store: new SqliteMemoryStore(db), index: new SqliteSearchIndex(db) };
  try {
    return await measure('SQLite (edge)', subject, turns, questions, writers);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchOpenSearch(
  node: string,
  run: CloudRun,
  turns: Turn[],
  questions: Question[],
  writers: number,
): Promise<Row> {
  const client = createOpenSearchClient({ node });
  const prefix = `bench-${Date.now().toString(36)}`;
  const names = await ensureIndices(client, { prefix, replicas: 0 });
  const gateway = new OpenSearchGateway({ client, names, refresh: run.refresh });
  const redisClient = run.redisUrl ? createRedisClient({ url: run.redisUrl }) : undefined;
  const redis = redisClient ? new RedisGateway({ client: redisClient }) : undefined;
  const inner = new OpenSearchMemoryStore(gateway);
  const subject: Subject = {
    store: redis ? new CachedMemoryStore(inner, redis, 600, { keyPrefix: prefix }) : inner,
    index: new OpenSearchSearchIndex(gateway),
    ...(redisClient ? { dropCache: () => deleteCacheKeys(redisClient, prefix) } : {}),
  };
  try {
    return await measure(run.label, subject, turns, questions, writers);
  } finally {
    await deleteIndices(client, prefix);
    await client.close();
    await subject.dropCache?.();
    await redis?.close();
  }
}

async function measure(
  adapter: string,
  { store, index, dropCache }: Subject,
  turns: Turn[],
  questions: Question[],
  writers: number,
): Promise<Row> {
  const clock = new HybridLogicalClock('bench');
  const write = await inParallel(turns, writers, (turn) => store.put(toRecord(turn, clock.now())));
  // Puts fill the cache, so it is emptied to measure reads that miss it.
  await dropCache?.();
  const coldRead = await inSequence(turns, (turn) => store.get(AGENT, turn.id, Date.now()));
  const warmRead = await inSequence(turns, (turn) => store.get(AGENT, turn.id, Date.now()));
  let found = 0;
  const search = await inSequence(questions, async (question) => {
    const hits = await index.search({
      agentId: AGENT,
      text: question.text,
      limit: 10,
      highlight: false,
      nowMs: Date.now(),
    });
    const ids = new Set(hits.map((hit) => hit.id));
    if (question.evidence.some((id) => ids.has(id))) found += 1;
  });
  console.log(`${adapter}: done`);
  return { adapter, write, coldRead, warmRead, search, recall: found / questions.length };
}

/** Runs `task` on every item, `workers` at a time; returns each run's duration in ms. */
async function inParallel<T>(items: T[], workers: number, task: (item: T) => Promise<unknown>) {
  const durations: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      const started = performance.now();
      await task(item);
      durations.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return durations;
}

function inSequence<T>(items: T[], task: (item: T) => Promise<unknown>): Promise<number[]> {
  return inParallel(items, 1, task);
}

function loadTurns(conversation: Record<string, unknown>): Turn[] {
  const turns: Turn[] = [];
  for (let n = 1; Array.isArray(conversation[`session_${n}`]); n += 1) {
    const createdAt = parseSessionDate(String(conversation[`session_${n}_date_time`]));
    for (const turn of conversation[`session_${n}`] as Record<string, string>[]) {
      turns.push({
        id: turn.dia_id!,
        session: `session_${n}`,
        speaker: turn.speaker!,
        text: turn.text!,
        createdAt,
      });
    }
  }
  return turns;
}

function loadQuestions(qa: { question: string; evidence?: string[] }[]): Question[] {
  return qa
    .filter((item) => (item.evidence ?? []).length > 0)
    .map((item) => ({ text: item.question, evidence: item.evidence ?? [] }));
}

/** Parses dates such as "1:56 pm on 8 May, 2023"; falls back to the epoch. */
function parseSessionDate(text: string): string {
  const parsed = Date.parse(text.replace(/^.* on /, '').replace(',', '') + ' UTC');
  return new Date(Number.isNaN(parsed) ? 0 : parsed).toISOString();
}

function toRecord(turn: Turn, version: string): MemoryRecord {
  return {
    agentId: AGENT,
    id: turn.id,
    userId: turn.speaker.toLowerCase(),
    sessionId: turn.session,
    key: null,
    content: `${turn.speaker}: ${turn.text}`,
    value: null,
    metadata: { speaker: turn.speaker },
    createdAt: turn.createdAt,
    updatedAt: turn.createdAt,
    expiresAt: null,
    version,
    deleted: false,
  };
}

async function deleteCacheKeys(client: ReturnType<typeof createRedisClient>, prefix: string) {
  if (!client.isOpen) return;
  for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
    if (keys.length > 0) await client.del(keys);
  }
}

async function environment(openSearchUrl?: string, redisUrl?: string): Promise<string> {
  const lines = [
    `- Machine: nproc ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory`,
    `- Load average (1, 5, 15 min) at the start: ${LOAD_AT_START}; at the end: ${loadAverage()}`,
    `- Node.js ${process.version}`,
  ];
  if (openSearchUrl) {
    const info = (await (await fetch(openSearchUrl)).json()) as { version: { number: string } };
    lines.push(`- OpenSearch ${info.version.number}, single node on loopback`);
  }
  if (redisUrl) {
    const client = createRedisClient({ url: redisUrl });
    await client.connect();
    const version = /redis_version:(\S+)/.exec(await client.info('server'))?.[1];
    client.destroy();
    lines.push(`- Redis ${version} on loopback`);
  }
  return `${lines.join('\n')}\n`;
}

function table(rows: Row[]): string {
  const columns = ['write', 'cold read', 'warm read', 'search'].flatMap((operation) => [
    `${operation} p50 ms`,
    `${operation} p99 ms`,
  ]);
  const header = `| ${['adapter', ...columns, 'recall@10'].join(' | ')} |`;
  const lines = rows.map((row) =>
    [
      row.adapter,
      ...[row.write, row.coldRead, row.warmRead, row.search].flatMap((ms) => [
        quantile(ms, 0.5),
        quantile(ms, 0.99),
      ]),
      row.recall.toFixed(2),
    ].join(' | '),
  );
  return [header, `|${' --- |'.repeat(10)}`, ...lines.map((line) => `| ${line} |`)].join('\n');
}

/** Nearest-rank quantile in ms, two decimals. */
function quantile(values: number[], q: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return (sorted[rank] ?? Number.NaN).toFixed(2);
}

await main();
