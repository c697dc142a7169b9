import type { TransportRequest } from '../support/transport.js';

/** Values a run of the script keeps from earlier responses: tokens, record ids and cursors. */
export type ScriptState = Map<string, string>;

/** One scripted request, the status it should get and what to keep from its response. */
export interface ScriptStep {
  readonly name: string;
  readonly status: number;
  request(state: ScriptState, adminToken: string): TransportRequest;
  /** Stores values of the response body under names later steps read. */
  keep?(body: Record<string, unknown>, state: ScriptState): void;
  /** Name of a kept id that the body's `id` must equal, as in an idempotent replay. */
  readonly sameIdAs?: string;
  /** Content of the file the step downloads: the body of a GET, the length of a HEAD. */
  readonly download?: Buffer;
}

const A = 'parity-a';
const B = 'parity-b';
const MEMORY_A = `/api/v1/${A}/memory`;
const TASKS_A = `/api/v1/${A}/tasks`;
const FILES_A = `/api/v1/${A}/files`;
const DAY_MS = 24 * 3600 * 1000;

/** Returns a kept value, failing loudly when an earlier step did not store it. */
export function kept(state: ScriptState, name: string): string {
  const value = state.get(name);
  if (value === undefined) throw new Error(`No value "${name}" was kept by an earlier step.`);
  return value;
}

const keepField =
  (field: string, name: string) =>
  (body: Record<string, unknown>, state: ScriptState): void => {
    const value = body[field];
    if (typeof value === 'string') state.set(name, value);
  };

const asA = (request: Omit<TransportRequest, 'token'>) => (state: ScriptState) => ({
  ...request,
  token: kept(state, 'token-a'),
});

const asAdmin =
  (request: Omit<TransportRequest, 'token'>) => (_state: ScriptState, adminToken: string) => ({
    ...request,
    token: adminToken,
  });

const addBobNote = (index: number): ScriptStep => ({
  name: `adds bob note ${index}`,
  status: 201,
  request: asA({
    method: 'POST',
    path: MEMORY_A,
    body: {
      user_id: 'bob',
      session_id: 's2',
      key: `notes:bob-${index}`,
      content: `Bob note ${index} about the demo day rehearsal`,
    },
  }),
  keep: keepField('id', `bob-${index}`),
});

const AGENT_STEPS: ScriptStep[] = [
  { name: 'reports health', status: 200, request: () => ({ method: 'GET', path: '/health' }) },
  {
    name: 'lists circuit breakers',
    status: 200,
    request: () => ({ method: 'GET', path: '/circuit-breakers' }),
  },
  {
    name: 'serves openapi document',
    status: 200,
    request: () => ({ method: 'GET', path: '/docs' }),
  },
  {
    name: 'creates agent a',
    status: 201,
    request: asAdmin({ method: 'POST', path: '/api/v1/agents', body: { agent_id: A, name: 'A' } }),
    keep: keepField('token', 'token-a'),
  },
  {
    name: 'creates agent b with quota',
    status: 201,
    request: asAdmin({
      method: 'POST',
      path: '/api/v1/agents',
      body: { agent_id: B, name: 'Agent B', quotas: { max_memory_records: 50 } },
    }),
    keep: keepField('token', 'token-b'),
  },
  {
    name: 'rejects duplicate agent',
    status: 409,
    request: asAdmin({ method: 'POST', path: '/api/v1/agents', body: { agent_id: A, name: 'A' } }),
  },
  {
    name: 'gets agent as admin',
    status: 200,
    request: asAdmin({ method: 'GET', path: `/api/v1/agents/${A}` }),
  },
  {
    name: 'gets agent as itself',
    status: 200,
    request: asA({ method: 'GET', path: `/api/v1/agents/${A}` }),
  },
  {
    name: 'issues second token',
    status: 201,
    request: asAdmin({ method: 'POST', path: `/api/v1/agents/${A}/tokens` }),
    keep: keepField('token', 'token-a2'),
  },
  {
    name: 'accepts second token',
    status: 200,
    request: (state) => ({
      method: 'GET',
      path: `/api/v1/agents/${A}`,
      token: kept(state, 'token-a2'),
    }),
  },
  {
    name: 'disables agent b',
    status: 200,
    request: asAdmin({ method: 'POST', path: `/api/v1/agents/${B}/disable` }),
  },
  {
    name: 'rejects disabled token',
    status: 403,
    request: (state) => ({
      method: 'GET',
      path: `/api/v1/${B}/memory`,
      token: kept(state, 'token-b'),
    }),
  },
  {
    name: 'refuses token for disabled',
    status: 409,
    request: asAdmin({ method: 'POST', path: `/api/v1/agents/${B}/tokens` }),
  },
  {
    name: 'enables agent b',
    status: 200,
    request: asAdmin({ method: 'POST', path: `/api/v1/agents/${B}/enable` }),
  },
  {
    name: 'accepts enabled token',
    status: 200,
    request: (state) => ({
      method: 'GET',
      path: `/api/v1/${B}/memory`,
      token: kept(state, 'token-b'),
    }),
  },
  {
    name: 'rejects other agent path',
    status: 403,
    request: (state) => ({
      method: 'GET',
      path: `/api/v1/${B}/memory`,
      token: kept(state, 'token-a'),
    }),
  },
];

