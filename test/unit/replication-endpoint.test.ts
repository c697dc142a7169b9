import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatVersion } from '../../lambdas/core/index.js';
import {
  ADMIN_TOKEN,
  createAgent,
  REPLICATION_TOKEN,
  startTestNode,
  type TestNode,
} from '../replication/support/node.js';

const AGENT = 'agent-r';
const ROUTES = [
  ['GET', '/internal/v1/changes'],
  ['POST', '/internal/v1/apply'],
  ['GET', '/internal/v1/replication/status'],
] as const;

/** A version written by `nodeId` `agoMs` milliseconds ago. */
function version(agoMs: number, nodeId = 'edge', counter = 0): string {
  return formatVersion({ wallMs: Date.now() - agoMs, counter, nodeId });
}

function memoryChange(id: string, versionText: string, fields: Record<string, unknown> = {}) {
  const at = new Date().toISOString();
  const record = {
    agent_id: AGENT,
    id,
    user_id: 'demo',
    session_id: null,
    key: null,
    content: `content of ${id}`,
    value: null,
    metadata: {},
    created_at: at,
    updated_at: at,
    expires_at: null,
    version: versionText,
    deleted: false,
    ...fields,
  };
  return { kind: 'memory', record };
}

function fileChange(name: string, content: string, versionText: string) {
  const bytes = Buffer.from(content);
  const at = new Date().toISOString();
  const file = {
    agent_id: AGENT,
    name,
    content_type: 'text/plain',
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    created_at: at,
    updated_at: at,
    version: versionText,
    deleted: false,
  };
  return { kind: 'file', file, content_base64: bytes.toString('base64') };
}

