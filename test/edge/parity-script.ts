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
}

const A = 'parity-a';
const B = 'parity-b';
const MEMORY_A = `/api/v1/${A}/memory`;

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
  ...ERROR_STEPS,
];