const WRITE_STEPS: ScriptStep[] = [
  {
    name: 'adds demo context record',
    status: 201,
    request: asA({
      method: 'POST',
      path: MEMORY_A,
      body: { user_id: 'demo', context: 'hackathon_demo' },
    }),
    keep: keepField('id', 'demo'),
  },
  {
    name: 'adds key value record',
    status: 201,
    request: asA({
      method: 'POST',
      path: MEMORY_A,
      body: { user_id: 'demo', key: 'favourite-colour', value: 'blue' },
    }),
    keep: keepField('id', 'colour'),
  },
  {
    name: 'adds record with metadata',
    status: 201,
    request: asA({
      method: 'POST',
      path: MEMORY_A,
      body: {
        user_id: 'alice',
        session_id: 's1',
        content: 'Alice met Bob at the hackathon in Lisbon',
        metadata: { topic: 'travel', rating: 5, public: true },
      },
    }),
    keep: keepField('id', 'alice'),
  },
  {
    name: 'adds structured value',
    status: 201,
    request: asA({
      method: 'POST',
      path: MEMORY_A,
      body: {
        user_id: 'alice',
        key: 'profile: álice',
        value: { city: 'Lisbon', languages: ['pt', 'en'], age: null },
        ttl_seconds: 86_400,
      },
    }),
  },
  addBobNote(1),
  addBobNote(2),
  addBobNote(3),
  {
    name: 'replaces record by key',
    status: 201,
    request: asA({
      method: 'POST',
      path: MEMORY_A,
      body: { user_id: 'demo', key: 'favourite-colour', value: 'green' },
    }),
  },
  {
    name: 'puts existing record by id',
    status: 200,
    request: (state) => ({
      method: 'PUT',
      path: `${MEMORY_A}/${kept(state, 'alice')}`,
      token: kept(state, 'token-a'),
      body: {
        user_id: 'alice',
        session_id: 's1',
        content: 'Alice met Bob at the Lisbon hackathon finals',
        metadata: { topic: 'travel', rating: 4 },
      },
    }),
  },
  {
    name: 'puts new record by id',
    status: 201,
    request: asA({
      method: 'PUT',
      path: `${MEMORY_A}/note-1`,
      body: { user_id: 'carol', content: 'Carol keeps the hackathon schedule' },
    }),
  },
  {
    name: 'puts new record by key',
    status: 201,
    request: asA({
      method: 'PUT',
      path: `${MEMORY_A}/keys/settings:theme`,
      body: { value: 'dark' },
    }),
  },
  {
    name: 'puts existing record by key',
    status: 200,
    request: asA({
      method: 'PUT',
      path: `${MEMORY_A}/keys/settings:theme`,
      body: { value: 'light', metadata: { changed: true } },
    }),
  },
  {
    name: 'indexes documents',
    status: 201,
    request: asA({
      method: 'POST',
      path: `/api/v1/${A}/search/index`,
      body: {
        documents: [
          {
            id: 'doc-1',
            content: 'The Lisbon hackathon venue opens at nine',
            user_id: 'alice',
            metadata: { kind: 'schedule' },
          },
          { content: 'Bring a laptop charger to the demo day' },
        ],
      },
    }),
  },
];

