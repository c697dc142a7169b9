import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAgent, pollUntil, startEdge, type EdgeHarness } from './harness.js';

const TASKS = '/api/v1/agent-a/tasks';

describe('task API without workers', () => {
  let edge: EdgeHarness;
  let token: string;
  let otherToken: string;

  beforeEach(async () => {
    edge = await startEdge({ tasks: { maxUnfinishedPerAgent: 5 } });
    token = await createAgent(edge, 'agent-a');
    otherToken = await createAgent(edge, 'agent-b');
  });
  afterEach(async () => edge.close());

  const submit = (json: unknown, headers: Record<string, string> = {}) =>
    edge.send({ method: 'POST', path: TASKS, token, json, headers });

  it('accepts a task with 202 and its id', async () => {
    const response = await submit({ type: 'echo', input: { hello: 'world' } });
    expect(response.status).toBe(202);
    expect(response.json).toMatchObject({
      id: expect.stringMatching(/^[0-9A-Z]{26}$/),
      agent_id: 'agent-a',
      type: 'echo',
      input: { hello: 'world' },
      status: 'queued',
      attempts: 0,
      max_attempts: 3,
      result: null,
      error: null,
      idempotency_key: null,
      cancel_requested: false,
      version: expect.stringMatching(/^\d{15}\.\d{6}\.edge$/),
      service: 'edge',
    });
    expect(response.headers.location).toBe(`${TASKS}/${response.json.id}`);
  });

  it.each([
    ['body field', { idempotency_key: 'order-7' }, {}],
    ['header', {}, { 'idempotency-key': 'order-7' }],
    ['quoted header', {}, { 'idempotency-key': '"order-7"' }],
  ])('returns the same task for a repeated key in the %s', async (_case, field, headers) => {
    const body = { type: 'echo', input: 1, ...field };
    const first = await submit(body, headers);
    const again = await submit(body, headers);
    expect(again.status).toBe(202);
    expect(again.json.id).toBe(first.json.id);
    expect(again.json.idempotency_key).toBe('order-7');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const list = await edge.send({ method: 'GET', path: TASKS, token });
    expect(list.json.tasks).toHaveLength(1);
  });

  it('rejects a key reused with another input', async () => {
    await submit({ type: 'echo', input: 1, idempotency_key: 'k' });
    const response = await submit({ type: 'echo', input: 2, idempotency_key: 'k' });
    expect(response.status).toBe(409);
    expect(response.json).toMatchObject({ code: 'idempotency_key_reused' });
  });

  it('rejects a header key that differs from the body key', async () => {
    const response = await submit(
      { type: 'echo', input: 1, idempotency_key: 'a' },
      { 'idempotency-key': 'b' },
    );
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ code: 'idempotency_key_mismatch' });
  });

  it('responds 429 at the per-agent limit and stores nothing', async () => {
    for (let i = 0; i < 5; i += 1)
      expect((await submit({ type: 'echo', input: i })).status).toBe(202);
    const response = await submit({ type: 'echo', input: 5 });
    expect(response.status).toBe(429);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json).toMatchObject({
      code: 'task_limit_exceeded',
      detail: 'Agent "agent-a" has 5 queued or running tasks; the limit is 5.',
      hint: expect.stringContaining('cancel'),
    });
    const list = await edge.send({ method: 'GET', path: `${TASKS}?limit=100`, token });
    expect(list.json.tasks).toHaveLength(5);
  });

  it.each([
    ['an unknown type', { type: 'teleport', input: 1 }, 'unknown_task_type', 'body.type'],
    ['a missing input', { type: 'echo' }, 'validation_failed', 'body.input'],
    ['an unknown field', { type: 'echo', input: 1, extra: 1 }, 'validation_failed', 'body.extra'],
    ['bad echo input', { type: 'echo', input: { delay_ms: 'soon' } }, 'invalid_task_input', null],
    ['zero attempts', { type: 'echo', input: 1, max_attempts: 0 }, 'validation_failed', null],
    [
      'a far run_at',
      { type: 'echo', input: 1, run_at: '2999-01-01T00:00:00Z' },
      'validation_failed',
      null,
    ],
    [
      'a bad http url',
      { type: 'http', input: { url: 'http://127.0.0.1:1/' } },
      'http_host_not_allowed',
      'body.input.url',
    ],
    [
      'a metadata url',
      { type: 'http', input: { url: 'http://169.254.169.254/' } },
      'http_address_blocked',
      'body.input.url',
    ],
  ])('rejects %s with 400', async (_case, body, code, field) => {
    const response = await submit(body);
    expect(response.status).toBe(400);
    expect(response.json.code).toBe(code);
    if (field) expect(response.json.field).toBe(field);
    const list = await edge.send({ method: 'GET', path: TASKS, token });
    expect(list.json.tasks).toEqual([]);
  });

  it('lists by status with cursor pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await submit({ type: 'echo', input: i })).json.id);
    await edge.send({ method: 'POST', path: `${TASKS}/${ids[1]}/cancel`, token });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await edge.send({
        method: 'GET',
        path: `${TASKS}?status=queued&limit=2${query}`,
        token,
      });
      expect(page.status).toBe(200);
      seen.push(...page.json.tasks.map((task: { id: string }) => task.id));
      cursor = page.json.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual([ids[0], ids[2], ids[3], ids[4]]);

    const cancelled = await edge.send({ method: 'GET', path: `${TASKS}?status=cancelled`, token });
    expect(cancelled.json.tasks.map((task: { id: string }) => task.id)).toEqual([ids[1]]);
  });

  it.each([
    ['an unknown status', '?status=done', 'validation_failed'],
    ['a foreign cursor', '?cursor=bm90LWEtY3Vyc29y', 'invalid_cursor'],
    ['a zero limit', '?limit=0', 'validation_failed'],
  ])('rejects a list with %s', async (_case, query, code) => {
    const response = await edge.send({ method: 'GET', path: `${TASKS}${query}`, token });
    expect(response.status).toBe(400);
    expect(response.json.code).toBe(code);
  });

  it('returns 404 for an unknown task', async () => {
    const response = await edge.send({
      method: 'GET',
      path: `${TASKS}/01ZZZZZZZZZZZZZZZZZZZZZZZZ`,
      token,
    });
    expect(response.status).toBe(404);
    expect(response.json.code).toBe('task_not_found');
  });

  it('keeps another agent away from a task', async () => {
    const { id } = (await submit({ type: 'echo', input: 1 })).json;
    const read = await edge.send({ method: 'GET', path: `${TASKS}/${id}`, token: otherToken });
    expect(read.status).toBe(403);
    const cancel = await edge.send({
      method: 'POST',
      path: `${TASKS}/${id}/cancel`,
      token: otherToken,
    });
    expect(cancel.status).toBe(403);
    const ownPath = await edge.send({
      method: 'GET',
      path: `/api/v1/agent-b/tasks/${id}`,
      token: otherToken,
    });
    expect(ownPath.status).toBe(404);
    const still = await edge.send({ method: 'GET', path: `${TASKS}/${id}`, token });
    expect(still.json.status).toBe('queued');
  });

  it('cancels a queued task with 200', async () => {
    const { id } = (await submit({ type: 'echo', input: 1 })).json;
    const response = await edge.send({ method: 'POST', path: `${TASKS}/${id}/cancel`, token });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ status: 'cancelled', cancel_requested: false });
    expect(response.json.finished_at).not.toBeNull();
  });
});

