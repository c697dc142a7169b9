import { describe, expect, it } from 'vitest';
import type { DrillHttp, HttpResult } from '../../drill/http.js';
import type { AckedWrite } from '../../drill/setup.js';
import { verifyWrites } from '../../drill/verify.js';

const PRIMARY = 'http://127.0.0.1:1';

/** Creates an HTTP client that returns the JSON of `routes` by path, and 404 otherwise. */
function fakeHttp(routes: Record<string, unknown>): DrillHttp {
  const send = async (_base: string, _method: string, path: string): Promise<HttpResult> => {
    const json = routes[path];
    const status = json === undefined ? 404 : 200;
    return { status, servedBy: 'cloud', retried: false, json, error: null, latencyMs: 1 };
  };
  return { send } as unknown as DrillHttp;
}

const ACK: AckedWrite = {
  agentId: 'agent-a',
  recordId: 'r1',
  dialogId: 'drill-add-1',
  version: '000000000000001.000000.edge',
  content: 'Drill note 1 of agent-a.',
  phase: 'outage',
};
const SESSION_PATH = '/api/v1/agent-a/memory?user_id=drill-notes&session_id=drill-add-1&limit=10';

describe('verifyWrites', () => {
  it('counts a keyed record held twice', async () => {
    const http = fakeHttp({
      '/api/v1/agent-a/memory/r1': { version: ACK.version, content: ACK.content },
      [SESSION_PATH]: { records: [{ id: 'r1' }, { id: 'r2' }] },
    });

    const check = await verifyWrites(http, PRIMARY, new Map(), [ACK], 0, [
      { agentId: 'agent-a', sessionId: 'drill-add-1' },
    ]);

    expect(check.lost).toBe(0);
    expect(check.duplicated).toBe(1);
    expect(check.duplicated_examples).toEqual([
      { agent: 'agent-a', session: 'drill-add-1', copies: 2 },
    ]);
  });

  it('accepts a keyed record held once', async () => {
    const http = fakeHttp({
      '/api/v1/agent-a/memory/r1': { version: ACK.version, content: ACK.content },
      [SESSION_PATH]: { records: [{ id: 'r1' }] },
    });

    const check = await verifyWrites(http, PRIMARY, new Map(), [ACK], 0, [
      { agentId: 'agent-a', sessionId: 'drill-add-1' },
    ]);

    expect(check.duplicated).toBe(0);
    expect(check.keyed_records_checked).toBe(1);
    expect(check.unverified).toBe(0);
  });
});
