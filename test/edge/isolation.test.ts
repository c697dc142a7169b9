import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestNode,
  directTransport,
  httpTransport,
  type TestNode,
  type Transport,
  type TransportRequest,
} from '../support/transport.js';
import { createHash } from 'node:crypto';
import {
  addMemory,
  AGENT_PATH_ROUTES,
  createAgent,
  fileContent,
  isTaskRoute,
  listAllPages,
  oneDayAhead,
  putFile,
  routeRequest,
  type RouteCall,
  searchResults,
  sendExpecting,
  submitQueuedTask,
} from './helpers.js';

// Agent A has a valid token and aims it at agent B's data in every way the API allows. B's
// data must stay invisible and unchanged, on both transports. The nodes run task workers, and
// B's tasks start a day later, so they stay queued unless a request changes them.

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
const B_TASK_KEY = 'b-task-key';
/** Type and input of B's keyed task, which A submits again under B's key. */
const B_KEYED_TASK = { type: 'echo', input: { secret: SECRET_WORD } };
/** B's files: a text file A also writes under its own path, and a binary file. */
const B_FILES = [
  {
    name: 'b-secret.txt',
    content: Buffer.from(`${SECRET_WORD} file of b\n`, 'utf8'),
    contentType: 'text/plain; charset=utf-8',
  },
  {
    name: 'b-photo.bin',
    content: Buffer.from(Array.from({ length: 256 }, (_, index) => 255 - index)),
    contentType: 'application/octet-stream',
  },
];
const B_FILE = B_FILES[0]!.name;
const A_FILE = 'a-note.txt';

const AGENT_ROUTES = AGENT_PATH_ROUTES.filter((route) => route.access === 'agent');
const ADMIN_ROUTES = AGENT_PATH_ROUTES.filter((route) => route.access === 'admin');
/** Agent routes whose error responses have a body: every one but HEAD. */
const AGENT_BODY_ROUTES = AGENT_ROUTES.filter((route) => route.method !== 'HEAD');
const AGENT_HEAD_ROUTES = AGENT_ROUTES.filter((route) => route.method === 'HEAD');

/** Ids of B's data that A aims at. */
interface BIds {
  readonly readId: string;
  readonly writeId: string;
  /** B's keyed task, which A only reads. */
  readonly readTaskId: string;
  /** B's task that A tries to cancel. */
  readonly cancelTaskId: string;
}

/** What A may not see or change: B's ids and the texts and bytes of B's data. */
interface BView extends BIds {
  readonly pages: string[];
  readonly records: string[];
  readonly keys: string[];
  readonly results: unknown[];
  readonly agent: string;
  readonly taskPages: string[];
  readonly tasks: string[];
  readonly filePages: string[];
  readonly files: Buffer[];
}

interface Fixture {
  readonly adminToken: string;
  readonly tokenA: string;
  readonly tokenB: string;
  readonly tokenDisabled: string;
}

async function seedB(transport: Transport, tokenB: string): Promise<BIds> {
  const write = (body: Record<string, unknown>) => addMemory(transport, B, tokenB, body);
  const common = { user_id: SHARED_USER, session_id: SHARED_SESSION };
  const read = await write({ ...common, content: `${SECRET_WORD} secret read by nobody` });
  const target = await write({ ...common, content: `${SECRET_WORD} secret aimed at by a` });
  await write({ ...common, key: B_READ_KEY, value: `${SECRET_WORD} keyed value` });
  await write({ ...common, key: B_WRITE_KEY, value: `${SECRET_WORD} keyed target` });
  const documents = [{ id: B_DOCUMENT, content: `${SECRET_WORD} document`, user_id: SHARED_USER }];
  const index = { method: 'POST', path: `/api/v1/${B}/search/index`, token: tokenB };
  await sendExpecting(transport, { ...index, body: { documents } }, 201);

  const keyed = { ...B_KEYED_TASK, idempotency_key: B_TASK_KEY };
  const readTask = await submitQueuedTask(transport, B, tokenB, keyed);
  const cancelInput = { input: { secret: `${SECRET_WORD} cancel target` } };
  const cancelTask = await submitQueuedTask(transport, B, tokenB, cancelInput);
  for (const file of B_FILES) await putFile(transport, B, tokenB, file);
  return {
    readId: read.id as string,
    writeId: target.id as string,
    readTaskId: readTask.id as string,
    cancelTaskId: cancelTask.id as string,
  };
}

