import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { WorkloadError } from '../errors.js';
import { interleaveByAgent } from './interleave.js';
import type { Question, Turn, Workload, WorkloadAgent } from './types.js';

/** Options of {@link loadLocomoWorkload}. */
export interface LocomoOptions {
  /** Conversations are taken in file order until they bring at least this many agents. */
  readonly maxAgents: number;
  /** Prefix of every agent id, which keeps the agents of separate drill runs apart. */
  readonly agentPrefix: string;
  /** Turns kept per conversation, from its start; questions need all their evidence kept. */
  readonly maxTurnsPerConversation?: number;
}

/** LoCoMo category 5 contains questions about events that never happened. */
const ADVERSARIAL_CATEGORY = 5;
const AGENT_ID_MAX = 64;

interface RawTurn {
  readonly speaker: string;
  readonly dialogId: string;
  readonly text: string;
  readonly caption: string | null;
}

interface Conversation {
  readonly id: string;
  readonly speakers: readonly [string, string];
  readonly sessions: readonly {
    readonly name: string;
    readonly date: string | null;
    readonly turns: RawTurn[];
  }[];
  readonly qa: readonly unknown[];
  readonly where: string;
}

/**
 * Reads LoCoMo conversations from a JSON file or from every `.json` file of a folder, in name
 * order. A file contains one conversation (`speaker_a`, `speaker_b`, `session_N` lists of turns with
 * `speaker`, `dia_id` and `text`, and `qa`), a sample that wraps it in `conversation` next to
 * `qa` and `sample_id`, or a list of such samples.
 *
 * Each speaker becomes an agent, each turn a write by its speaker's agent with the `dia_id` as
 * memory key, and each question a search by the speaker who wrote most of its evidence.
 * Evidence ids are read leniently (`D8:6; D9:17` contains two ids, `D:11:26` is `D11:26`); ids
 * that name no turn are dropped.
 *
 * @throws {WorkloadError} naming the file and the field when the input is not in this format.
 */
export function loadLocomoWorkload(path: string, options: LocomoOptions): Workload {
  const conversations: Conversation[] = [];
  for (const file of jsonFiles(path)) {
    for (const conversation of readConversations(file)) {
      if (conversations.length * 2 >= options.maxAgents) break;
      conversations.push(conversation);
    }
  }
  if (conversations.length === 0) {
    throw new WorkloadError(
      `No LoCoMo conversation found in ${path}; give a .json file or folder.`,
    );
  }

  const builder = new WorkloadBuilder(options);
  for (const conversation of conversations) builder.add(conversation);
  return builder.build(path, conversations.length);
}

function jsonFiles(path: string): string[] {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw new WorkloadError(`Workload ${path} was not found.`);
  if (stat.isFile()) return [path];
  return readdirSync(path)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(path, name));
}

function readConversations(file: string): Conversation[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new WorkloadError(`Workload file ${file} is not valid JSON.`, { cause: error });
  }
  const samples = Array.isArray(json) ? json : [json];
  const stem = basename(file, '.json');
  return samples.map((sample, index) =>
    toConversation(
      sample,
      samples.length === 1 ? stem : `${stem}-${index + 1}`,
      `${file}[${index}]`,
    ),
  );
}

function toConversation(sample: unknown, fallbackId: string, where: string): Conversation {
  const record = asRecord(sample, where);
  const body = asRecord(record.conversation ?? record, `${where}.conversation`);
  const speakers = [
    stringField(body, 'speaker_a', where),
    stringField(body, 'speaker_b', where),
  ] as const;
  const sessions = Object.keys(body)
    .map((key) => /^session_(\d+)$/.exec(key))
    .filter((match): match is RegExpExecArray => match !== null && Array.isArray(body[match[0]]))
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((match) => ({
      name: match[0],
      date:
        typeof body[`${match[0]}_date_time`] === 'string'
          ? (body[`${match[0]}_date_time`] as string)
          : null,
      turns: (body[match[0]] as unknown[]).map((turn, index) =>
        toTurn(turn, speakers, `${where}.${match[0]}[${index}]`),
      ),
    }));
  if (sessions.length === 0) throw new WorkloadError(`${where} has no session_N list of turns.`);
  const qa = Array.isArray(record.qa) ? record.qa : [];
  const id = typeof record.sample_id === 'string' ? record.sample_id : fallbackId;
  return { id: recordIdOf(id), speakers, sessions, qa, where };
}

function toTurn(turn: unknown, speakers: readonly [string, string], where: string): RawTurn {
  const record = asRecord(turn, where);
  const speaker = stringField(record, 'speaker', where);
  if (!speakers.includes(speaker)) {
    throw new WorkloadError(`${where}.speaker "${speaker}" is neither speaker_a nor speaker_b.`);
  }
  const caption = typeof record.blip_caption === 'string' ? record.blip_caption : null;
  return {
    speaker,
    dialogId: stringField(record, 'dia_id', where),
    text: String(record.text ?? ''),
    caption,
  };
}

/** Collects agents, turns and questions over conversations, keeping the counts of what it skips. */
class WorkloadBuilder {
  private readonly agents: WorkloadAgent[] = [];
  private readonly turns: Turn[] = [];
  private readonly questions: Question[] = [];
  private readonly skipped: Record<string, number> = {
    adversarial: 0,
    no_evidence: 0,
    evidence_truncated: 0,
    empty_turns: 0,
    unknown_evidence_ids: 0,
  };

  constructor(private readonly options: LocomoOptions) {}

