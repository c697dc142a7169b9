import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeProcess, type RunningNode } from '../support/processes.js';

// Writers stream memory writes at an edge process, which is killed with SIGKILL once a given
// number of writes has been acknowledged, while others are still in flight. After a restart on
// the same home folder, every acknowledged write must be there. A write in flight at the kill
// may or may not have landed, so a record may also show the state that write would leave.

const ADMIN_TOKEN = 'happy_admin_crash_test_token_0123';
const AGENT = 'crash-agent';
/** Writers running at once, so that several writes are in flight when the kill comes. */
const WRITERS = 4;
/** Acknowledged writes after which each round kills the process. */
const KILL_POINTS = [15, 40, 90];

/** The state a write leaves a record in: its content, or deleted. */
type RecordState = { readonly content: string } | 'deleted';

/** What the writers know of one record, addressed by id or by key. */
interface RecordModel {
  /** State after the last acknowledged write. */
  acked?: RecordState;
  /** State the write in flight at the kill would leave. */
  pending?: RecordState;
}

/** Records by address, the path under the agent's memory: `<id>` or `keys/<key>`. */
const records = new Map<string, RecordModel>();
let home: string;
let running: RunningNode | undefined;
let token: string;

/** A running edge and the writes acknowledged by it in this round. */
interface Round {
  readonly node: RunningNode;
  readonly dispatcher: Agent;
  readonly killAfter: number;
  acked: number;
  /** Requests sent that have no response yet. */
  inFlight: number;
  /** Requests that had no response yet when the kill signal was sent. */
  inFlightAtKill: number;
}

async function send(
  round: Round,
  method: 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> | null }> {
  round.inFlight += 1;
  const response = await request(`${round.node.url}/api/v1/${AGENT}/memory${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    dispatcher: round.dispatcher,
  }).finally(() => (round.inFlight -= 1));
  if (response.statusCode >= 200 && response.statusCode < 300) acknowledge(round);
  const text = await response.body.text().catch(() => '');
  return { status: response.statusCode, json: text === '' ? null : JSON.parse(text) };
}

/** Counts an acknowledged write and kills the process at the round's kill point. */
function acknowledge(round: Round): void {
  round.acked += 1;
  // Killed here, synchronously, so writes in flight at this moment get no response.
  if (round.acked !== round.killAfter) return;
  round.node.child.kill('SIGKILL');
  round.inFlightAtKill = round.inFlight;
}

/**
 * Runs one write and tracks it in the model. The address is pending until a 2xx arrives, and
 * stays pending when the write fails or gets no response.
 */
async function write(
  address: string,
  state: RecordState,
  perform: () => Promise<{ status: number }>,
): Promise<void> {
  const model = records.get(address) ?? {};
  records.set(address, model);
  model.pending = state;
  const { status } = await perform();
  if (status < 200 || status >= 300) throw new Error(`Write to ${address} returned ${status}.`);
  model.acked = state;
  model.pending = undefined;
}

/** Adds, puts by id and key, and deletes records that no other writer touches. */
async function runWriter(round: Round, writer: number, roundIndex: number): Promise<void> {
  for (let step = 0; step < 1000; step += 1) {
    const name = `r${roundIndex}-w${writer}-s${step}`;
    const added = await send(round, 'POST', '', { user_id: 'crash', content: `${name} added` });
    const id = added.json?.id;
    // The kill can cut off the body of an acknowledged add, leaving its id unknown.
    if (typeof id !== 'string') throw new Error(`Add ${name} returned no id.`);
    await write(id, { content: `${name} added` }, async () => added);

    const put = { content: `${name} put` };
    await write(id, put, () => send(round, 'PUT', `/${id}`, put));
    const keyed = { value: `${name} keyed` };
    await write(`keys/${name}`, { content: keyed.value }, () =>
      send(round, 'PUT', `/keys/${name}`, keyed),
    );
    if (step % 2 === 0) await write(id, 'deleted', () => send(round, 'DELETE', `/${id}`));
    if (step % 3 === 0) {
      await write(`keys/${name}`, 'deleted', () => send(round, 'DELETE', `/keys/${name}`));
    }
  }
}

/** Reads every record with an acknowledged state and lists those that do not match. */
async function findLostWrites(node: RunningNode): Promise<string[]> {
  const lost: string[] = [];
  for (const [address, model] of records) {
    if (model.acked === undefined) continue;
    const response = await request(`${node.url}/api/v1/${AGENT}/memory/${address}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await response.body.text();
    const found: RecordState =
      response.statusCode === 404
        ? 'deleted'
        : { content: (JSON.parse(text) as { content: string }).content };
    const allowed = [model.acked, model.pending].filter((state) => state !== undefined);
    if (!allowed.some((state) => sameState(state, found))) {
      lost.push(`${address}: found ${JSON.stringify(found)}, acked ${JSON.stringify(model.acked)}`);
    }
  }
  return lost;
}

function sameState(a: RecordState, b: RecordState): boolean {
  if (a === 'deleted' || b === 'deleted') return a === b;
  return a.content === b.content;
}

async function createAgent(node: RunningNode): Promise<string> {
  const response = await request(`${node.url}/api/v1/agents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agent_id: AGENT, name: 'Crash agent' }),
  });
  const body = (await response.body.json()) as { token: string };
  if (response.statusCode !== 201)
    throw new Error(`Creating the agent returned ${response.statusCode}.`);
  return body.token;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'happy-crash-test-'));
  running = await startEdgeProcess({ home, adminToken: ADMIN_TOKEN });
  token = await createAgent(running);
});

afterAll(async () => {
  await running?.stop('SIGKILL');
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('edge killed mid-stream', () => {
  it.each(KILL_POINTS.map((killAfter, index) => ({ killAfter, index })))(
    'keeps writes after kill at $killAfter',
    async ({ killAfter, index }) => {
      const node = running as RunningNode;
      const dispatcher = new Agent();
      const round: Round = {
        node,
        dispatcher,
        killAfter,
        acked: 0,
        inFlight: 0,
        inFlightAtKill: 0,
      };
      const writers = Array.from({ length: WRITERS }, (_, writer) =>
        runWriter(round, writer, index),
      );
      await Promise.allSettled(writers);
      await node.stop('SIGKILL');
      await round.dispatcher.destroy();
      running = await startEdgeProcess({ home, adminToken: ADMIN_TOKEN });

      expect(round.acked).toBeGreaterThanOrEqual(killAfter);
      expect(round.inFlightAtKill).toBeGreaterThan(0);
      expect(await findLostWrites(running)).toEqual([]);
    },
  );
});
