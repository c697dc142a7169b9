import { describe, expect, it } from 'vitest';
import { compareRecall, recallAt, summarizeRecall } from '../../drill/recall.js';
import { percentile, summarizeLatency } from '../../drill/stats.js';

describe('recall at k', () => {
  it.each([
    ['both relevant in the top 5', 5, ['a', 'b', 'x', 'y', 'z'], ['a', 'b'], 1],
    ['one of two relevant', 5, ['a', 'x', 'y', 'z', 'w'], ['a', 'b'], 0.5],
    ['a relevant item just past k', 5, ['x', 'y', 'z', 'w', 'v', 'a'], ['a'], 0],
    ['the same item at k = 10', 10, ['x', 'y', 'z', 'w', 'v', 'a'], ['a'], 1],
    ['no results', 5, [], ['a'], 0],
    ['duplicate relevant ids counted once', 5, ['a'], ['a', 'a'], 1],
  ])('counts %s', (_case, k, ranked, relevant, expected) => {
    expect(recallAt(k, ranked, relevant)).toBe(expected);
  });

  it('has no value without relevant items', () => {
    expect(recallAt(5, ['a'], [])).toBeNull();
  });
});

describe('recall summaries', () => {
  it('averages over searches and counts distinct questions', () => {
    const summary = summarizeRecall([
      { question: 0, at5: 1, at10: 1 },
      { question: 0, at5: 0, at10: 1 },
      { question: 1, at5: 0.5, at10: 0.5 },
    ]);

    expect(summary).toEqual({ at5: 0.5, at10: 2.5 / 3, searches: 3, questions: 2 });
  });

  it('is empty without searches', () => {
    expect(summarizeRecall([])).toEqual({ at5: null, at10: null, searches: 0, questions: 0 });
  });

  it('compares only questions asked in both phases', () => {
    const before = [
      { question: 0, at5: 1, at10: 1 },
      { question: 1, at5: 0, at10: 0 },
      { question: 2, at5: 1, at10: 1 },
    ];
    const during = [
      { question: 0, at5: 1, at10: 1 },
      { question: 1, at5: 0, at10: 0 },
    ];

    const comparison = compareRecall(before, during);

    expect(comparison.questions).toBe(2);
    expect(comparison.before).toEqual({ at5: 0.5, at10: 0.5 });
    expect(comparison.during).toEqual({ at5: 0.5, at10: 0.5 });
    expect(comparison.worse).toEqual([]);
  });

  it('names each question whose recall fell', () => {
    const before = [
      { question: 4, at5: 1, at10: 1 },
      { question: 5, at5: 0.5, at10: 1 },
    ];
    const during = [
      { question: 4, at5: 1, at10: 0.5 },
      { question: 5, at5: 1, at10: 1 },
    ];

    expect(compareRecall(before, during).worse).toEqual([4]);
  });

  it('compares a question by its mean over repeated searches', () => {
    const before = [
      { question: 0, at5: 1, at10: 1 },
      { question: 0, at5: 0, at10: 1 },
    ];
    const during = [{ question: 0, at5: 0.5, at10: 1 }];

    expect(compareRecall(before, during).worse).toEqual([]);
  });
});

describe('latency percentiles', () => {
  const values = Array.from({ length: 100 }, (_, index) => index + 1);

  it.each([
    [50, 50],
    [95, 95],
    [99, 99],
    [100, 100],
    [1, 1],
  ])('p%d of 1..100 is %d', (p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('takes the nearest rank in small samples', () => {
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30], 99)).toBe(30);
  });

  it('sorts before summarizing', () => {
    expect(summarizeLatency([30, 10, 20])).toEqual({
      p50: 20,
      p95: 30,
      p99: 30,
      max: 30,
      mean: 20,
    });
  });

  it('has no values for no samples', () => {
    expect(summarizeLatency([]).p50).toBeNull();
  });
});
