import { setTimeout as sleep } from 'node:timers/promises';
import type { DrillHttp, HttpResult, ServedBy } from './http.js';
import { recallAt } from './recall.js';
import type { AckedWrite, SetupResult, WrittenTurn } from './setup.js';
import type { Question } from './workload/index.js';

/** Phases of a drill, in order. */
export const PHASES = ['warmup', 'outage', 'recovery'] as const;
export type PhaseName = (typeof PHASES)[number];

/** Kinds of request the agents send. */
export const OPERATIONS = [
  'search',
  'memory.read',
  'memory.list',
  'agent.read',
  'memory.write',
  'memory.write.idempotent',
  'memory.add.idempotent',
] as const;
export type OperationName = (typeof OPERATIONS)[number];

/**
 * One cycle of 20 requests: 8 searches, 4 reads by id, 1 list, 1 agent read, 3 plain writes,
 * 2 writes by key with an `Idempotency-Key` and 1 new record with one, spread so that every
 * second contains each kind.
 */
// prettier-ignore
const CYCLE: readonly OperationName[] = [
  'search', 'memory.read', 'memory.write', 'search', 'memory.read',
  'memory.write.idempotent', 'search', 'agent.read', 'search', 'memory.add.idempotent',
  'memory.write', 'search', 'memory.list', 'search', 'memory.read',
  'memory.write.idempotent', 'search', 'memory.read', 'memory.write', 'search',
];

/** User id of the records that `memory.add.idempotent` creates. */
export const ADDED_RECORDS_USER = 'drill-notes';

/** A record that a keyed POST created, in a session of its own, so a copy of it can be found. */
export interface AddedRecord {
  readonly agentId: string;
  readonly sessionId: string;
}

/** One request of the traffic and what came back. */
export interface Sample {
  /** Send time, in milliseconds since the drill's clock started. */
  readonly at: number;
  readonly phase: PhaseName;
  readonly op: OperationName;
  /** GET, or a request with an `Idempotency-Key`: the router may send it twice. */
  readonly safe: boolean;
  readonly status: number;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly servedBy: ServedBy;
  readonly retried: boolean;
  readonly error: string | null;
  /** Index of the question of a search. */
  readonly question?: number;
  readonly at5?: number;
  readonly at10?: number;
}

/** Settings of {@link Traffic}. */
export interface TrafficOptions {
  readonly http: DrillHttp;
  readonly apiUrl: string;
  /** Requests per second. */
  readonly rate: number;
  readonly setup: SetupResult;
  readonly questions: readonly Question[];
  /** Milliseconds since the drill's clock started. */
  readonly clock: () => number;
}

/**
 * Open-loop agent traffic: requests leave at a fixed rate whether or not earlier ones have
 * completed, so a slow target shows up as latency instead of fewer requests. Requests beyond
 * the in-flight limit are counted as dropped rather than queued.
 */
export class Traffic {
  readonly samples: Sample[] = [];
  readonly acks: AckedWrite[] = [];
  /** Records created by `memory.add.idempotent`, acknowledged with 201. */
  readonly added: AddedRecord[] = [];
  readonly dropped: Record<PhaseName, number> = { warmup: 0, outage: 0, recovery: 0 };
  private phase: PhaseName = 'warmup';
  private questionCursor = 0;
  private turnCursor = 0;
  private writeCount = 0;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxInFlight: number;
  private readonly listeners = new Set<(sample: Sample) => void>();

  constructor(private readonly options: TrafficOptions) {
    // Enough for 3 s of requests, longer than the 2 s latency fault.
    this.maxInFlight = Math.max(64, Math.ceil(options.rate * 3));
  }

  /** Starts a phase; each phase sends the questions again from the first. */
  setPhase(phase: PhaseName): void {
    this.phase = phase;
    this.questionCursor = 0;
  }

  /** Adds a listener for every finished request. */
  onSample(listener: (sample: Sample) => void): void {
    this.listeners.add(listener);
  }

