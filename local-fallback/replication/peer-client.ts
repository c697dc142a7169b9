import { Agent, request } from 'undici';
import { z } from 'zod';
import { changeToJson, changeWireSchema, toChange } from '../../lambdas/handlers/index.js';
import type { ApplyOutcome, Change } from '../../lambdas/ports/index.js';
import { ReplicationPeerError } from './errors.js';

/** Options of {@link ReplicationPeerClient}. */
export interface ReplicationPeerClientOptions {
  /** Base URL of the peer; a path in it (an API Gateway stage) prefixes every route. */
  readonly baseUrl: string;
  /** The replication token the peer accepts. */
  readonly token: string;
  /** Time allowed to connect, and then for the response headers and body each. @default 10000 */
  readonly timeoutMs?: number;
}

/** A change from the peer's feed and the node that wrote it. */
export interface PeerChange {
  readonly origin: string;
  readonly change: Change;
}

/** One page of the peer's change feed. */
export interface PeerFeedPage {
  readonly changes: PeerChange[];
  readonly nextCursor: string;
  readonly more: boolean;
}

/** The part of the peer's replication status the recovery gate reads. */
export interface PeerStatus {
  readonly nodeId: string;
  /** The peer's outbox towards its upstream; null when it drains to none. */
  readonly outbox: { readonly pending: number; readonly drainedSeq: number } | null;
}

const feedSchema = z.object({
  changes: z.array(z.intersection(changeWireSchema, z.object({ origin: z.string() }))),
  next_cursor: z.string(),
  more: z.boolean(),
});
const applySchema = z.object({
  results: z.array(z.object({ outcome: z.enum(['applied', 'ignored', 'expired', 'conflict']) })),
});
const statusSchema = z.object({
  node_id: z.string(),
  outbox: z.object({ pending: z.number().int(), drained_seq: z.number().int() }).nullable(),
});

/**
 * HTTP client of a peer's `/internal/v1/` endpoints, sending the replication token.
 *
 * Every method throws {@link ReplicationPeerError} when the call fails.
 */
export class ReplicationPeerClient {
  private readonly base: URL;
  private readonly dispatcher: Agent;

  constructor(private readonly options: ReplicationPeerClientOptions) {
    this.base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    const timeout = options.timeoutMs ?? 10_000;
    this.dispatcher = new Agent({
      connect: { timeout },
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
  }

  /** Reads one page of the peer's feed after `cursor`, leaving out the changes of `nodeId`. */
  async readChanges(cursor: string | null, limit: number, nodeId: string): Promise<PeerFeedPage> {
    const query = new URLSearchParams({ limit: String(limit), node: nodeId });
    if (cursor !== null) query.set('since', cursor);
    const body = await this.call('GET', `internal/v1/changes?${query}`);
    const page = parse(feedSchema, body, 'change feed');
    const changes = page.changes.map((entry) => ({
      origin: entry.origin,
      change: toChange(entry),
    }));
    return { changes, nextCursor: page.next_cursor, more: page.more };
  }

  /** Applies changes on the peer and returns its outcome for each. */
  async apply(changes: readonly Change[]): Promise<ApplyOutcome[]> {
    const payload = JSON.stringify({ changes: changes.map(changeToJson) });
    const body = await this.call('POST', 'internal/v1/apply', payload);
    return parse(applySchema, body, 'apply result').results.map((result) => result.outcome);
  }

  /** Reads the peer's outbox towards its upstream. */
  async status(): Promise<PeerStatus> {
    const body = parse(
      statusSchema,
      await this.call('GET', 'internal/v1/replication/status'),
      'status',
    );
    const outbox = body.outbox && {
      pending: body.outbox.pending,
      drainedSeq: body.outbox.drained_seq,
    };
    return { nodeId: body.node_id, outbox };
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async call(method: 'GET' | 'POST', path: string, payload?: string): Promise<unknown> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}` };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    let response;
    try {
      response = await request(url, {
        method,
        headers,
        body: payload,
        dispatcher: this.dispatcher,
      });
    } catch (error) {
      const message = `${method} ${url.pathname} failed: ${(error as Error).message}`;
      throw new ReplicationPeerError(message, { cause: error });
    }
    const text = await response.body.text();
    if (response.statusCode !== 200) throw problemError(method, url, response.statusCode, text);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new ReplicationPeerError(`${method} ${url.pathname} returned invalid JSON.`, {
        cause: error,
        peerStatus: response.statusCode,
      });
    }
  }
}

function problemError(
  method: string,
  url: URL,
  status: number,
  text: string,
): ReplicationPeerError {
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { code?: string }).code;
  } catch {
    // A proxy in between may respond with HTML, and the status is enough then.
  }
  const message = `${method} ${url.pathname} returned ${status}${code ? ` (${code})` : ''}.`;
  return new ReplicationPeerError(message, { peerStatus: status, peerCode: code });
}

function parse<S extends z.ZodType>(schema: S, body: unknown, description: string): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue ? ` at ${issue.path.join('.')}: ${issue.message}` : '';
  throw new ReplicationPeerError(`The peer's ${description} is not valid${where}.`, {
    cause: result.error,
  });
}