describe('task API with workers', () => {
  let edge: EdgeHarness;
  let token: string;
  const read = (id: string) => async () =>
    (await edge.send({ method: 'GET', path: `${TASKS}/${id}`, token })).json;

  beforeAll(async () => {
    edge = await startEdge(
      { tasks: { pollIntervalMs: 20, maxRunningPerAgent: 1, cancelPollMs: 20 } },
      { workers: true },
    );
    token = await createAgent(edge, 'agent-a');
  });
  afterAll(async () => edge.close());

  const submit = (json: unknown) => edge.send({ method: 'POST', path: TASKS, token, json });

  it('runs a task to success', async () => {
    const { id } = (await submit({ type: 'echo', input: { n: 1 } })).json;
    const done = await pollUntil(read(id), (task) => task.status === 'succeeded');
    expect(done).toMatchObject({ attempts: 1, result: { n: 1 }, error: null });
  });

  it('holds a delayed task until run_at', async () => {
    const runAt = new Date(Date.now() + 1500).toISOString();
    const { id } = (await submit({ type: 'echo', input: 'later', run_at: runAt })).json;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await read(id)()).toMatchObject({ status: 'queued', attempts: 0 });

    const done = await pollUntil(read(id), (task) => task.status === 'succeeded');
    expect(Date.parse(done.started_at)).toBeGreaterThanOrEqual(Date.parse(runAt));
  });

  it('runs one attempt of an agent at a time', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      ids.push((await submit({ type: 'echo', input: { delay_ms: 200, i } })).json.id);
    }
    let maxRunning = 0;
    await pollUntil(
      async () => (await edge.send({ method: 'GET', path: `${TASKS}?limit=100`, token })).json,
      (page) => {
        const tasks = page.tasks.filter((task: { id: string }) => ids.includes(task.id));
        const running = tasks.filter((task: { status: string }) => task.status === 'running');
        maxRunning = Math.max(maxRunning, running.length);
        return tasks.every((task: { status: string }) => task.status === 'succeeded');
      },
    );
    expect(maxRunning).toBe(1);
  });

  it('cancels a running task', async () => {
    const { id } = (await submit({ type: 'echo', input: { delay_ms: 60_000 } })).json;
    await pollUntil(read(id), (task) => task.status === 'running');

    const response = await edge.send({ method: 'POST', path: `${TASKS}/${id}/cancel`, token });
    expect(response.status).toBe(202);
    expect(response.json).toMatchObject({ status: 'running', cancel_requested: true });
    const done = await pollUntil(read(id), (task) => task.status !== 'running', 3000);
    expect(done).toMatchObject({ status: 'cancelled', attempts: 1, result: null });
  });

  it('rejects cancelling a finished task with 409', async () => {
    const { id } = (await submit({ type: 'echo', input: 1 })).json;
    await pollUntil(read(id), (task) => task.status === 'succeeded');
    const response = await edge.send({ method: 'POST', path: `${TASKS}/${id}/cancel`, token });
    expect(response.status).toBe(409);
    expect(response.json.code).toBe('task_finished');
    expect((await read(id)()).status).toBe('succeeded');
  });

  it('exports memory to a file', async () => {
    for (const text of ['first note', 'second note']) {
      await edge.send({
        method: 'POST',
        path: '/api/v1/agent-a/memory',
        token,
        json: { user_id: 'demo', context: text },
      });
    }
    const input = { name: 'export.jsonl', user_id: 'demo' };
    const { id } = (await submit({ type: 'memory.export', input })).json;
    const done = await pollUntil(read(id), (task) => task.status === 'succeeded');
    expect(done.result).toMatchObject({ file: 'export.jsonl', records: 2 });

    const file = await edge.send({
      method: 'GET',
      path: '/api/v1/agent-a/files/export.jsonl',
      token,
    });
    expect(file.headers['content-type']).toBe('application/x-ndjson');
    const lines = file.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.content)).toEqual(['first note', 'second note']);
    expect(lines[0]).toMatchObject({ agent_id: 'agent-a', user_id: 'demo' });
  });
});