  add(conversation: Conversation): void {
    const agentOf = this.addAgents(conversation);
    const written = this.addTurns(conversation, agentOf);
    const known = new Set(conversation.sessions.flatMap((s) => s.turns.map((t) => t.dialogId)));
    conversation.qa.forEach((item, index) => {
      this.addQuestion(
        item,
        `${conversation.where}.qa[${index}]`,
        conversation,
        agentOf,
        written,
        known,
      );
    });
  }

  build(source: string, conversations: number): Workload {
    const stats = {
      conversations,
      turns: this.turns.length,
      questions: this.questions.length,
      skipped: this.skipped,
    };
    return {
      kind: 'locomo',
      source,
      agents: this.agents,
      turns: this.turns,
      questions: interleaveByAgent(this.questions),
      stats,
    };
  }

  private addAgents(conversation: Conversation): Map<string, string> {
    const agentOf = new Map<string, string>();
    conversation.speakers.forEach((speaker, index) => {
      let id = agentIdOf(`${this.options.agentPrefix}-${conversation.id}-${speaker}`);
      if ([...agentOf.values()].includes(id))
        id = agentIdOf(`${id.slice(0, AGENT_ID_MAX - 2)}-${index}`);
      agentOf.set(speaker, id);
      this.agents.push({ id, name: speaker });
    });
    return agentOf;
  }

  /** Adds the kept turns and returns the speaker of each dialog id written. */
  private addTurns(conversation: Conversation, agentOf: Map<string, string>): Map<string, string> {
    const written = new Map<string, string>();
    const limit = this.options.maxTurnsPerConversation ?? Number.POSITIVE_INFINITY;
    for (const session of conversation.sessions) {
      for (const turn of session.turns) {
        if (written.size >= limit) return written;
        const content = contentOf(turn);
        if (content.trim() === '') {
          this.skipped.empty_turns = (this.skipped.empty_turns ?? 0) + 1;
          continue;
        }
        const metadata: Record<string, string> = {
          dialog_id: turn.dialogId,
          speaker: turn.speaker,
        };
        if (session.date) metadata.session_date = session.date;
        this.turns.push({
          agentId: agentOf.get(turn.speaker) as string,
          dialogId: turn.dialogId,
          userId: conversation.id,
          sessionId: session.name,
          content: content.slice(0, 65_536),
          metadata,
        });
        written.set(turn.dialogId, turn.speaker);
      }
    }
    return written;
  }

  private addQuestion(
    item: unknown,
    where: string,
    conversation: Conversation,
    agentOf: Map<string, string>,
    written: Map<string, string>,
    known: Set<string>,
  ): void {
    const record = asRecord(item, where);
    const text = stringField(record, 'question', where);
    const category = typeof record.category === 'number' ? record.category : null;
    if (category === ADVERSARIAL_CATEGORY) return this.skip('adversarial');

    const ids = evidenceIds(record.evidence);
    const evidence = ids.filter((id) => known.has(id));
    this.skipped.unknown_evidence_ids =
      (this.skipped.unknown_evidence_ids ?? 0) + ids.length - evidence.length;
    if (evidence.length === 0) return this.skip('no_evidence');
    if (evidence.some((id) => !written.has(id))) return this.skip('evidence_truncated');

    const asker = mostFrequent(
      evidence.map((id) => written.get(id) as string),
      conversation.speakers,
    );
    this.questions.push({
      index: this.questions.length,
      agentId: agentOf.get(asker) as string,
      userId: conversation.id,
      text: text.slice(0, 1024),
      evidence: evidence.filter((id) => written.get(id) === asker),
      category,
    });
  }

  private skip(reason: string): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
  }
}

/** Returns the text of a turn, followed by the caption of the photo it shares, if any. */
function contentOf(turn: RawTurn): string {
  if (!turn.caption) return turn.text;
  const photo = `(shares a photo: ${turn.caption})`;
  return turn.text.trim() === '' ? photo : `${turn.text} ${photo}`;
}

/** Extracts dialog ids such as `D3:12` from LoCoMo's `evidence`, tolerating its known typos. */
export function evidenceIds(evidence: unknown): string[] {
  if (!Array.isArray(evidence)) return [];
  const ids = new Set<string>();
  for (const entry of evidence) {
    if (typeof entry !== 'string') continue;
    for (const match of entry.matchAll(/D\s*:?\s*(\d+)\s*:\s*(\d+)/g)) {
      ids.add(`D${Number(match[1])}:${Number(match[2])}`);
    }
  }
  return [...ids];
}

/** Returns the most frequent speaker; a tie goes to the one named first in `order`. */
function mostFrequent(speakers: string[], order: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const speaker of speakers) counts.set(speaker, (counts.get(speaker) ?? 0) + 1);
  return [...order].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0))[0] as string;
}

function agentIdOf(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+/, '');
  return slug.slice(0, AGENT_ID_MAX).replace(/-+$/, '') || 'agent';
}

function recordIdOf(text: string): string {
  const id = text.replace(/[^A-Za-z0-9._:-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return id.slice(0, 128) || 'conversation';
}

function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WorkloadError(`${where} is not a JSON object.`);
  }
  return value as Record<string, unknown>;
}

function stringField(record: Record<string, unknown>, field: string, where: string): string {
  const value = record[field];
  if (typeof value !== 'string' || value === '') {
    throw new WorkloadError(`${where}.${field} is missing or not a non-empty string.`);
  }
  return value;
}
