import type { Question } from './types.js';

/**
 * Orders questions round-robin over their agents and renumbers them, so that a phase too short
 * for every question still asks each agent.
 */
export function interleaveByAgent(questions: readonly Question[]): Question[] {
  const byAgent = new Map<string, Question[]>();
  for (const question of questions) {
    const list = byAgent.get(question.agentId) ?? [];
    list.push(question);
    byAgent.set(question.agentId, list);
  }
  const lists = [...byAgent.values()];
  const ordered: Question[] = [];
  for (let round = 0; ordered.length < questions.length; round += 1) {
    for (const list of lists) {
      const question = list[round];
      if (question) ordered.push({ ...question, index: ordered.length });
    }
  }
  return ordered;
}