const READ_STEPS: ScriptStep[] = [
  {
    name: 'gets record by id',
    status: 200,
    request: (state) => ({
      method: 'GET',
      path: `${MEMORY_A}/${kept(state, 'demo')}`,
      token: kept(state, 'token-a'),
    }),
  },
  {
    name: 'gets replaced record by key',
    status: 200,
    request: asA({ method: 'GET', path: `${MEMORY_A}/keys/favourite-colour` }),
  },
  {
    name: 'gets percent-encoded key',
    status: 200,
    request: asA({
      method: 'GET',
      path: `${MEMORY_A}/keys/${encodeURIComponent('profile: álice')}`,
    }),
  },
  { name: 'lists every record', status: 200, request: asA({ method: 'GET', path: MEMORY_A }) },
  {
    name: 'lists first page',
    status: 200,
    request: asA({ method: 'GET', path: MEMORY_A, query: { limit: '3' } }),
    keep: keepField('next_cursor', 'page-2'),
  },
  {
    name: 'lists second page',
    status: 200,
    request: (state) => ({
      method: 'GET',
      path: MEMORY_A,
      query: { limit: '3', cursor: kept(state, 'page-2') },
      token: kept(state, 'token-a'),
    }),
    keep: keepField('next_cursor', 'page-3'),
  },
  {
    name: 'lists last page',
    status: 200,
    request: (state) => ({
      method: 'GET',
      path: MEMORY_A,
      query: { limit: '3', cursor: kept(state, 'page-3') },
      token: kept(state, 'token-a'),
    }),
  },
  {
    name: 'lists by user',
    status: 200,
    request: asA({ method: 'GET', path: MEMORY_A, query: { user_id: 'bob', limit: '2' } }),
  },
  {
    name: 'lists by session',
    status: 200,
    request: asA({ method: 'GET', path: MEMORY_A, query: { session_id: 's1' } }),
  },
  {
    name: 'lists by key prefix',
    status: 200,
    request: asA({ method: 'GET', path: MEMORY_A, query: { prefix: 'notes:' } }),
  },
  {
    name: 'searches with highlights',
    status: 200,
    request: asA({ method: 'POST', path: `/api/v1/${A}/search`, body: { query: 'hackathon' } }),
  },
  {
    name: 'searches by user',
    status: 200,
    request: asA({
      method: 'POST',
      path: `/api/v1/${A}/search`,
      body: { query: 'Lisbon hackathon', user_id: 'alice', highlight: false },
    }),
  },
  {
    name: 'searches by metadata',
    status: 200,
    request: asA({
      method: 'POST',
      path: `/api/v1/${A}/search`,
      body: { query: 'Lisbon', metadata: { topic: 'travel' } },
    }),
  },
  {
    name: 'searches by session',
    status: 200,
    request: asA({
      method: 'POST',
      path: `/api/v1/${A}/search`,
      body: { query: 'demo rehearsal', session_id: 's2', limit: 2 },
    }),
  },
  {
    name: 'searches time window',
    status: 200,
    request: asA({
      method: 'POST',
      path: `/api/v1/${A}/search`,
      body: { query: 'demo', from: '2000-01-01T00:00:00Z', to: '2999-01-01T00:00:00+01:00' },
    }),
  },
  {
    name: 'searches empty window',
    status: 200,
    request: asA({
      method: 'POST',
      path: `/api/v1/${A}/search`,
      body: { query: 'demo', to: '2000-01-01T00:00:00Z' },
    }),
  },
];

