import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestNode,
  directTransport,
  httpTransport,
  type TestNode,
  type Transport,
  type TransportRequest,
} from '../support/transport.js';
import {
  addMemory,
  AGENT_PATH_ROUTES,
  createAgent,
  listAllPages,
  routeRequest,
  searchResults,
  sendExpecting,
} from './helpers.js';

// Agent A has a valid token and aims it at agent B's data in every way the API allows. B's
// data must stay invisible and unchanged, on both transports.

const A = 'agent-a';
const B = 'agent-b';
const DISABLED = 'agent-off';
/** User and session ids both agents use, so filters cannot leak by id alone. */
const SHARED_USER = 'shared-user';
const SHARED_SESSION = 'shared-session';
/** A word only B's records and documents contain. */
const SECRET_WORD = 'zebra';
/** B's keys: one that A only reads and deletes, one that A writes. */
const B_READ_KEY = 'b:read';
const B_WRITE_KEY = 'b:write';
const B_DOCUMENT = 'doc-b';

const AGENT_ROUTES = AGENT_PATH_ROUTES.filter((route) => route.access === 'agent');
const ADMIN_ROUTES = AGENT_PATH_ROUTES.filter((route) => route.access === 'admin');

/** What A may not see or change: B's ids and the texts of B's data. */
interface BView {
  readonly readId: string;
  readonly writeId: string;
  readonly pages: string[];
  readonly records: string[];
  readonly keys: string[];
  readonly results: unknown[];
  readonly agent: string;
}

interface Fixture {
  readonly adminToken: string;
  readonly tokenA: string;
  readonly tokenB: string;
  readonly tokenDisabled: string;
}

async function seedB(transport: Transport, tokenB: string): Promise<[string, string]> {
  const write = (body: Record<string, unknown>) => addMemory(transport, B, tokenB, body);
  const common = { user_id: SHARED_USER, session_id: SHARED_SESSION };
  const read = await write({ ...common, content: `${SECRET_WORD} secret read by nobody` });
  const target = await write({ ...common, content: `${SECRET_WORD} secret aimed at by a` });
  await write({ ...common, key: B_READ_KEY, value: `${SECRET_WORD} keyed value` });
  await write({ ...common, key: B_WRITE_KEY, value: `${SECRET_WORD} keyed target` });
  const documents = [{ id: B_DOCUMENT, content: `${SECRET_WORD} document`, user_id: SHARED_USER }];
  const index = { method: 'POST', path: `/api/v1/${B}/search/index`, token: tokenB };
  await sendExpecting(transport, { ...index, body: { documents } }, 201);
  return [read.id as string, target.id as string];
}

async function viewB(
  transport: Transport,
  fixture: Fixture,
  ids: [string, string],
): Promise<BView> {
  const get = async (path: string) => {
    const request = { method: 'GET', path, token: fixture.tokenB };
    return (await sendExpecting(transport, request, 200)).text;
  };
  const agentRequest = { method: 'GET', path: `/api/v1/agents/${B}`, token: fixture.adminToken };
  return {
    readId: ids[0],
    writeId: ids[1],
    pages: await listAllPages(transport, B, fixture.tokenB),
    records: await Promise.all(ids.map((id) => get(`/api/v1/${B}/memory/${id}`))),
    keys: await Promise.all(
      [B_READ_KEY, B_WRITE_KEY].map((key) => get(`/api/v1/${B}/memory/keys/${key}`)),
    ),
    results: await searchResults(transport, B, fixture.tokenB, SECRET_WORD),
    agent: (await sendExpecting(transport, agentRequest, 200)).text,
  };
}

function withoutScore(result: unknown): unknown {
  const { score: _score, ...rest } = result as Record<string, unknown>;
  return rest;
}

const TRANSPORTS = [
  { name: 'direct', open: async (node: TestNode) => directTransport(node.node) },
  { name: 'http', open: async (node: TestNode) => httpTransport(node.node) },
];