  /** Starts sending. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await Promise.all([...this.inFlight]);
  }

  private async run(): Promise<void> {
    const intervalMs = 1000 / this.options.rate;
    const startedAt = performance.now();
    for (let tick = 0; !this.stopped; tick += 1) {
      const wait = startedAt + tick * intervalMs - performance.now();
      if (wait > 0) await sleep(wait);
      if (this.stopped) break;
      if (this.inFlight.size >= this.maxInFlight) {
        this.dropped[this.phase] += 1;
        continue;
      }
      const request = this.send(CYCLE[tick % CYCLE.length] as OperationName);
      this.inFlight.add(request);
      void request.finally(() => this.inFlight.delete(request));
    }
  }

  private async send(op: OperationName): Promise<void> {
    const at = this.options.clock();
    const phase = this.phase;
    const { result, safe, extra } = await this.perform(op, phase).catch((error: unknown) => ({
      // Only a bug in this file lands here; the sample keeps it visible instead of a crash.
      result: {
        status: 0,
        servedBy: 'none' as const,
        retried: false,
        json: undefined,
        latencyMs: 0,
        error: String(error),
      },
      safe: op !== 'memory.write',
      extra: undefined,
    }));
    const sample: Sample = {
      at,
      phase,
      op,
      safe,
      status: result.status,
      ok: result.status >= 200 && result.status < 300,
      latencyMs: Math.round(result.latencyMs * 10) / 10,
      servedBy: result.servedBy,
      retried: result.retried,
      error: result.error,
      ...extra,
    };
    this.samples.push(sample);
    for (const listener of this.listeners) listener(sample);
  }

  private async perform(
    op: OperationName,
    phase: PhaseName,
  ): Promise<{ result: HttpResult; safe: boolean; extra?: Partial<Sample> }> {
    switch (op) {
      case 'search':
        return this.search();
      case 'memory.read': {
        const { turn, recordId } = this.nextTurn();
        return {
          result: await this.get(turn.agentId, `/api/v1/${turn.agentId}/memory/${recordId}`),
          safe: true,
        };
      }
      case 'memory.list': {
        const { turn } = this.nextTurn();
        const query = `?user_id=${encodeURIComponent(turn.userId)}&limit=10`;
        return {
          result: await this.get(turn.agentId, `/api/v1/${turn.agentId}/memory${query}`),
          safe: true,
        };
      }
      case 'agent.read': {
        const { turn } = this.nextTurn();
        return {
          result: await this.get(turn.agentId, `/api/v1/agents/${turn.agentId}`),
          safe: true,
        };
      }
      case 'memory.write':
      case 'memory.write.idempotent':
        return this.rewrite(op === 'memory.write.idempotent', phase);
      case 'memory.add.idempotent':
        return this.addRecord(phase);
    }
  }

  /**
   * Adds a new record with POST and an `Idempotency-Key`, which the router may send to both
   * targets. Its session id is its own, so the check after the drill can count its copies.
   */
  private async addRecord(phase: PhaseName): Promise<{ result: HttpResult; safe: boolean }> {
    const { turn } = this.nextTurn();
    this.writeCount += 1;
    const sessionId = `drill-add-${this.writeCount}`;
    const content = `Drill note ${this.writeCount} of ${turn.agentId}.`;
    const result = await this.options.http.send(
      this.options.apiUrl,
      'POST',
      `/api/v1/${turn.agentId}/memory`,
      {
        token: this.token(turn.agentId),
        // A user of their own keeps these records out of the searches, and so out of recall.
        body: { user_id: ADDED_RECORDS_USER, session_id: sessionId, content },
        idempotent: true,
      },
    );
    if (result.status === 201) {
      this.added.push({ agentId: turn.agentId, sessionId });
      this.acks.push({
        agentId: turn.agentId,
        recordId: String(result.json.id),
        dialogId: sessionId,
        version: String(result.json.version),
        content,
        phase,
      });
    }
    return { result, safe: true };
  }

  private get(agentId: string, path: string): Promise<HttpResult> {
    return this.options.http.send(this.options.apiUrl, 'GET', path, { token: this.token(agentId) });
  }

  /** Asks the next question; a failed search finds nothing, so its recall is 0. */
  private async search(): Promise<{ result: HttpResult; safe: boolean; extra: Partial<Sample> }> {
    const questions = this.options.questions;
    const question = questions[this.questionCursor % questions.length] as Question;
    this.questionCursor += 1;
    // Searching changes nothing, so the key only permits the router to send the request twice.
    const result = await this.options.http.send(
      this.options.apiUrl,
      'POST',
      `/api/v1/${question.agentId}/search`,
      {
        token: this.token(question.agentId),
        body: { query: question.text, user_id: question.userId, limit: 10, highlight: false },
        idempotent: true,
      },
    );
    const ids = this.options.setup.dialogOf.get(question.agentId);
    const ranked: string[] =
      result.status === 200 && Array.isArray(result.json?.results)
        ? result.json.results.map((hit: { id: string }) => ids?.get(hit.id) ?? `record:${hit.id}`)
        : [];
    const at5 = recallAt(5, ranked, question.evidence) ?? 0;
    const at10 = recallAt(10, ranked, question.evidence) ?? 0;
    return { result, safe: true, extra: { question: question.index, at5, at10 } };
  }

  /**
   * Writes a turn again with its own content and a new `drill_write` counter in its metadata, so
   * the write gets a new version while the searchable text, and with it every recall, stays the
   * same.
   */
  private async rewrite(
    idempotent: boolean,
    phase: PhaseName,
  ): Promise<{ result: HttpResult; safe: boolean }> {
    const { turn } = this.nextTurn();
    this.writeCount += 1;
    const result = await this.options.http.send(
      this.options.apiUrl,
      'PUT',
      `/api/v1/${turn.agentId}/memory/keys/${encodeURIComponent(turn.dialogId)}`,
      {
        token: this.token(turn.agentId),
        body: {
          user_id: turn.userId,
          session_id: turn.sessionId,
          content: turn.content,
          metadata: { ...turn.metadata, drill_write: this.writeCount },
        },
        idempotent,
      },
    );
    if (result.status === 200 || result.status === 201) {
      this.acks.push({
        agentId: turn.agentId,
        recordId: String(result.json.id),
        dialogId: turn.dialogId,
        version: String(result.json.version),
        content: turn.content,
        phase,
      });
    }
    return { result, safe: idempotent };
  }

  /** Walks the written turns in a fixed scattered order, so reads and writes spread over all. */
  private nextTurn(): WrittenTurn {
    const written = this.options.setup.written;
    // 7919 is prime, so the walk visits every turn unless the count is a multiple of it.
    const index = (this.turnCursor * 7919 + 13) % written.length;
    this.turnCursor += 1;
    return written[index] as WrittenTurn;
  }

  private token(agentId: string): string | undefined {
    return this.options.setup.tokens.get(agentId);
  }
}