describe('replication endpoints', () => {
  let node: TestNode;
  let agentToken: string;
  const apply = (changes: unknown[]) =>
    node.send('POST', '/internal/v1/apply', { token: REPLICATION_TOKEN, body: { changes } });
  const changes = (query = '') =>
    node.send('GET', `/internal/v1/changes${query}`, { token: REPLICATION_TOKEN });
  const headCursor = async () => (await changes()).json.head_cursor as string;

  beforeAll(async () => {
    node = await startTestNode();
    agentToken = await createAgent(node, AGENT);
  });
  afterAll(async () => node.close());

  describe.each(ROUTES)('%s %s', (method, path) => {
    it.each([
      ['no token', undefined, 401, 'missing_token'],
      ['a wrong token', 'happy_repl_not_the_right_one_000', 401, 'invalid_replication_token'],
      ['the admin token', ADMIN_TOKEN, 403, 'replication_token_required'],
    ])('rejects %s', async (_case, token, status, code) => {
      const response = await node.send(method, path, {
        token,
        body: method === 'POST' ? {} : undefined,
      });

      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.json.code).toBe(code);
    });

    it('rejects an agent token', async () => {
      const response = await node.send(method, path, {
        token: agentToken,
        body: method === 'POST' ? {} : undefined,
      });

      expect(response.status).toBe(403);
      expect(response.json.code).toBe('replication_token_required');
    });
  });

  it('answers 503 on a node without a replication token', async () => {
    const bare = await startTestNode({ replicationToken: undefined });
    try {
      const response = await bare.send('GET', '/internal/v1/changes', { token: REPLICATION_TOKEN });

      expect(response.status).toBe(503);
      expect(response.json.code).toBe('replication_not_configured');
    } finally {
      await bare.close();
    }
  });

  it('applies a change once and ignores it after', async () => {
    const change = memoryChange('rec-once', version(1000));

    const first = await apply([change]);
    const second = await apply([change]);

    expect(first.status).toBe(200);
    expect(first.json.results[0]).toMatchObject({
      kind: 'memory',
      id: 'rec-once',
      outcome: 'applied',
    });
    expect(second.json.results[0].outcome).toBe('ignored');
    expect(second.json.applied).toBe(0);
  });

  it('serves an applied record through the API', async () => {
    await apply([memoryChange('rec-read', version(1000))]);

    const read = await node.send('GET', `/api/v1/${AGENT}/memory/rec-read`, { token: agentToken });

    expect(read.status).toBe(200);
    expect(read.json.content).toBe('content of rec-read');
  });

  it('keeps a tombstone against an older write', async () => {
    const tombstone = memoryChange('rec-gone', version(1000), { deleted: true, content: '' });
    const older = memoryChange('rec-gone', version(2000));

    const outcomes = await apply([tombstone, older]);
    const read = await node.send('GET', `/api/v1/${AGENT}/memory/rec-gone`, { token: agentToken });

    expect(outcomes.json.results.map((result: { outcome: string }) => result.outcome)).toEqual([
      'applied',
      'ignored',
    ]);
    expect(read.status).toBe(404);
  });

  it('prefers the larger node id on equal times', async () => {
    const wallMs = Date.now() - 500;
    const fromA = memoryChange('rec-tie', formatVersion({ wallMs, counter: 3, nodeId: 'node-a' }));
    const fromB = memoryChange('rec-tie', formatVersion({ wallMs, counter: 3, nodeId: 'node-b' }), {
      content: 'from b',
    });

    await apply([fromB, fromA]);
    const read = await node.send('GET', `/api/v1/${AGENT}/memory/rec-tie`, { token: agentToken });

    expect(read.json.content).toBe('from b');
  });

  it('applies a file with its content', async () => {
    const response = await apply([fileChange('notes.txt', 'replicated bytes', version(1000))]);
    const read = await node.send('GET', `/api/v1/${AGENT}/files/notes.txt`, { token: agentToken });

    expect(response.json.results[0].outcome).toBe('applied');
    expect(read.status).toBe(200);
  });

  const badBodies: [string, unknown, number, string][] = [
    ['a missing changes list', {}, 400, 'validation_failed'],
    ['an unknown field', { changes: [], extra: 1 }, 400, 'validation_failed'],
    ['an unknown kind', { changes: [{ kind: 'message' }] }, 400, 'validation_failed'],
    [
      'a malformed version',
      { changes: [memoryChange('bad-1', 'yesterday')] },
      400,
      'validation_failed',
    ],
    [
      'content that does not match its checksum',
      { changes: [{ ...fileChange('bad.txt', 'abc', version(0)), content_base64: 'eHl6' }] },
      400,
      'validation_failed',
    ],
    [
      'a version an hour ahead, after a valid change',
      { changes: [memoryChange('bad-2', version(0)), memoryChange('bad-3', version(-3_600_000))] },
      400,
      'version_in_future',
    ],
    [
      'more than 1000 changes',
      { changes: Array.from({ length: 1001 }, (_, i) => memoryChange(`bad-m${i}`, version(0))) },
      400,
      'validation_failed',
    ],
    ['malformed JSON', '{"changes": [', 400, 'malformed_json'],
  ];

  it.each(badBodies)('rejects %s and changes nothing', async (_case, body, status, code) => {
    const before = await headCursor();

    const response = await node.send('POST', '/internal/v1/apply', {
      token: REPLICATION_TOKEN,
      body,
    });

    expect(response.status).toBe(status);
    expect(response.json.code).toBe(code);
    expect(await headCursor()).toBe(before);
  });

  it('rejects a body that is not JSON', async () => {
    const response = await node.send('POST', '/internal/v1/apply', {
      token: REPLICATION_TOKEN,
      body: 'changes',
      headers: { 'content-type': 'text/plain' },
    });

    expect(response.status).toBe(415);
  });

  it.each([
    ['a malformed cursor', '?since=not-a-cursor', 400, 'invalid_cursor'],
    ['a cursor of another feed', '?since=0123456789abcdef.5', 409, 'cursor_from_other_feed'],
    ['a zero limit', '?limit=0', 400, 'validation_failed'],
    ['an unknown parameter', '?after=5', 400, 'validation_failed'],
    ['an invalid node id', '?node=Node_A', 400, 'validation_failed'],
  ])('rejects %s in the feed query', async (_case, query, status, code) => {
    const response = await changes(query);

    expect(response.status).toBe(status);
    expect(response.json.code).toBe(code);
  });

  it('pages through the feed with its cursor', async () => {
    const start = await headCursor();
    await apply([1, 2, 3].map((n) => memoryChange(`rec-page-${n}`, version(100, 'edge', n))));

    const first = await changes(`?since=${start}&limit=2`);
    const second = await changes(`?since=${first.json.next_cursor}&limit=2`);

    const ids = [...first.json.changes, ...second.json.changes].map(
      (change: { record: { id: string } }) => change.record.id,
    );
    expect(ids).toEqual(['rec-page-1', 'rec-page-2', 'rec-page-3']);
    expect(first.json.more).toBe(true);
    expect(second.json.more).toBe(false);
    expect(second.json.next_cursor).toBe(second.json.head_cursor);
  });

  it('leaves out the changes of the calling node', async () => {
    const start = await headCursor();
    await apply([
      memoryChange('rec-from-edge', version(100, 'edge')),
      memoryChange('rec-from-other', version(100, 'other')),
    ]);

    const page = await changes(`?since=${start}&node=edge`);

    expect(page.json.changes.map((change: { origin: string }) => change.origin)).toEqual(['other']);
  });

  it('reports no outbox on a node that drains nowhere', async () => {
    const response = await node.send('GET', '/internal/v1/replication/status', {
      token: REPLICATION_TOKEN,
    });

    expect(response.status).toBe(200);
    expect(response.json.outbox).toBeNull();
    expect(response.json.node_id).toBe('cloud-test');
  });
});