describe.each(TRANSPORTS)('isolation over $name', ({ open }) => {
  let testNode: TestNode;
  let transport: Transport;
  let fixture: Fixture;
  let before: BView;

  const asA = (request: TransportRequest) => transport.send({ ...request, token: fixture.tokenA });
  const bIds = () => [before.readId, before.writeId];

  beforeAll(async () => {
    testNode = createTestNode();
    transport = await open(testNode);
    const adminToken = testNode.adminToken;
    const tokenA = await createAgent(transport, adminToken, A);
    const tokenB = await createAgent(transport, adminToken, B);
    const tokenDisabled = await createAgent(transport, adminToken, DISABLED);
    fixture = { adminToken, tokenA, tokenB, tokenDisabled };

    const common = { user_id: SHARED_USER, session_id: SHARED_SESSION };
    await addMemory(transport, A, tokenA, { ...common, content: 'plain note of a' });
    before = await viewB(transport, fixture, await seedB(transport, tokenB));
  });

  afterAll(async () => {
    await transport?.close();
    testNode?.close();
  });

  describe("a's token on b's path", () => {
    it.each(AGENT_ROUTES)('$name is forbidden', async (route) => {
      const parameters = { agent: B, id: before.writeId, key: B_WRITE_KEY };
      const response = await asA(routeRequest(route, parameters, fixture.tokenA));

      expect(response.status).toBe(403);
      expect((response.json as { code?: string }).code).toBe('agent_mismatch');
    });

    it('get agent b is not found', async () => {
      const response = await asA({ method: 'GET', path: `/api/v1/agents/${B}` });

      expect(response.status).toBe(404);
    });

    it.each(ADMIN_ROUTES)('$name is unauthorized', async (route) => {
      const response = await asA(routeRequest(route, { agent: B }, fixture.tokenA));

      expect(response.status).toBe(401);
    });

    it('create agent is unauthorized', async () => {
      const body = { agent_id: 'agent-c', name: 'C' };
      const response = await asA({ method: 'POST', path: '/api/v1/agents', body });

      expect(response.status).toBe(401);
    });

    it('own disable is unauthorized', async () => {
      const response = await asA({ method: 'POST', path: `/api/v1/agents/${A}/disable` });

      expect(response.status).toBe(401);
    });
  });

  describe("a's path with b's ids", () => {
    const readCases = [
      { name: 'get by b id', method: 'GET', path: (id: string) => `/api/v1/${A}/memory/${id}` },
      {
        name: 'delete by b id',
        method: 'DELETE',
        path: (id: string) => `/api/v1/${A}/memory/${id}`,
      },
      { name: 'get by b key', method: 'GET', path: () => `/api/v1/${A}/memory/keys/${B_READ_KEY}` },
      {
        name: 'delete by b key',
        method: 'DELETE',
        path: () => `/api/v1/${A}/memory/keys/${B_READ_KEY}`,
      },
    ];

    it.each(readCases)('$name is not found', async ({ method, path }) => {
      const response = await asA({ method, path: path(before.readId) });

      expect(response.status).toBe(404);
    });

    it('put by b id writes own record', async () => {
      const path = `/api/v1/${A}/memory/${before.writeId}`;
      const written = await asA({ method: 'PUT', path, body: { content: 'written by a' } });
      const read = await asA({ method: 'GET', path });

      expect(written.status).toBe(201);
      expect((read.json as { content?: string }).content).toBe('written by a');
    });

    it('put by b key writes own record', async () => {
      const path = `/api/v1/${A}/memory/keys/${B_WRITE_KEY}`;
      const written = await asA({ method: 'PUT', path, body: { value: 'keyed by a' } });

      expect(written.status).toBe(201);
    });

    it('add with b key writes own record', async () => {
      const body = { key: B_WRITE_KEY, value: 'added by a' };
      const written = await asA({ method: 'POST', path: `/api/v1/${A}/memory`, body });

      expect((written.json as { agent_id?: string }).agent_id).toBe(A);
    });

    it('index with b document id', async () => {
      const documents = [{ id: B_DOCUMENT, content: 'document of a' }];
      const path = `/api/v1/${A}/search/index`;
      const written = await asA({ method: 'POST', path, body: { documents } });

      expect(written.status).toBe(201);
    });
  });

  describe("a's reads of own path", () => {
    const searches = [
      { name: 'secret word', body: { query: SECRET_WORD, limit: 100 } },
      { name: 'shared user', body: { query: `${SECRET_WORD} note`, user_id: SHARED_USER } },
      {
        name: 'shared session',
        body: { query: `${SECRET_WORD} secret`, session_id: SHARED_SESSION },
      },
      { name: 'all words', body: { query: 'secret keyed document target read aimed' } },
    ];

    it.each(searches)('search by $name misses b', async ({ body }) => {
      const response = await asA({ method: 'POST', path: `/api/v1/${A}/search`, body });
      const texts = JSON.stringify((response.json as { results?: unknown[] }).results ?? null);

      expect(texts).not.toContain(SECRET_WORD);
    });

    it('search finds own record', async () => {
      const body = { query: 'plain note', user_id: SHARED_USER };
      const response = await asA({ method: 'POST', path: `/api/v1/${A}/search`, body });

      expect((response.json as { results?: unknown[] }).results).toHaveLength(1);
    });

    const listFilters: Array<{ name: string; query: Record<string, string> }> = [
      { name: 'no filter', query: {} },
      { name: 'shared user', query: { user_id: SHARED_USER } },
      { name: 'shared session', query: { session_id: SHARED_SESSION } },
      { name: 'b key prefix', query: { prefix: 'b:' } },
    ];

    it.each(listFilters)('list by $name misses b', async ({ query }) => {
      const response = await asA({ method: 'GET', path: `/api/v1/${A}/memory`, query });
      const records = (response.json as { records?: Array<{ id: string; content: string }> })
        .records;
      const leaked = (records ?? []).filter((record) => record.content.includes(SECRET_WORD));

      expect(response.status).toBe(200);
      expect(leaked).toEqual([]);
    });

    it('list by a excludes b ids', async () => {
      const pages = await listAllPages(transport, A, fixture.tokenA);
      const listed = pages.flatMap(
        (page) =>
          (JSON.parse(page) as { records: Array<{ id: string; agent_id: string }> }).records,
      );
      const foreign = listed.filter((record) => record.agent_id !== A);

      expect(foreign).toEqual([]);
      expect(listed.map((record) => record.id)).not.toContain(bIds()[0]);
    });
  });

  describe("b's data afterwards", () => {
    let after: BView;

    beforeAll(async () => {
      after = await viewB(transport, fixture, [before.readId, before.writeId]);
    });

    it('keeps listing unchanged', () => {
      expect(after.pages).toEqual(before.pages);
    });

    it('keeps records unchanged', () => {
      expect(after.records).toEqual(before.records);
    });

    it('keeps keyed records unchanged', () => {
      expect(after.keys).toEqual(before.keys);
    });

    it('keeps search hits unchanged', () => {
      expect(after.results.map(withoutScore)).toEqual(before.results.map(withoutScore));
    });

    it('keeps agent unchanged', () => {
      expect(after.agent).toBe(before.agent);
    });

    it('lists every seeded record', () => {
      const records = before.pages.flatMap((page) => (JSON.parse(page) as { records: [] }).records);

      expect(records).toHaveLength(4);
    });
  });

  describe('disabled agent token', () => {
    beforeAll(async () => {
      const path = `/api/v1/agents/${DISABLED}/disable`;
      await sendExpecting(transport, { method: 'POST', path, token: fixture.adminToken }, 200);
    });

    const routes = AGENT_PATH_ROUTES.filter((route) => route.access !== 'admin');

    it.each(routes)('$name is forbidden', async (route) => {
      const parameters = { agent: DISABLED, id: 'any-record', key: 'any:key' };
      const request = routeRequest(route, parameters, fixture.tokenDisabled);
      const response = await transport.send(request);

      expect(response.status).toBe(403);
      expect((response.json as { code?: string }).code).toBe('agent_disabled');
    });

    it('leaves no record behind', async () => {
      const enable = { method: 'POST', path: `/api/v1/agents/${DISABLED}/enable` };
      await sendExpecting(transport, { ...enable, token: fixture.adminToken }, 200);
      const pages = await listAllPages(transport, DISABLED, fixture.tokenDisabled);

      expect(JSON.parse(pages[0] ?? '{}').records).toEqual([]);
    });
  });
});