async function viewB(transport: Transport, fixture: Fixture, ids: BIds): Promise<BView> {
  const get = async (path: string) => {
    const request = { method: 'GET', path, token: fixture.tokenB };
    return (await sendExpecting(transport, request, 200)).text;
  };
  const agentRequest = { method: 'GET', path: `/api/v1/agents/${B}`, token: fixture.adminToken };
  const recordIds = [ids.readId, ids.writeId];
  const taskIds = [ids.readTaskId, ids.cancelTaskId];
  return {
    ...ids,
    pages: await listAllPages(transport, B, fixture.tokenB),
    records: await Promise.all(recordIds.map((id) => get(`/api/v1/${B}/memory/${id}`))),
    keys: await Promise.all(
      [B_READ_KEY, B_WRITE_KEY].map((key) => get(`/api/v1/${B}/memory/keys/${key}`)),
    ),
    results: await searchResults(transport, B, fixture.tokenB, SECRET_WORD),
    agent: (await sendExpecting(transport, agentRequest, 200)).text,
    taskPages: await listAllPages(transport, B, fixture.tokenB, 'tasks'),
    tasks: await Promise.all(taskIds.map((id) => get(`/api/v1/${B}/tasks/${id}`))),
    filePages: await listAllPages(transport, B, fixture.tokenB, 'files'),
    files: await Promise.all(
      B_FILES.map(({ name }) => fileContent(transport, B, fixture.tokenB, name)),
    ),
  };
}

/** Returns the items of every page of a listing: `records`, `tasks` or `files`. */
function itemsOf<T>(pages: string[], field: 'records' | 'tasks' | 'files'): T[] {
  return pages.flatMap((page) => (JSON.parse(page) as Record<string, T[]>)[field] ?? []);
}

