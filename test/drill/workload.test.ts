import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkloadError } from '../../drill/errors.js';
import { evidenceIds, loadLocomoWorkload, syntheticWorkload } from '../../drill/workload/index.js';
import { LOCOMO_DIR, locomoSkipReason, removeTempDirs, tempDir } from './support.js';

afterAll(removeTempDirs);

/** Builds a two-session conversation in the shape of the LoCoMo files, with its questions. */
function conversation(overrides: Record<string, unknown> = {}) {
  return {
    speaker_a: 'Ann Lee',
    speaker_b: 'Bo',
    session_1_date_time: '1:56 pm on 8 May, 2023',
    session_1: [
      { speaker: 'Ann Lee', dia_id: 'D1:1', text: 'I adopted a puppy called Biscuit.' },
      { speaker: 'Bo', dia_id: 'D1:2', text: 'Lovely! I started pottery classes.' },
      { speaker: 'Ann Lee', dia_id: 'D1:3', text: '', blip_caption: 'a puppy on a sofa' },
    ],
    session_2: [
      { speaker: 'Bo', dia_id: 'D2:1', text: 'My pottery teacher lives in Porto.' },
      { speaker: 'Ann Lee', dia_id: 'D2:2', text: 'Biscuit chewed my shoes.' },
    ],
    qa: [
      {
        question: 'What is the puppy called?',
        answer: 'Biscuit',
        evidence: ['D1:1; D2:2'],
        category: 4,
      },
      {
        question: 'Where does the teacher live?',
        answer: 'Porto',
        evidence: ['D2:1', 'D1:2'],
        category: 1,
      },
      {
        question: 'Pet and hobby?',
        answer: 'dog, pottery',
        evidence: ['D1:2', 'D1:1'],
        category: 1,
      },
      {
        question: 'What did Bo paint?',
        adversarial_answer: 'a vase',
        evidence: ['D1:2'],
        category: 5,
      },
      { question: 'When?', answer: 'never', evidence: ['D'], category: 2 },
      { question: 'Who chewed?', answer: 'Biscuit', evidence: ['D:2:2', 'D9:9'], category: 4 },
    ],
    ...overrides,
  };
}

function writeJson(value: unknown, name = 'conv-1.json'): string {
  const dir = tempDir('workload');
  writeFileSync(join(dir, name), JSON.stringify(value));
  return join(dir, name);
}

const options = { maxAgents: 10, agentPrefix: 'dtest' };

