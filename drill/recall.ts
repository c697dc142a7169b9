/**
 * Recall@k of one search: the share of the relevant items found among the first `k` results.
 * A search with no relevant items has no recall, so the result is null.
 */
export function recallAt(
  k: number,
  ranked: readonly string[],
  relevant: readonly string[],
): number | null {
  if (relevant.length === 0) return null;
  const top = new Set(ranked.slice(0, k));
  const found = new Set(relevant.filter((item) => top.has(item)));
  return found.size / new Set(relevant).size;
}

/** Recall of one search of a question in a phase. */
export interface RecallSample {
  readonly question: number;
  readonly at5: number;
  readonly at10: number;
}

/** Mean recall over searches. */
export interface RecallSummary {
  /** Mean recall@5 over the searches, or null when there were none. */
  readonly at5: number | null;
  readonly at10: number | null;
  readonly searches: number;
  /** Distinct questions asked. */
  readonly questions: number;
}

/** Averages recall over every search in `samples`. */
export function summarizeRecall(samples: readonly RecallSample[]): RecallSummary {
  const questions = new Set(samples.map((sample) => sample.question)).size;
  if (samples.length === 0) return { at5: null, at10: null, searches: 0, questions };
  return {
    at5: mean(samples.map((sample) => sample.at5)),
    at10: mean(samples.map((sample) => sample.at10)),
    searches: samples.length,
    questions,
  };
}

/** Recall before and during the outage over the questions asked in both phases. */
export interface RecallComparison {
  /** Questions asked both before and during the outage. */
  readonly questions: number;
  readonly before: { readonly at5: number | null; readonly at10: number | null };
  readonly during: { readonly at5: number | null; readonly at10: number | null };
  /** Questions whose recall@5 or recall@10 fell during the outage. */
  readonly worse: readonly number[];
}

/**
 * Compares recall per question between two phases, over the questions searched in both. Each
 * phase sends the questions in the same order from the first, so the shorter phase sends a
 * prefix of the other's questions. A question's recall in a phase is the mean over its searches
 * there.
 */
export function compareRecall(
  before: readonly RecallSample[],
  during: readonly RecallSample[],
): RecallComparison {
  const beforeByQuestion = perQuestion(before);
  const duringByQuestion = perQuestion(during);
  const common = [...beforeByQuestion.keys()]
    .filter((q) => duringByQuestion.has(q))
    .sort((a, b) => a - b);
  const pick = (map: Map<number, RecallSample>, field: 'at5' | 'at10') =>
    common.length === 0 ? null : mean(common.map((q) => (map.get(q) as RecallSample)[field]));
  const worse = common.filter((q) => {
    const b = beforeByQuestion.get(q) as RecallSample;
    const d = duringByQuestion.get(q) as RecallSample;
    return d.at5 < b.at5 - EPSILON || d.at10 < b.at10 - EPSILON;
  });
  return {
    questions: common.length,
    before: { at5: pick(beforeByQuestion, 'at5'), at10: pick(beforeByQuestion, 'at10') },
    during: { at5: pick(duringByQuestion, 'at5'), at10: pick(duringByQuestion, 'at10') },
    worse,
  };
}

// Means of the same values summed in another order may differ in the last bits.
const EPSILON = 1e-9;

function perQuestion(samples: readonly RecallSample[]): Map<number, RecallSample> {
  const grouped = new Map<number, RecallSample[]>();
  for (const sample of samples) {
    const list = grouped.get(sample.question) ?? [];
    list.push(sample);
    grouped.set(sample.question, list);
  }
  const result = new Map<number, RecallSample>();
  for (const [question, list] of grouped) {
    result.set(question, {
      question,
      at5: mean(list.map((sample) => sample.at5)),
      at10: mean(list.map((sample) => sample.at10)),
    });
  }
  return result;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
