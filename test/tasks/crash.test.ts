import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEdgeProcess, type RunningNode } from '../support/processes.js';
import { ADMIN_TOKEN, pollUntil } from './harness.js';

/**
 * Attempt timeout of `echo` in the child: its lease is this plus the 2 s lease margin, so a
 * restarted worker takes the task over about 5 s after the crash.
 */
const ENV = { HAPPY_TASK_TIMEOUTS: 'echo=3000' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read fields freely.
type Json = any;

/** Sends a JSON request to a running node and returns the parsed response body. */
async function call(
  node: RunningNode,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<Json> {
  const response = await fetch(`${node.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}

describe('task worker crash', () => {
  let home: string;
  const running: RunningNode[] = [];

  afterEach(async () => {
    for (const node of running.splice(0)) await node.stop('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });

  it('runs a task again after the process is killed mid-attempt', { timeout: 60_000 }, async () => {
    home = mkdtempSync(join(tmpdir(), 'happy-task-crash-'));
    const first = await startEdgeProcess({ home, adminToken: ADMIN_TOKEN, env: ENV });
    running.push(first);
    const { token } = await call(first, 'POST', '/api/v1/agents', ADMIN_TOKEN, {
      agent_id: 'agent-a',
      name: 'Crash test',
    });

    const input = { delay_ms: 2000, marker: 'survives' };
    const task = await call(first, 'POST', '/api/v1/agent-a/tasks', token, { type: 'echo', input });
    const delayed = await call(first, 'POST', '/api/v1/agent-a/tasks', token, {
      type: 'echo',
      input: 'delayed',
      run_at: new Date(Date.now() + 4000).toISOString(),
    });
    const readTask = (node: RunningNode, id: string) => () =>
      call(node, 'GET', `/api/v1/agent-a/tasks/${id}`, token);
    await pollUntil(readTask(first, task.id), (current) => current.status === 'running');

    await first.stop('SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = await startEdgeProcess({ home, adminToken: ADMIN_TOKEN, env: ENV });
    running.push(second);
    const afterRestart = await readTask(second, task.id)();
    expect(afterRestart).toMatchObject({ status: 'running', attempts: 1 });

    const done = await pollUntil(
      readTask(second, task.id),
      (t) => t.status === 'succeeded',
      20_000,
    );
    expect(done).toMatchObject({ attempts: 2, result: input, error: null });
    const later = await pollUntil(readTask(second, delayed.id), (t) => t.status === 'succeeded');
    expect(later).toMatchObject({ attempts: 1, result: 'delayed' });
  });
});