const DELETE_STEPS: ScriptStep[] = [
  {
    name: 'deletes record by id',
    status: 204,
    request: (state) => ({
      method: 'DELETE',
      path: `${MEMORY_A}/${kept(state, 'demo')}`,
      token: kept(state, 'token-a'),
    }),
  },
  {
    name: 'misses deleted record',
    status: 404,
    request: (state) => ({
      method: 'GET',
      path: `${MEMORY_A}/${kept(state, 'demo')}`,
      token: kept(state, 'token-a'),
    }),
  },
  {
    name: 'misses second delete',
    status: 404,
    request: (state) => ({
      method: 'DELETE',
      path: `${MEMORY_A}/${kept(state, 'demo')}`,
      token: kept(state, 'token-a'),
    }),
  },
  {
    name: 'deletes record by key',
    status: 204,
    request: asA({ method: 'DELETE', path: `${MEMORY_A}/keys/settings:theme` }),
  },
  {
    name: 'misses deleted key',
    status: 404,
    request: asA({ method: 'GET', path: `${MEMORY_A}/keys/settings:theme` }),
  },
  {
    name: 'omits deleted from search',
    status: 200,
    request: asA({
      method: 'POST',
      path: `/api/v1/${A}/search`,
      body: { query: 'hackathon_demo' },
    }),
  },
  { name: 'lists after deletes', status: 200, request: asA({ method: 'GET', path: MEMORY_A }) },
];

/**
 * Builds a task submission by A with `run_at` one day ahead. The task then stays queued whether
 * or not the node runs task workers, so no status in the script races a worker.
 */
const submitAsA =
  (body: Record<string, unknown>, headers?: Record<string, string>) =>
  (state: ScriptState): TransportRequest => ({
    method: 'POST',
    path: TASKS_A,
    token: kept(state, 'token-a'),
    body: { ...body, run_at: new Date(Date.now() + DAY_MS).toISOString() },
    ...(headers === undefined ? {} : { headers }),
  });

const KEYED_TASK = { type: 'echo', input: { step: 2 } };

const TASK_STEPS: ScriptStep[] = [
  {
    name: 'submits task without key',
    status: 202,
    request: submitAsA({ type: 'echo', input: { step: 1 } }),
    keep: keepField('id', 'task-1'),
  },
  {
    name: 'submits task with body key',
    status: 202,
    request: submitAsA({ ...KEYED_TASK, idempotency_key: 'parity-task-2' }),
    keep: keepField('id', 'task-2'),
  },
  {
    name: 'replays body key',
    status: 202,
    request: submitAsA({ ...KEYED_TASK, idempotency_key: 'parity-task-2' }),
    sameIdAs: 'task-2',
  },
  {
    name: 'replays header key',
    status: 202,
    request: submitAsA(KEYED_TASK, { 'idempotency-key': 'parity-task-2' }),
    sameIdAs: 'task-2',
  },
  {
    name: 'replays quoted header key',
    status: 202,
    request: submitAsA(KEYED_TASK, { 'idempotency-key': '"parity-task-2"' }),
    sameIdAs: 'task-2',
  },
  {
    name: 'rejects reused task key',
    status: 409,
    request: submitAsA({ type: 'echo', input: { step: 99 }, idempotency_key: 'parity-task-2' }),
  },
  {
    name: 'rejects mismatched task keys',
    status: 400,
    request: submitAsA(
      { ...KEYED_TASK, idempotency_key: 'parity-task-2' },
      { 'idempotency-key': 'parity-task-other' },
    ),
  },
  {
    name: 'submits task with header key',
    status: 202,
    request: submitAsA(
      { type: 'memory.export', input: { name: 'export.jsonl' }, max_attempts: 1 },
      { 'idempotency-key': 'parity-task-3' },
    ),
    keep: keepField('id', 'task-3'),
  },
  {
    name: 'rejects unknown task type',
    status: 400,
    request: submitAsA({ type: 'no.such-type', input: null }),
  },
  {
    name: 'gets task by id',
    status: 200,
    request: (state) => ({
      method: 'GET',
      path: `${TASKS_A}/${kept(state, 'task-1')}`,
      token: kept(state, 'token-a'),
    }),
  },
  {
    name: 'lists queued tasks page one',
    status: 200,
    request: asA({ method: 'GET', path: TASKS_A, query: { status: 'queued', limit: '2' } }),
    keep: keepField('next_cursor', 'task-page-2'),
  },
  {
    name: 'lists queued tasks page two',
    status: 200,
    request: (state) => ({
      method: 'GET',
      path: TASKS_A,
      query: { status: 'queued', limit: '2', cursor: kept(state, 'task-page-2') },
      token: kept(state, 'token-a'),
    }),
  },
  {
    name: 'cancels queued task',
    status: 200,
    request: (state) => ({
      method: 'POST',
      path: `${TASKS_A}/${kept(state, 'task-1')}/cancel`,
      token: kept(state, 'token-a'),
    }),
  },
  {
    name: 'repeats cancel',
    status: 200,
    request: (state) => ({
      method: 'POST',
      path: `${TASKS_A}/${kept(state, 'task-1')}/cancel`,
      token: kept(state, 'token-a'),
    }),
  },
  {
    name: 'lists cancelled tasks',
    status: 200,
    request: asA({ method: 'GET', path: TASKS_A, query: { status: 'cancelled' } }),
  },
  { name: 'lists every task', status: 200, request: asA({ method: 'GET', path: TASKS_A }) },
  {
    name: 'misses unknown task',
    status: 404,
    request: asA({ method: 'GET', path: `${TASKS_A}/no-such-task` }),
  },
  {
    name: 'misses cancel of unknown task',
    status: 404,
    request: asA({ method: 'POST', path: `${TASKS_A}/no-such-task/cancel` }),
  },
];

