import { DrillTargetError } from './errors.js';
import type { DrillHttp, HttpResult } from './http.js';
import type { Turn, Workload } from './workload/index.js';

/** A write that the API acknowledged with 2xx: it must never be lost. */
export interface AckedWrite {
  readonly agentId: string;
  readonly recordId: string;
  readonly dialogId: string;
  /** Version the response carried; a later read must show it or a newer one. */
  readonly version: string;
  readonly content: string;
  /** `setup`, or the phase in which the write was sent. */
  readonly phase: string;
}

/** A turn written during setup, with the id of its memory record. */
export interface WrittenTurn {
  readonly turn: Turn;
  readonly recordId: string;
}

/** Output of setup for the traffic: tokens, the written turns and the id maps. */
export interface SetupResult {
  readonly tokens: ReadonlyMap<string, string>;
  readonly written: readonly WrittenTurn[];
  /** Dialog id of each record id, per agent, to map search hits to evidence. */
  readonly dialogOf: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly acks: readonly AckedWrite[];
  readonly durationMs: number;
  /** Writes that needed a retry. */
  readonly retries: number;
}

/** Attempts per setup write; the primary is up during setup, so a failure is rare. */
const SETUP_ATTEMPTS = 3;

/**
 * Creates the workload's agents through the admin API and writes every turn as a memory record
 * by its speaker's agent, each conversation in order. Conversations are written side by side,
 * `lanes` at a time.
 *
 * @throws {DrillTargetError} when an agent cannot be created or a turn cannot be written.
 */
export async function setupWorkload(
  http: DrillHttp,
  apiUrl: string,
  adminToken: string,
  workload: Workload,
  lanes = 4,
): Promise<SetupResult> {
  const started = performance.now();
  const tokens = new Map<string, string>();
  for (const agent of workload.agents) {
    const response = await http.send(apiUrl, 'POST', '/api/v1/agents', {
      token: adminToken,
      body: { agent_id: agent.id, name: agent.name },
    });
    if (response.status !== 201) throw setupError(`Creating agent ${agent.id}`, response);
    tokens.set(agent.id, String(response.json.token));
  }

  const writer = new TurnWriter(http, apiUrl, tokens);
  const queues = [...groupBy(workload.turns, (turn) => turn.userId).values()];
  const runLane = async () => {
    for (let queue = queues.shift(); queue; queue = queues.shift()) {
      for (const turn of queue) await writer.write(turn);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, queues.length) }, runLane));

  return {
    tokens,
    written: writer.written,
    dialogOf: writer.dialogOf,
    acks: writer.acks,
    durationMs: performance.now() - started,
    retries: writer.retries,
  };
}

class TurnWriter {
  readonly written: WrittenTurn[] = [];
  readonly acks: AckedWrite[] = [];
  readonly dialogOf = new Map<string, Map<string, string>>();
  retries = 0;

  constructor(
    private readonly http: DrillHttp,
    private readonly apiUrl: string,
    private readonly tokens: ReadonlyMap<string, string>,
  ) {}

  async write(turn: Turn): Promise<void> {
    const body = {
      user_id: turn.userId,
      session_id: turn.sessionId,
      key: turn.dialogId,
      content: turn.content,
      metadata: turn.metadata,
    };
    let response: HttpResult | undefined;
    for (let attempt = 1; attempt <= SETUP_ATTEMPTS; attempt += 1) {
      response = await this.http.send(this.apiUrl, 'POST', `/api/v1/${turn.agentId}/memory`, {
        token: this.tokens.get(turn.agentId),
        body,
      });
      if (response.status === 201) break;
      this.retries += 1;
    }
    if (response?.status !== 201)
      throw setupError(`Writing turn ${turn.dialogId} of ${turn.agentId}`, response);

    const recordId = String(response.json.id);
    this.written.push({ turn, recordId });
    const ids = this.dialogOf.get(turn.agentId) ?? new Map<string, string>();
    ids.set(recordId, turn.dialogId);
    this.dialogOf.set(turn.agentId, ids);
    this.acks.push({
      agentId: turn.agentId,
      recordId,
      dialogId: turn.dialogId,
      version: String(response.json.version),
      content: turn.content,
      phase: 'setup',
    });
  }
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(keyOf(item)) ?? [];
    list.push(item);
    groups.set(keyOf(item), list);
  }
  return groups;
}

function setupError(action: string, response: HttpResult | undefined): DrillTargetError {
  const detail = response?.json?.detail ?? response?.error ?? '';
  return new DrillTargetError(`${action} failed with status ${response?.status ?? 0}: ${detail}`);
}