function sha256Of(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
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
  let ownTaskId: string;

  const asA = (request: TransportRequest) => transport.send({ ...request, token: fixture.tokenA });
  const bIds = () => [before.readId, before.writeId];
  /** Path parameters that name B's data, with the task to cancel as the id of task routes. */
  const bParameters = (route: RouteCall) => ({
    agent: B,
    id: isTaskRoute(route) ? before.cancelTaskId : before.writeId,
    key: B_WRITE_KEY,
    name: B_FILE,
  });

  beforeAll(async () => {
    testNode = createTestNode({ startWorkers: true });
    transport = await open(testNode);
    const adminToken = testNode.adminToken;
    const tokenA = await createAgent(transport, adminToken, A);
    const tokenB = await createAgent(transport, adminToken, B);
    const tokenDisabled = await createAgent(transport, adminToken, DISABLED);
    fixture = { adminToken, tokenA, tokenB, tokenDisabled };

    const common = { user_id: SHARED_USER, session_id: SHARED_SESSION };
    await addMemory(transport, A, tokenA, { ...common, content: 'plain note of a' });
    const ownTask = await submitQueuedTask(transport, A, tokenA, { input: { note: 'task of a' } });
    ownTaskId = ownTask.id as string;
    const ownFile = { name: A_FILE, content: Buffer.from('note of a'), contentType: 'text/plain' };
    await putFile(transport, A, tokenA, ownFile);
    before = await viewB(transport, fixture, await seedB(transport, tokenB));
  });

  afterAll(async () => {
    await transport?.close();
    await testNode?.close();
  });

  describe("a's token on b's path", () => {
    it.each(AGENT_BODY_ROUTES)('$name is forbidden', async (route) => {
      const response = await asA(routeRequest(route, bParameters(route), fixture.tokenA));

      expect(response.status).toBe(403);
      expect((response.json as { code?: string }).code).toBe('agent_mismatch');
    });

    // A response to HEAD has no body, so only the status shows the rejection.
    it.each(AGENT_HEAD_ROUTES)('$name is forbidden', async (route) => {
      const response = await asA(routeRequest(route, bParameters(route), fixture.tokenA));

      expect(response.status).toBe(403);
      expect(response.bytes).toHaveLength(0);
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

    const taskCases = [
      { name: 'get by b task id', method: 'GET', suffix: '' },
      { name: 'cancel by b task id', method: 'POST', suffix: '/cancel' },
    ];

    it.each(taskCases)('$name is not found', async ({ method, suffix }) => {
      const path = `/api/v1/${A}/tasks/${before.cancelTaskId}${suffix}`;
      const response = await asA({ method, path });

      expect(response.status).toBe(404);
      expect((response.json as { code?: string }).code).toBe('task_not_found');
    });

    it('get by b keyed task id is not found', async () => {
      const response = await asA({
        method: 'GET',
        path: `/api/v1/${A}/tasks/${before.readTaskId}`,
      });

      expect(response.status).toBe(404);
      expect((response.json as { code?: string }).code).toBe('task_not_found');
    });

    const fileCases = B_FILES.flatMap(({ name }) =>
      ['GET', 'DELETE'].map((method) => ({
        label: `${method.toLowerCase()} ${name}`,
        method,
        name,
      })),
    );

    it.each(fileCases)('$label by b name is not found', async ({ method, name }) => {
      const response = await asA({ method, path: `/api/v1/${A}/files/${name}` });

      expect(response.status).toBe(404);
      expect((response.json as { code?: string }).code).toBe('file_not_found');
    });

    it('head by b file name is not found', async () => {
      const response = await asA({ method: 'HEAD', path: `/api/v1/${A}/files/${B_FILE}` });

      expect(response.status).toBe(404);
    });

    it('submit with b task key creates own task', async () => {
      // A sends B's type and input, so a key shared across agents would replay B's task.
      const body = { ...B_KEYED_TASK, idempotency_key: B_TASK_KEY, run_at: oneDayAhead() };
      const response = await asA({ method: 'POST', path: `/api/v1/${A}/tasks`, body });
      const task = response.json as { id?: string; agent_id?: string };

      expect(response.status).toBe(202);
      expect(response.headers['idempotent-replayed']).toBeUndefined();
      expect(task.id).not.toBe(before.readTaskId);
      expect(task.agent_id).toBe(A);
    });

    it('put by b file name writes own file', async () => {
      const path = `/api/v1/${A}/files/${B_FILE}`;
      const headers = { 'content-type': 'text/plain' };
      const written = await asA({ method: 'PUT', path, headers, rawBody: 'written by a' });
      const read = await asA({ method: 'GET', path });

      expect(written.status).toBe(201);
      expect(read.text).toBe('written by a');
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

    const taskFilters: Array<{ name: string; query: Record<string, string> }> = [
      { name: 'no filter', query: {} },
      { name: 'queued status', query: { status: 'queued' } },
    ];

    it.each(taskFilters)('list tasks by $name misses b', async ({ query }) => {
      const response = await asA({ method: 'GET', path: `/api/v1/${A}/tasks`, query });
      const tasks = (response.json as { tasks?: Array<{ id: string; agent_id: string }> }).tasks;
      const leaked = (tasks ?? []).filter(
        (task) => task.agent_id !== A || [before.readTaskId, before.cancelTaskId].includes(task.id),
      );

      expect(response.status).toBe(200);
      expect(leaked).toEqual([]);
    });

    it('list tasks finds own task', async () => {
      const pages = await listAllPages(transport, A, fixture.tokenA, 'tasks');
      const ids = itemsOf<{ id: string }>(pages, 'tasks').map((task) => task.id);

      expect(ids).toContain(ownTaskId);
    });

    it('list files by b prefix misses b', async () => {
      const query = { prefix: 'b-' };
      const response = await asA({ method: 'GET', path: `/api/v1/${A}/files`, query });
      const files = (response.json as { files?: Array<{ agent_id: string; sha256: string }> })
        .files;
      const bHashes = B_FILES.map(({ content }) => sha256Of(content));
      const leaked = (files ?? []).filter(
        (file) => file.agent_id !== A || bHashes.includes(file.sha256),
      );

      expect(response.status).toBe(200);
      expect(leaked).toEqual([]);
    });

    it('list files finds own file', async () => {
      const pages = await listAllPages(transport, A, fixture.tokenA, 'files');
      const names = itemsOf<{ name: string }>(pages, 'files').map((file) => file.name);

      expect(names).toContain(A_FILE);
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
      after = await viewB(transport, fixture, before);
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

    it('keeps task listing unchanged', () => {
      expect(after.taskPages).toEqual(before.taskPages);
    });

    it('keeps tasks unchanged', () => {
      expect(after.tasks).toEqual(before.tasks);
    });

    it('keeps target task queued', () => {
      const task = JSON.parse(after.tasks[1] ?? '{}') as { status?: string };

      expect(task.status).toBe('queued');
    });

    it('keeps target task uncancelled', () => {
      const task = JSON.parse(after.tasks[1] ?? '{}') as { cancel_requested?: boolean };

      expect(task.cancel_requested).toBe(false);
    });

    it('keeps file listing unchanged', () => {
      expect(after.filePages).toEqual(before.filePages);
    });

    it('keeps file bytes unchanged', () => {
      expect(after.files).toEqual(before.files);
    });

    it('keeps seeded file bytes', () => {
      expect(after.files).toEqual(B_FILES.map(({ content }) => content));
    });

    it('lists every seeded task', () => {
      expect(itemsOf(before.taskPages, 'tasks')).toHaveLength(2);
    });

    it('lists every seeded file', () => {
      expect(itemsOf(before.filePages, 'files')).toHaveLength(2);
    });
  });

  describe('disabled agent token', () => {
    beforeAll(async () => {
      const path = `/api/v1/agents/${DISABLED}/disable`;
      await sendExpecting(transport, { method: 'POST', path, token: fixture.adminToken }, 200);
    });

    const routes = AGENT_PATH_ROUTES.filter((route) => route.access !== 'admin');
    const parameters = { agent: DISABLED, id: 'any-record', key: 'any:key', name: 'any.txt' };
    const send = (route: RouteCall) =>
      transport.send(routeRequest(route, parameters, fixture.tokenDisabled));

    it.each(routes.filter((route) => route.method !== 'HEAD'))(
      '$name is forbidden',
      async (route) => {
        const response = await send(route);

        expect(response.status).toBe(403);
        expect((response.json as { code?: string }).code).toBe('agent_disabled');
      },
    );

    it.each(routes.filter((route) => route.method === 'HEAD'))(
      '$name is forbidden',
      async (route) => {
        const response = await send(route);

        expect(response.status).toBe(403);
        expect(response.bytes).toHaveLength(0);
      },
    );

    describe('after enable', () => {
      beforeAll(async () => {
        const enable = { method: 'POST', path: `/api/v1/agents/${DISABLED}/enable` };
        await sendExpecting(transport, { ...enable, token: fixture.adminToken }, 200);
      });

      it('leaves no record behind', async () => {
        const pages = await listAllPages(transport, DISABLED, fixture.tokenDisabled);

        expect(JSON.parse(pages[0] ?? '{}').records).toEqual([]);
      });

      it('leaves no task behind', async () => {
        const pages = await listAllPages(transport, DISABLED, fixture.tokenDisabled, 'tasks');

        expect(itemsOf(pages, 'tasks')).toEqual([]);
      });

      it('leaves no file behind', async () => {
        const pages = await listAllPages(transport, DISABLED, fixture.tokenDisabled, 'files');

        expect(itemsOf(pages, 'files')).toEqual([]);
      });
    });
  });
});