const NOTES = Buffer.from('Bring snacks on Friday.\n', 'utf8');
const NOTES_REPLACED = Buffer.from('Bring snacks and a charger on Friday.\n', 'utf8');
/** Every byte value, so any step that decodes the body as text would change it. */
const BINARY = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
/** Latin-1 text sent as `text/plain`. It is not valid UTF-8, so the event carries it in base64. */
const LATIN1 = Buffer.from('Caf\xe9 cr\xe8me\n', 'latin1');
const UNICODE_NAME = 'résumé (final) ü.txt';
const UNICODE_CONTENT = Buffer.from('Ünïcödé name, plain content.\n', 'utf8');

/** Builds a request by A to the file `name`, which is percent-encoded here. */
const fileAsA = (method: string, name: string, content?: Buffer, contentType?: string) =>
  asA({
    method,
    path: `${FILES_A}/${encodeURIComponent(name)}`,
    ...(content === undefined ? {} : { rawBody: content }),
    ...(contentType === undefined ? {} : { headers: { 'content-type': contentType } }),
  });

const FILE_STEPS: ScriptStep[] = [
  {
    name: 'puts text file',
    status: 201,
    request: fileAsA('PUT', 'notes.txt', NOTES, 'text/plain; charset=utf-8'),
  },
  {
    name: 'puts binary file',
    status: 201,
    request: fileAsA('PUT', 'photo.bin', BINARY, 'application/octet-stream'),
  },
  {
    name: 'puts file with unicode name',
    status: 201,
    request: fileAsA('PUT', UNICODE_NAME, UNICODE_CONTENT, 'text/markdown'),
  },
  {
    name: 'puts second notes file',
    status: 201,
    request: fileAsA('PUT', 'notes-2.txt', NOTES, 'text/plain'),
  },
  {
    name: 'puts latin-1 text file',
    status: 201,
    request: fileAsA('PUT', 'menu.txt', LATIN1, 'text/plain'),
  },
  {
    name: 'puts empty file',
    status: 201,
    request: fileAsA('PUT', 'empty.dat', Buffer.alloc(0)),
  },
  {
    name: 'replaces text file',
    status: 200,
    request: fileAsA('PUT', 'notes.txt', NOTES_REPLACED, 'text/plain; charset=utf-8'),
  },
  {
    name: 'heads text file',
    status: 200,
    request: fileAsA('HEAD', 'notes.txt'),
    download: NOTES_REPLACED,
  },
  {
    name: 'gets text file',
    status: 200,
    request: fileAsA('GET', 'notes.txt'),
    download: NOTES_REPLACED,
  },
  {
    name: 'gets binary file',
    status: 200,
    request: fileAsA('GET', 'photo.bin'),
    download: BINARY,
  },
  {
    name: 'gets unicode name file',
    status: 200,
    request: fileAsA('GET', UNICODE_NAME),
    download: UNICODE_CONTENT,
  },
  {
    name: 'gets latin-1 text file',
    status: 200,
    request: fileAsA('GET', 'menu.txt'),
    download: LATIN1,
  },
  {
    name: 'gets empty file',
    status: 200,
    request: fileAsA('GET', 'empty.dat'),
    download: Buffer.alloc(0),
  },
  { name: 'lists every file', status: 200, request: asA({ method: 'GET', path: FILES_A }) },
  {
    name: 'lists notes page one',
    status: 200,
    request: asA({ method: 'GET', path: FILES_A, query: { prefix: 'notes', limit: '1' } }),
    keep: keepField('next_cursor', 'file-page-2'),
  },
  {
    name: 'lists notes page two',
    status: 200,
    request: (state) => ({
      method: 'GET',
      path: FILES_A,
      query: { prefix: 'notes', limit: '1', cursor: kept(state, 'file-page-2') },
      token: kept(state, 'token-a'),
    }),
  },
  { name: 'deletes text file', status: 204, request: fileAsA('DELETE', 'notes.txt') },
  { name: 'misses deleted file', status: 404, request: fileAsA('GET', 'notes.txt') },
  { name: 'misses head of deleted file', status: 404, request: fileAsA('HEAD', 'notes.txt') },
  { name: 'misses second file delete', status: 404, request: fileAsA('DELETE', 'notes.txt') },
  { name: 'lists after file delete', status: 200, request: asA({ method: 'GET', path: FILES_A }) },
  {
    name: 'rejects dot-dot file name',
    status: 400,
    request: asA({ method: 'PUT', path: `${FILES_A}/%2e%2e`, rawBody: NOTES }),
  },
];

