import { interleaveByAgent } from './interleave.js';
import type { Question, Turn, Workload, WorkloadAgent } from './types.js';

/** Options of {@link syntheticWorkload}. */
export interface SyntheticOptions {
  readonly agents: number;
  readonly agentPrefix: string;
  /** Memory records each agent writes. @default 40 */
  readonly factsPerAgent?: number;
  /** Seed of the generator; the same seed gives the same workload. @default 7 */
  readonly seed?: number;
}

const SUBJECTS = ['budget', 'launch', 'contract', 'meeting', 'backup', 'invoice', 'release'];
const PLACES = ['Lisbon', 'the wiki', 'the shared drive', 'Osaka', 'the vault', 'Berlin'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'zu', 'pe', 'shi', 'dra', 'qua'];

/**
 * Generates an agent workload without input files: each agent writes facts that each carry a
 * made-up project code word, then searches for code words. Every question has exactly one
 * evidence record, so a search that works finds it first.
 */
export function syntheticWorkload(options: SyntheticOptions): Workload {
  const random = mulberry32(options.seed ?? 7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const facts = options.factsPerAgent ?? 40;
  const agents: WorkloadAgent[] = [];
  const turns: Turn[] = [];
  const questions: Question[] = [];
  const used = new Set<string>();

  for (let a = 1; a <= options.agents; a += 1) {
    const agent = { id: `${options.agentPrefix}-synthetic-${a}`.slice(0, 64), name: `Agent ${a}` };
    agents.push(agent);
    for (let f = 1; f <= facts; f += 1) {
      const code = uniqueCodeWord(pick, used);
      const subject = pick(SUBJECTS);
      const place = pick(PLACES);
      const dialogId = `F${f}`;
      turns.push({
        agentId: agent.id,
        dialogId,
        userId: `user-${a}`,
        sessionId: `session_${Math.ceil(f / 10)}`,
        content: `The ${subject} notes of project ${code} are kept in ${place}.`,
        metadata: { dialog_id: dialogId, subject },
      });
      questions.push({
        index: questions.length,
        agentId: agent.id,
        userId: `user-${a}`,
        text: `Where are the ${subject} notes of project ${code}?`,
        evidence: [dialogId],
        category: null,
      });
    }
  }
  const stats = { conversations: 0, turns: turns.length, questions: questions.length, skipped: {} };
  const source = `synthetic: ${options.agents} agents x ${facts} facts`;
  return {
    kind: 'synthetic',
    source,
    agents,
    turns,
    questions: interleaveByAgent(questions),
    stats,
  };
}

function uniqueCodeWord(pick: (items: readonly string[]) => string, used: Set<string>): string {
  for (;;) {
    // Four of twelve syllables give 20,736 words, over twice the most a drill uses (200 x 40).
    const word = [1, 2, 3, 4].map(() => pick(SYLLABLES)).join('');
    if (!used.has(word)) {
      used.add(word);
      return word;
    }
  }
}

/** Small seeded generator of numbers in [0, 1) (mulberry32), so workloads are reproducible. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