describe('LoCoMo workload', () => {
  it('makes one agent per speaker with a valid agent id', () => {
    const workload = loadLocomoWorkload(writeJson(conversation()), options);

    expect(workload.agents.map((agent) => agent.id)).toEqual([
      'dtest-conv-1-ann-lee',
      'dtest-conv-1-bo',
    ]);
    expect(workload.agents.map((agent) => agent.name)).toEqual(['Ann Lee', 'Bo']);
  });

  it('writes turns in order by their speaker with the dia_id as key', () => {
    const workload = loadLocomoWorkload(writeJson(conversation()), options);

    expect(workload.turns.map((turn) => turn.dialogId)).toEqual([
      'D1:1',
      'D1:2',
      'D1:3',
      'D2:1',
      'D2:2',
    ]);
    expect(workload.turns.map((turn) => turn.agentId.endsWith('bo'))).toEqual([
      false,
      true,
      false,
      true,
      false,
    ]);
    expect(workload.turns[0]?.userId).toBe('conv-1');
    expect(workload.turns[3]?.sessionId).toBe('session_2');
    expect(workload.turns[0]?.metadata).toEqual({
      dialog_id: 'D1:1',
      speaker: 'Ann Lee',
      session_date: '1:56 pm on 8 May, 2023',
    });
  });

  it('writes the caption of a shared photo as content', () => {
    const workload = loadLocomoWorkload(writeJson(conversation()), options);

    expect(workload.turns[2]?.content).toBe('(shares a photo: a puppy on a sofa)');
  });

  it('asks each question as the speaker who wrote most evidence', () => {
    const workload = loadLocomoWorkload(writeJson(conversation()), options);
    const byText = new Map(workload.questions.map((question) => [question.text, question]));

    expect(byText.get('What is the puppy called?')?.agentId).toBe('dtest-conv-1-ann-lee');
    expect(byText.get('What is the puppy called?')?.evidence).toEqual(['D1:1', 'D2:2']);
    expect(byText.get('Where does the teacher live?')?.agentId).toBe('dtest-conv-1-bo');
    expect(byText.get('Where does the teacher live?')?.evidence).toEqual(['D2:1', 'D1:2']);
  });

  it('gives a tie to speaker_a and keeps only its evidence', () => {
    const workload = loadLocomoWorkload(writeJson(conversation()), options);
    const question = workload.questions.find((candidate) => candidate.text === 'Pet and hobby?');

    expect(question?.agentId).toBe('dtest-conv-1-ann-lee');
    expect(question?.evidence).toEqual(['D1:1']);
  });

  it('leaves out adversarial questions and questions without known evidence', () => {
    const workload = loadLocomoWorkload(writeJson(conversation()), options);

    expect(workload.questions.map((question) => question.text).sort()).toEqual([
      'Pet and hobby?',
      'What is the puppy called?',
      'Where does the teacher live?',
      'Who chewed?',
    ]);
    expect(workload.stats.skipped).toMatchObject({
      adversarial: 1,
      no_evidence: 1,
      unknown_evidence_ids: 1,
    });
  });

  it('keeps only questions whose evidence survives truncation', () => {
    const workload = loadLocomoWorkload(writeJson(conversation()), {
      ...options,
      maxTurnsPerConversation: 3,
    });

    expect(workload.turns).toHaveLength(3);
    expect(workload.questions.map((question) => question.text)).toEqual(['Pet and hobby?']);
    expect(workload.stats.skipped.evidence_truncated).toBe(3);
  });

  it('reads a sample with conversation and sample_id, and lists of samples', () => {
    const sample = {
      sample_id: 'conv-99',
      conversation: conversation({ qa: undefined }),
      qa: conversation().qa,
    };
    const fromSample = loadLocomoWorkload(writeJson(sample), options);
    const fromList = loadLocomoWorkload(
      writeJson([sample, { ...sample, sample_id: 'conv-98' }]),
      options,
    );

    expect(fromSample.turns[0]?.userId).toBe('conv-99');
    expect(fromSample.questions).toHaveLength(4);
    expect(fromList.stats.conversations).toBe(2);
  });

  it('takes conversations until it has the requested agents', () => {
    const many = [1, 2, 3].map((n) => ({
      sample_id: `c${n}`,
      conversation: conversation(),
      qa: [],
    }));
    const workload = loadLocomoWorkload(writeJson(many), { ...options, maxAgents: 3 });

    expect(workload.stats.conversations).toBe(2);
    expect(workload.agents).toHaveLength(4);
  });

  it.each([
    [
      'a speaker that is neither',
      conversation({ session_2: [{ speaker: 'Cy', dia_id: 'D2:1', text: 'hi' }] }),
      /"Cy" is neither/,
    ],
    ['no speaker_b', conversation({ speaker_b: undefined }), /speaker_b is missing/],
    ['no sessions', { speaker_a: 'A', speaker_b: 'B', qa: [] }, /no session_N list/],
    [
      'a turn without dia_id',
      conversation({ session_1: [{ speaker: 'Bo', text: 'x' }] }),
      /dia_id is missing/,
    ],
  ])('rejects %s', (_case, value, message) => {
    expect(() => loadLocomoWorkload(writeJson(value), options)).toThrow(message);
  });

  it('rejects a file that is not JSON', () => {
    const dir = tempDir('workload');
    writeFileSync(join(dir, 'broken.json'), '{"speaker_a":');

    expect(() => loadLocomoWorkload(dir, options)).toThrow(WorkloadError);
  });

  it.each([
    [['D1:3'], ['D1:3']],
    [['D8:6; D9:17'], ['D8:6', 'D9:17']],
    [['D:11:26'], ['D11:26']],
    [['D'], []],
    [['D01:02', 'D1:2'], ['D1:2']],
    ['D1:1', []],
  ])('reads evidence %j as %j', (evidence, ids) => {
    expect(evidenceIds(evidence)).toEqual(ids);
  });
});

describe.skipIf(locomoSkipReason() !== null)(
  `LoCoMo files ${locomoSkipReason() ?? ''}`.trim(),
  () => {
    it('parses every shared conversation', () => {
      const workload = loadLocomoWorkload(LOCOMO_DIR, { maxAgents: 200, agentPrefix: 'dtest' });

      expect(workload.stats.conversations).toBeGreaterThanOrEqual(1);
      expect(workload.agents).toHaveLength(workload.stats.conversations * 2);
      expect(workload.questions.length).toBeGreaterThan(0);
      expect(workload.questions.every((question) => question.evidence.length > 0)).toBe(true);
    });
  },
);

describe('synthetic workload', () => {
  it('gives every agent its facts and one question per fact', () => {
    const workload = syntheticWorkload({ agents: 3, agentPrefix: 'dtest', factsPerAgent: 5 });

    expect(workload.agents).toHaveLength(3);
    expect(workload.turns).toHaveLength(15);
    expect(workload.questions).toHaveLength(15);
    expect(workload.questions.every((question) => question.evidence.length === 1)).toBe(true);
  });

  it('orders questions round-robin over agents', () => {
    const workload = syntheticWorkload({ agents: 3, agentPrefix: 'dtest', factsPerAgent: 2 });

    expect(workload.questions.slice(0, 3).map((question) => question.agentId)).toEqual([
      'dtest-synthetic-1',
      'dtest-synthetic-2',
      'dtest-synthetic-3',
    ]);
    expect(workload.questions.map((question) => question.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('is the same for the same seed', () => {
    const first = syntheticWorkload({ agents: 2, agentPrefix: 'dtest', seed: 3 });
    const second = syntheticWorkload({ agents: 2, agentPrefix: 'dtest', seed: 3 });

    expect(second.turns).toEqual(first.turns);
  });

  it('gives every fact its own code word', () => {
    const workload = syntheticWorkload({ agents: 200, agentPrefix: 'dtest' });
    const codes = workload.turns.map((turn) => /project (\w+)/.exec(turn.content)?.[1]);

    expect(new Set(codes).size).toBe(workload.turns.length);
  });
});
