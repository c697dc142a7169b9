import type { Database, Statement } from 'better-sqlite3';
import type {
  SearchDocument,
  SearchHit,
  SearchHitKind,
  SearchIndex,
  SearchQuery,
} from '../../lambdas/ports/index.js';

/** Most query terms passed to FTS5; longer queries keep their first terms. */
export const MAX_QUERY_TERMS = 64;
/** Tokens of context around each match in a highlight fragment. */
const SNIPPET_TOKENS = 24;

interface HitRow {
  kind: SearchHitKind;
  ref_id: string;
  rank: number;
  content: string;
  user_id: string | null;
  session_id: string | null;
  metadata: string;
  created_at: string;
  snippet: string | null;
}

/**
 * NOTE: BM25 term statistics come from the whole FTS5 table, so other agents' writes shift an
 * agent's scores (never its hits). Per-agent tables or a ranking function with per-agent
 * statistics would close this side channel.
 *
 * Full-text search over the edge's FTS5 table, ranked by FTS5's BM25 (k1 = 1.2, b = 0.75, the
 * same defaults as OpenSearch). Query text is split into terms, each quoted, and joined with OR,
 * so no FTS5 query syntax from the caller is ever interpreted.
 */
export class SqliteSearchIndex implements SearchIndex {
  private readonly upsertDocument: Statement;
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {
    this.upsertDocument = db.prepare(`
      INSERT INTO documents (agent_id, id, user_id, session_id, content, metadata, created_at, version)
      VALUES (@agent_id, @id, @user_id, @session_id, @content, @metadata, @created_at, @version)
      ON CONFLICT (agent_id, id) DO UPDATE SET
        user_id = excluded.user_id, session_id = excluded.session_id, content = excluded.content,
        metadata = excluded.metadata, created_at = excluded.created_at, version = excluded.version
      WHERE excluded.version > documents.version`);
  }

  async indexDocuments(documents: SearchDocument[]): Promise<void> {
    const insertAll = this.db.transaction((rows: SearchDocument[]) => {
      for (const document of rows) {
        this.upsertDocument.run({
          agent_id: document.agentId,
          id: document.id,
          user_id: document.userId,
          session_id: document.sessionId,
          content: document.content,
          metadata: JSON.stringify(document.metadata),
          created_at: document.createdAt,
          version: document.version,
        });
      }
    });
    insertAll(documents);
  }

  async search(query: SearchQuery): Promise<SearchHit[]> {
    const match = toMatchExpression(query.text);
    if (match === null) return [];

    const { sql, params } = buildSearchSql(query, match);
    const rows = this.statement(sql).all(params) as HitRow[];
    return rows.map((row) => toHit(row, query.highlight));
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** Turns free text into an FTS5 expression of quoted terms joined by OR; null when no term. */
export function toMatchExpression(text: string): string | null {
  const terms = text.match(/[\p{L}\p{N}_]+/gu)?.slice(0, MAX_QUERY_TERMS) ?? [];
  if (terms.length === 0) return null;
  return [...new Set(terms.map((term) => term.toLowerCase()))]
    .map((term) => `"${term}"`)
    .join(' OR ');
}

function buildSearchSql(
  query: SearchQuery,
  match: string,
): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { match, agent: query.agentId, now: query.nowMs };
  const conditions = [
    'search_fts MATCH @match',
    'agent_id = @agent',
    '(expires_at_ms IS NULL OR expires_at_ms > @now)',
  ];
  if (query.userId !== undefined) conditions.push('user_id = @user');
  if (query.sessionId !== undefined) conditions.push('session_id = @session');
  if (query.createdFrom !== undefined) conditions.push('created_at >= @from');
  if (query.createdTo !== undefined) conditions.push('created_at < @to');
  Object.assign(params, {
    user: query.userId,
    session: query.sessionId,
    from: query.createdFrom,
    to: query.createdTo,
    limit: query.limit,
  });

  Object.entries(query.metadata ?? {}).forEach(([key, value], index) => {
    // The schema restricts metadata keys to [A-Za-z_][A-Za-z0-9_.-]*, so quoting them in the JSON
    // path is safe. The key is still bound as a parameter and never spliced into the SQL.
    conditions.push(`json_extract(metadata, '$."' || @mk${index} || '"') = @mv${index}`);
    params[`mk${index}`] = key;
    params[`mv${index}`] = typeof value === 'boolean' ? Number(value) : value;
  });

  const snippet = query.highlight
    ? `snippet(search_fts, 0, '<em>', '</em>', '…', ${SNIPPET_TOKENS})`
    : 'NULL';
  const sql = `
    SELECT kind, ref_id, bm25(search_fts) AS rank, content, user_id, session_id, metadata,
      created_at, ${snippet} AS snippet
    FROM search_fts WHERE ${conditions.join(' AND ')}
    ORDER BY rank LIMIT @limit`;
  return { sql, params };
}

function toHit(row: HitRow, highlight: boolean): SearchHit {
  const hit: SearchHit = {
    id: row.ref_id,
    kind: row.kind,
    // FTS5 returns BM25 negated so that ascending order ranks best first; flip it back.
    score: -row.rank,
    content: row.content,
    userId: row.user_id,
    sessionId: row.session_id,
    metadata: JSON.parse(row.metadata),
    createdAt: row.created_at,
  };
  return highlight ? { ...hit, highlights: row.snippet ? [row.snippet] : [] } : hit;
}