const ERROR_STEPS: ScriptStep[] = [
  {
    name: 'rejects malformed json',
    status: 400,
    request: asA({ method: 'POST', path: MEMORY_A, rawBody: '{"user_id": "demo",' }),
  },
  {
    name: 'rejects unknown field',
    status: 400,
    request: asA({ method: 'POST', path: MEMORY_A, body: { context: 'x', colour: 'red' } }),
  },
  {
    name: 'rejects invalid cursor',
    status: 400,
    request: asA({ method: 'GET', path: MEMORY_A, query: { cursor: 'not-a-cursor' } }),
  },
  {
    name: 'rejects missing token',
    status: 401,
    request: () => ({ method: 'GET', path: MEMORY_A }),
  },
  {
    name: 'rejects agent on admin route',
    status: 401,
    request: asA({ method: 'POST', path: `/api/v1/agents/${A}/disable` }),
  },
  {
    name: 'misses unknown agent',
    status: 404,
    request: asAdmin({ method: 'GET', path: '/api/v1/agents/nobody' }),
  },
  {
    name: 'reports health again',
    status: 200,
    request: () => ({ method: 'GET', path: '/health' }),
  },
];

/** The scripted requests in order. Together they call every route of the route table. */
export const SCRIPT: readonly ScriptStep[] = [
  ...AGENT_STEPS,
  ...WRITE_STEPS,
  ...READ_STEPS,
  ...DELETE_STEPS,
  ...TASK_STEPS,
  ...FILE_STEPS,
  ...ERROR_STEPS,
];
