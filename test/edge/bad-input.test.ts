import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestNode,
  httpTransport,
  type TestNode,
  type Transport,
  type TransportRequest,
} from '../support/transport.js';
import {
  addMemory,
  AGENT_PATH_ROUTES,
  createAgent,
  fileContent,
  isTaskRoute,
  jsonOfSize,
  listAllPages,
  MAX_BODY_BYTES,
  MAX_JSON_DEPTH,
  nestedArray,
  putFile,
  routeRequest,
  type RouteCall,
  searchResults,
  sendExpecting,
  signWithForeignKey,
  signWithKeyFile,
  submitQueuedTask,
  unsignedToken,
} from './helpers.js';

// Every kind of bad input, sent over HTTP to each endpoint that reads a body, a path id, a file
// name, a query or a token, gets a problem+json 4xx and leaves the store as it was.

const OWNER = 'owner';
/** Agent id that bad requests try to create. No request may create it. */
const INTRUDER = 'intruder';
const SEED_KEY = 'seed:key';
const SEED_DOCUMENT = 'seed-doc';
const SEED_FILE = 'seed.txt';
const SEED_TASK_KEY = 'seed-task';
const PROBLEM_JSON = 'application/problem+json';
/** File size limit of the node under test, below the 1 MiB default so 413 cases stay small. */
const MAX_FILE_BYTES = 8192;

/** Tokens and ids the cases need, known once the node is seeded. */
interface Context {
  readonly admin: string;
  readonly owner: string;
  readonly seedId: string;
  readonly taskId: string;
}

/** One bad request and the problem it must get. */
interface BadCase {
  readonly name: string;
  readonly status: number;
  readonly code: string;
  readonly field: string;
  /** Whether the case sends HEAD. Its response has no body, so only status and media type count. */
  readonly head?: boolean;
  request(context: Context): TransportRequest;
}

/** An endpoint that reads a JSON body, with bodies that are valid or wrong in one way each. */
interface BodyEndpoint {
  readonly name: string;
  readonly method: string;
  path(context: Context): string;
  token(context: Context): string;
  readonly valid: Record<string, unknown>;
  /** The valid body with `padding` in one of its strings, to size the body. */
  padded(padding: string): unknown;
  readonly wrongType: { readonly body: unknown; readonly field: string };
  readonly overLongId: { readonly body: unknown; readonly field: string };
}

const longText = (length: number) => 'a'.repeat(length);
/**
 * One character over each limit: agent ids 64, record and task ids 128, keys 256, file names
 * and idempotency keys 255.
 */
const LONG_AGENT_ID = longText(65);
const LONG_RECORD_ID = longText(129);
const LONG_KEY = longText(257);
const LONG_FILE_NAME = longText(256);
const LONG_IDEMPOTENCY_KEY = longText(256);

const BODY_ENDPOINTS: BodyEndpoint[] = [
  {
    name: 'create agent',
    method: 'POST',
    path: () => '/api/v1/agents',
    token: (context) => context.admin,
    valid: { agent_id: INTRUDER, name: 'Intruder' },
    padded: (padding) => ({ agent_id: INTRUDER, name: padding }),
    wrongType: { body: { agent_id: 7, name: 'Intruder' }, field: 'body.agent_id' },
    overLongId: { body: { agent_id: LONG_AGENT_ID, name: 'Intruder' }, field: 'body.agent_id' },
  },
  {
    name: 'add memory',
    method: 'POST',
    path: () => `/api/v1/${OWNER}/memory`,
    token: (context) => context.owner,
    valid: { user_id: 'demo', context: 'intruding text' },
    padded: (padding) => ({ user_id: 'demo', context: padding }),
    wrongType: { body: { user_id: 5, context: 'intruding text' }, field: 'body.user_id' },
    overLongId: { body: { key: LONG_KEY, value: 'intruding' }, field: 'body.key' },
  },
  {
    name: 'put memory by id',
    method: 'PUT',
    path: (context) => `/api/v1/${OWNER}/memory/${context.seedId}`,
    token: (context) => context.owner,
    valid: { content: 'overwritten' },
    padded: (padding) => ({ content: padding }),
    wrongType: { body: { content: ['overwritten'] }, field: 'body.content' },
    overLongId: {
      body: { content: 'overwritten', session_id: LONG_RECORD_ID },
      field: 'body.session_id',
    },
  },
  {
    name: 'put memory by key',
    method: 'PUT',
    path: () => `/api/v1/${OWNER}/memory/keys/${SEED_KEY}`,
    token: (context) => context.owner,
    valid: { value: 'overwritten' },
    padded: (padding) => ({ value: padding }),
    wrongType: { body: { value: 'overwritten', ttl_seconds: '60' }, field: 'body.ttl_seconds' },
    overLongId: { body: { value: 'overwritten', user_id: LONG_RECORD_ID }, field: 'body.user_id' },
  },
  {
    name: 'search',
    method: 'POST',
    path: () => `/api/v1/${OWNER}/search`,
    token: (context) => context.owner,
    valid: { query: 'seed' },
    padded: (padding) => ({ query: padding }),
    wrongType: { body: { query: 42 }, field: 'body.query' },
    overLongId: { body: { query: 'seed', user_id: LONG_RECORD_ID }, field: 'body.user_id' },
  },
  {
    name: 'index documents',
    method: 'POST',
    path: () => `/api/v1/${OWNER}/search/index`,
    token: (context) => context.owner,
    valid: { documents: [{ id: SEED_DOCUMENT, content: 'overwritten' }] },
    padded: (padding) => ({ documents: [{ id: SEED_DOCUMENT, content: padding }] }),
    wrongType: { body: { documents: 'overwritten' }, field: 'body.documents' },
    overLongId: {
      body: { documents: [{ id: LONG_RECORD_ID, content: 'overwritten' }] },
      field: 'body.documents.0.id',
    },
  },
  {
    name: 'submit task',
    method: 'POST',
    path: () => `/api/v1/${OWNER}/tasks`,
    token: (context) => context.owner,
    valid: { type: 'echo', input: { note: 'intruding' } },
    padded: (padding) => ({ type: 'echo', input: { note: padding } }),
    wrongType: {
      body: { type: 'echo', input: {}, max_attempts: '3' },
      field: 'body.max_attempts',
    },
    overLongId: {
      body: { type: 'echo', input: {}, idempotency_key: LONG_IDEMPOTENCY_KEY },
      field: 'body.idempotency_key',
    },
  },
];

function bodyCases(endpoint: BodyEndpoint): BadCase[] {
  const send =
    (body: Partial<TransportRequest>) =>
    (context: Context): TransportRequest => ({
      method: endpoint.method,
      path: endpoint.path(context),
      token: endpoint.token(context),
      ...body,
    });
  const invalid = (name: string, field: string, body: unknown): BadCase => ({
    name: `${endpoint.name} ${name}`,
    status: 400,
    code: 'validation_failed',
    field,
    request: send({ body }),
  });
  const unsupported = (name: string, contentType: string, rawBody: string): BadCase => ({
    name: `${endpoint.name} ${name}`,
    status: 415,
    code: 'unsupported_media_type',
    field: 'header.content-type',
    request: send({ rawBody, headers: { 'content-type': contentType } }),
  });
  const rejected = (name: string, code: string, rawBody: string): BadCase => ({
    name: `${endpoint.name} ${name}`,
    status: 400,
    code,
    field: 'body',
    request: send({ rawBody }),
  });

  return [
    {
      name: `${endpoint.name} oversized body`,
      status: 413,
      code: 'payload_too_large',
      field: 'body',
      request: send({ rawBody: jsonOfSize(MAX_BODY_BYTES + 1, endpoint.padded) }),
    },
    rejected('malformed json', 'malformed_json', '{"user_id": "demo", '),
    rejected('empty body', 'body_required', ''),
    rejected('too deep json', 'json_too_deep', deepBody(endpoint.valid)),
    invalid('array body', 'body', []),
    invalid('wrong field type', endpoint.wrongType.field, endpoint.wrongType.body),
    invalid('unknown field', 'body.colour', { ...endpoint.valid, colour: 'red' }),
    invalid('over-long id', endpoint.overLongId.field, endpoint.overLongId.body),
    unsupported('text content type', 'text/plain', JSON.stringify(endpoint.valid)),
    unsupported('form content type', 'application/x-www-form-urlencoded', 'query=seed'),
  ];
}

/** Returns the valid body with a value nested one level deeper than the limit allows. */
function deepBody(valid: Record<string, unknown>): string {
  // The body object is one level, so MAX_JSON_DEPTH arrays inside it make one too many.
  return JSON.stringify({ ...valid, value: nestedArray(MAX_JSON_DEPTH) });
}

/** Bodies of exactly the size limit, which are invalid for their content but not too large. */
const AT_LIMIT_CASES: BadCase[] = [
  {
    name: 'add memory body at limit',
    status: 400,
    code: 'validation_failed',
    field: 'body.context',
    request: (context) => ({
      method: 'POST',
      path: `/api/v1/${OWNER}/memory`,
      token: context.owner,
      rawBody: jsonOfSize(MAX_BODY_BYTES, (padding) => ({ user_id: 'demo', context: padding })),
    }),
  },
  {
    name: 'search body at limit',
    status: 400,
    code: 'validation_failed',
    field: 'body.query',
    request: (context) => ({
      method: 'POST',
      path: `/api/v1/${OWNER}/search`,
      token: context.owner,
      rawBody: jsonOfSize(MAX_BODY_BYTES, (padding) => ({ query: padding })),
    }),
  },
  {
    name: 'submit task body at limit',
    status: 400,
    code: 'validation_failed',
    field: 'body.idempotency_key',
    request: (context) => ({
      method: 'POST',
      path: `/api/v1/${OWNER}/tasks`,
      token: context.owner,
      rawBody: jsonOfSize(MAX_BODY_BYTES, (padding) => ({
        type: 'echo',
        input: {},
        idempotency_key: padding,
      })),
    }),
  },
];

/** Builds a task submission by the owner with `body`, and `headers` when given. */
const submitTask =
  (body: unknown, headers?: Record<string, string>) =>
  (context: Context): TransportRequest => ({
    method: 'POST',
    path: `/api/v1/${OWNER}/tasks`,
    token: context.owner,
    body,
    ...(headers === undefined ? {} : { headers }),
  });

/** A run_at past the maximum delay of 30 days. */
const TOO_LATE = new Date(Date.now() + 31 * 24 * 3600 * 1000).toISOString();

const TASK_BODY_CASES: BadCase[] = [
  ['unknown type', 'body.type', 'unknown_task_type', { type: 'no.such-type', input: {} }],
  ['invalid type name', 'body.type', 'validation_failed', { type: 'Echo!', input: {} }],
  ['missing type', 'body.type', 'validation_failed', { input: {} }],
  ['missing input', 'body.input', 'validation_failed', { type: 'echo' }],
  [
    'run_at too late',
    'body.run_at',
    'validation_failed',
    { type: 'echo', input: {}, run_at: TOO_LATE },
  ],
  [
    'run_at without offset',
    'body.run_at',
    'validation_failed',
    { type: 'echo', input: {}, run_at: '2030-01-01T00:00:00' },
  ],
  [
    'zero attempts',
    'body.max_attempts',
    'validation_failed',
    { type: 'echo', input: {}, max_attempts: 0 },
  ],
  [
    'attempts above maximum',
    'body.max_attempts',
    'validation_failed',
    { type: 'echo', input: {}, max_attempts: 11 },
  ],
  [
    'negative echo delay',
    'body.input.delay_ms',
    'invalid_task_input',
    { type: 'echo', input: { delay_ms: -1 } },
  ],
  [
    'http host not allowed',
    'body.input.url',
    'http_host_not_allowed',
    // A loopback address, so nothing leaves the machine even if the allow-list failed.
    { type: 'http', input: { url: 'http://127.0.0.1:9/' } },
  ],
  [
    'export to dot-dot name',
    'body.input.name',
    'invalid_file_name',
    { type: 'memory.export', input: { name: '..' } },
  ],
  [
    'empty idempotency key',
    'body.idempotency_key',
    'validation_failed',
    { type: 'echo', input: {}, idempotency_key: '' },
  ],
].map(([name, field, code, body]) => ({
  name: `submit task ${name as string}`,
  status: 400,
  code: code as string,
  field: field as string,
  request: submitTask(body),
}));

TASK_BODY_CASES.push(
  {
    name: 'submit task reused key',
    status: 409,
    code: 'idempotency_key_reused',
    field: 'body.idempotency_key',
    request: submitTask({ type: 'echo', input: { other: true }, idempotency_key: SEED_TASK_KEY }),
  },
  {
    // The key arrives only in the header, so the problem must name the header as the field.
    name: 'submit task reused header key',
    status: 409,
    code: 'idempotency_key_reused',
    field: 'header.idempotency-key',
    request: submitTask(
      { type: 'echo', input: { other: true } },
      { 'idempotency-key': SEED_TASK_KEY },
    ),
  },
  {
    name: 'submit task mismatched keys',
    status: 400,
    code: 'idempotency_key_mismatch',
    field: 'body.idempotency_key',
    request: submitTask(
      { type: 'echo', input: {}, idempotency_key: 'body-key' },
      { 'idempotency-key': 'header-key' },
    ),
  },
  {
    name: 'submit task key header with space',
    status: 400,
    code: 'invalid_idempotency_key',
    field: 'header.idempotency-key',
    request: submitTask({ type: 'echo', input: {} }, { 'idempotency-key': 'has space' }),
  },
  {
    name: 'submit task over-long key header',
    status: 400,
    code: 'invalid_idempotency_key',
    field: 'header.idempotency-key',
    request: submitTask({ type: 'echo', input: {} }, { 'idempotency-key': LONG_IDEMPOTENCY_KEY }),
  },
);

/** Builds an upload by the owner to the seed file, so a bug would overwrite it. */
const uploadSeed =
  (rawBody: string | Uint8Array, contentType: string) =>
  (context: Context): TransportRequest => ({
    method: 'PUT',
    path: `/api/v1/${OWNER}/files/${SEED_FILE}`,
    token: context.owner,
    rawBody,
    headers: { 'content-type': contentType },
  });

const FILE_BODY_CASES: BadCase[] = [
  {
    name: 'put file over size limit',
    status: 413,
    code: 'payload_too_large',
    field: 'body',
    request: uploadSeed('x'.repeat(MAX_FILE_BYTES + 1), 'text/plain'),
  },
  {
    name: 'put binary file over size limit',
    status: 413,
    code: 'payload_too_large',
    field: 'body',
    request: uploadSeed(new Uint8Array(MAX_FILE_BYTES + 1).fill(0xff), 'application/octet-stream'),
  },
  {
    // Half as many characters as the limit in bytes, but two UTF-8 bytes each.
    name: 'put multibyte file over size limit',
    status: 413,
    code: 'payload_too_large',
    field: 'body',
    request: uploadSeed('é'.repeat(MAX_FILE_BYTES / 2 + 1), 'text/plain; charset=utf-8'),
  },
  {
    name: 'put file invalid content type',
    status: 400,
    code: 'invalid_content_type',
    field: 'header.content-type',
    request: uploadSeed('overwritten', 'not a media type'),
  },
  {
    name: 'put file over-long content type',
    status: 400,
    code: 'invalid_content_type',
    field: 'header.content-type',
    request: uploadSeed('overwritten', `text/${longText(300)}`),
  },
];

/** Path parameters of valid requests to the owner's data. */
function parametersOf(route: RouteCall, context: Context): Record<string, string> {
  const id = isTaskRoute(route) ? context.taskId : context.seedId;
  return { agent: OWNER, id, key: SEED_KEY, name: SEED_FILE };
}

function validRequest(
  route: RouteCall,
  context: Context,
  overrides: Record<string, string> = {},
): TransportRequest {
  const token = route.access === 'agent' ? context.owner : context.admin;
  return routeRequest(route, { ...parametersOf(route, context), ...overrides }, token);
}

const PARAMETER_VALUES: Record<string, string> = {
  agent: LONG_AGENT_ID,
  id: LONG_RECORD_ID,
  key: LONG_KEY,
  name: LONG_FILE_NAME,
};

const PATH_CASES: BadCase[] = AGENT_PATH_ROUTES.flatMap((route) =>
  [...route.template.matchAll(/\{(\w+)\}/g)].map(([, name = '']) => ({
    name: `${route.name} over-long ${name}`,
    status: 400,
    code: 'validation_failed',
    field: `path.${name}`,
    head: route.method === 'HEAD',
    request: (context: Context) =>
      validRequest(route, context, { [name]: PARAMETER_VALUES[name] ?? '' }),
  })),
);

/** Task paths with an id that is invalid or names no task. */
const TASK_PATH_CASES: BadCase[] = [
  ['get task', 'GET', 'invalid id', 'bad%20id', 400, 'validation_failed'],
  ['cancel task', 'POST', 'invalid id', 'bad%20id', 400, 'validation_failed'],
  ['get task', 'GET', 'unknown id', 'no-such-task', 404, 'task_not_found'],
  ['cancel task', 'POST', 'unknown id', 'no-such-task', 404, 'task_not_found'],
].map(([route, method, name, id, status, code]) => ({
  name: `${route as string} ${name as string}`,
  status: status as number,
  code: code as string,
  field: 'path.id',
  request: (context: Context) => ({
    method: method as string,
    path: `/api/v1/${OWNER}/tasks/${id as string}${method === 'POST' ? '/cancel' : ''}`,
    token: context.owner,
  }),
}));

/**
 * Bad file names as path segments, percent-encoded as a client would send them: name, segment,
 * status, code and field.
 */
const BAD_FILE_NAMES: ReadonlyArray<readonly [string, string, number, string, string]> = [
  ['dot-dot', '..', 400, 'validation_failed', 'path.name'],
  ['dot', '.', 400, 'validation_failed', 'path.name'],
  ['encoded dot-dot', '%2e%2e', 400, 'validation_failed', 'path.name'],
  ['mixed-case encoded dot-dot', '%2E%2e', 400, 'validation_failed', 'path.name'],
  ['encoded slash traversal', '..%2F..%2Fseed.txt', 400, 'encoded_slash_in_path', 'path'],
  ['encoded backslash traversal', '..%5C..%5Cseed.txt', 400, 'validation_failed', 'path.name'],
  ['nul character', 'seed.txt%00', 400, 'validation_failed', 'path.name'],
  ['newline', 'seed%0A.txt', 400, 'validation_failed', 'path.name'],
  ['escape character', '%1B%5B31mseed.txt', 400, 'validation_failed', 'path.name'],
  ['delete character', 'seed.txt%7F', 400, 'validation_failed', 'path.name'],
  ['c1 control character', 'seed.txt%C2%85', 400, 'validation_failed', 'path.name'],
  [
    'over-long multibyte name',
    encodeURIComponent('é'.repeat(256)),
    400,
    'validation_failed',
    'path.name',
  ],
  ['encoded lone surrogate', 'seed%ED%A0%80', 400, 'malformed_path', 'path'],
  ['empty name', '', 404, 'route_not_found', 'path'],
];

const FILE_ROUTES = AGENT_PATH_ROUTES.filter((route) => route.template.endsWith('/files/{name}'));

const FILE_NAME_CASES: BadCase[] = FILE_ROUTES.flatMap((route) =>
  BAD_FILE_NAMES.map(([name, segment, status, code, field]) => ({
    name: `${route.name} ${name}`,
    status,
    code,
    field,
    head: route.method === 'HEAD',
    request: (context: Context) => {
      const valid = validRequest(route, context);
      return { ...valid, path: `/api/v1/${OWNER}/files/${segment}` };
    },
  })),
);

type QueryRow = [name: string, field: string, code: string, query: Record<string, string>];

/** Builds the cases of a listing from rows of name, field, code and query. */
function queryCases(listing: 'memory' | 'tasks' | 'files', rows: QueryRow[]): BadCase[] {
  return rows.map(([name, field, code, query]) => ({
    name: `list ${listing} ${name}`,
    status: 400,
    code,
    field,
    request: (context: Context) => ({
      method: 'GET',
      path: `/api/v1/${OWNER}/${listing}`,
      token: context.owner,
      query,
    }),
  }));
}

/** Rows every listing shares: its limit and cursor checks. */
const PAGING_ROWS: QueryRow[] = [
  ['unknown parameter', 'query.colour', 'validation_failed', { colour: 'red' }],
  ['non-numeric limit', 'query.limit', 'validation_failed', { limit: 'ten' }],
  ['zero limit', 'query.limit', 'validation_failed', { limit: '0' }],
  ['limit above maximum', 'query.limit', 'validation_failed', { limit: '101' }],
  ['fractional limit', 'query.limit', 'validation_failed', { limit: '1.5' }],
  ['forged cursor', 'query.cursor', 'invalid_cursor', { cursor: 'bm90LWEtY3Vyc29y' }],
];

/** A cursor as each listing encodes it, so one listing's cursor can be sent to another. */
const cursorOf = (prefix: string) => Buffer.from(`${prefix}:seed`).toString('base64url');

const QUERY_CASES: BadCase[] = [
  ...queryCases('memory', [
    ...PAGING_ROWS,
    ['over-long user id', 'query.user_id', 'validation_failed', { user_id: LONG_RECORD_ID }],
    ['over-long prefix', 'query.prefix', 'validation_failed', { prefix: LONG_KEY }],
    ['over-long cursor', 'query.cursor', 'validation_failed', { cursor: longText(513) }],
  ]),
  ...queryCases('tasks', [
    ...PAGING_ROWS,
    ['unknown status', 'query.status', 'validation_failed', { status: 'done' }],
    ['upper-case status', 'query.status', 'validation_failed', { status: 'QUEUED' }],
    ['over-long cursor', 'query.cursor', 'validation_failed', { cursor: longText(513) }],
    ['file cursor', 'query.cursor', 'invalid_cursor', { cursor: cursorOf('f1') }],
  ]),
  ...queryCases('files', [
    ...PAGING_ROWS,
    ['over-long prefix', 'query.prefix', 'validation_failed', { prefix: LONG_FILE_NAME }],
    ['control character prefix', 'query.prefix', 'validation_failed', { prefix: 'seed\u0000' }],
    ['over-long cursor', 'query.cursor', 'validation_failed', { cursor: longText(2049) }],
    ['task cursor', 'query.cursor', 'invalid_cursor', { cursor: cursorOf('t1') }],
  ]),
];

QUERY_CASES.push({
  // The target is written by hand, because a `__proto__` key in an object literal sets its prototype.
  name: 'list memory prototype parameter',
  status: 400,
  code: 'validation_failed',
  field: 'query.__proto__',
  request: (context) => ({
    method: 'GET',
    path: `/api/v1/${OWNER}/memory?__proto__=x`,
    token: context.owner,
  }),
});

/** A kind of bad credential. Its token is signed once the node has a signing key. */
interface TokenVariant {
  readonly name: string;
  /** Error code for an admin route, then for an agent route. */
  readonly adminCode: string;
  readonly agentCode: string;
  authorize(request: TransportRequest): TransportRequest;
}

const tokens = { expired: '', foreign: '', unsigned: unsignedToken(OWNER) };

const withToken = (value: () => string) => (request: TransportRequest) => ({
  ...request,
  token: value(),
});

const TOKEN_VARIANTS: TokenVariant[] = [
  {
    name: 'missing token',
    adminCode: 'missing_token',
    agentCode: 'missing_token',
    authorize: ({ token: _token, ...request }) => request,
  },
  {
    name: 'basic credentials',
    adminCode: 'missing_token',
    agentCode: 'missing_token',
    authorize: ({ token: _token, ...request }) => ({
      ...request,
      headers: { authorization: `Basic ${Buffer.from('owner:secret').toString('base64')}` },
    }),
  },
  {
    name: 'garbage token',
    adminCode: 'invalid_admin_token',
    agentCode: 'invalid_token',
    authorize: withToken(() => 'not-a-token'),
  },
  {
    name: 'unsigned token',
    adminCode: 'invalid_admin_token',
    agentCode: 'invalid_token',
    authorize: withToken(() => tokens.unsigned),
  },
  {
    name: 'foreign key token',
    adminCode: 'invalid_admin_token',
    agentCode: 'invalid_token',
    authorize: withToken(() => tokens.foreign),
  },
  {
    name: 'expired token',
    adminCode: 'invalid_admin_token',
    agentCode: 'token_expired',
    authorize: withToken(() => tokens.expired),
  },
];

const CREATE_AGENT_ROUTE: RouteCall = {
  name: 'create agent',
  method: 'POST',
  template: '/api/v1/agents',
  access: 'admin',
  body: { agent_id: INTRUDER, name: 'Intruder' },
};

const TOKEN_CASES: BadCase[] = [CREATE_AGENT_ROUTE, ...AGENT_PATH_ROUTES].flatMap((route) =>
  TOKEN_VARIANTS.map((variant) => ({
    name: `${route.name} ${variant.name}`,
    status: 401,
    // A route open to the agent itself verifies agent tokens, so it reports their errors.
    code: route.access === 'admin' ? variant.adminCode : variant.agentCode,
    field: 'header.authorization',
    head: route.method === 'HEAD',
    request: (context: Context) => variant.authorize(validRequest(route, context)),
  })),
);

/** What bad requests must leave unchanged. */
interface StoreSnapshot {
  readonly pages: string[];
  readonly results: unknown[];
  readonly owner: string;
  readonly intruderStatus: number;
  readonly taskPages: string[];
  readonly filePages: string[];
  readonly seedFile: Buffer;
}

let testNode: TestNode;
let http: Transport;
let context: Context;
let baseline: StoreSnapshot;

async function snapshot(): Promise<StoreSnapshot> {
  const ownerRequest = { method: 'GET', path: `/api/v1/agents/${OWNER}`, token: context.admin };
  const intruderRequest = { ...ownerRequest, path: `/api/v1/agents/${INTRUDER}` };
  return {
    pages: await listAllPages(http, OWNER, context.owner),
    results: await searchResults(http, OWNER, context.owner, 'seed overwritten intruding'),
    owner: (await sendExpecting(http, ownerRequest, 200)).text,
    intruderStatus: (await http.send(intruderRequest)).status,
    taskPages: await listAllPages(http, OWNER, context.owner, 'tasks'),
    filePages: await listAllPages(http, OWNER, context.owner, 'files'),
    seedFile: await fileContent(http, OWNER, context.owner, SEED_FILE),
  };
}

async function seed(): Promise<void> {
  const admin = testNode.adminToken;
  const owner = await createAgent(http, admin, OWNER);
  const record = await addMemory(http, OWNER, owner, { user_id: 'demo', context: 'seed record' });
  const task = await submitQueuedTask(http, OWNER, owner, {
    input: { note: 'seed task' },
    idempotency_key: SEED_TASK_KEY,
  });
  context = { admin, owner, seedId: record.id as string, taskId: task.id as string };

  const content = Buffer.from('seed file\n', 'utf8');
  await putFile(http, OWNER, owner, { name: SEED_FILE, content, contentType: 'text/plain' });

  await addMemory(http, OWNER, owner, { key: SEED_KEY, value: 'seed value', user_id: 'demo' });
  const documents = [{ id: SEED_DOCUMENT, content: 'seed document' }];
  const index = { method: 'POST', path: `/api/v1/${OWNER}/search/index`, token: owner };
  await sendExpecting(http, { ...index, body: { documents } }, 201);

  const expiresAt = Math.floor(Date.now() / 1000) - 3600;
  tokens.expired = await signWithKeyFile(testNode.keyFile, { agentId: OWNER, expiresAt });
  tokens.foreign = await signWithForeignKey({ agentId: OWNER, expiresAt: expiresAt + 7200 });
}

beforeAll(async () => {
  // No task workers run, and the seed task starts a day later, so no task changes by itself.
  testNode = createTestNode({ maxFileBytes: MAX_FILE_BYTES });
  http = await httpTransport(testNode.node);
  await seed();
  baseline = await snapshot();
});

afterAll(async () => {
  await http?.close();
  await testNode?.close();
});

const ALL_GROUPS: Array<[string, BadCase[]]> = [
  ['bad body', BODY_ENDPOINTS.flatMap(bodyCases)],
  ['body at limit', AT_LIMIT_CASES],
  ['bad task body', TASK_BODY_CASES],
  ['bad file body', FILE_BODY_CASES],
  ['bad path id', [...PATH_CASES, ...TASK_PATH_CASES]],
  ['bad file name', FILE_NAME_CASES],
  ['bad query', QUERY_CASES],
  ['bad token', TOKEN_CASES],
];
const GROUPS = ALL_GROUPS.map(([group, cases]): [string, BadCase[]] => [
  group,
  cases.filter((badCase) => !badCase.head),
]);
const HEAD_CASES = ALL_GROUPS.flatMap(([, cases]) => cases.filter((badCase) => badCase.head));

/** Checks that the store is as the seed left it. */
function expectUnchanged(after: StoreSnapshot): void {
  expect(after.pages).toEqual(baseline.pages);
  expect(after.results).toEqual(baseline.results);
  expect(after.owner).toBe(baseline.owner);
  expect(after.intruderStatus).toBe(404);
  expect(after.taskPages).toEqual(baseline.taskPages);
  expect(after.filePages).toEqual(baseline.filePages);
  expect(after.seedFile).toEqual(baseline.seedFile);
}

describe.each(GROUPS)('%s', (_group, cases) => {
  it.each(cases)('$name', async (badCase) => {
    const response = await http.send(badCase.request(context));
    const problem = (response.json ?? {}) as Record<string, unknown>;
    const after = await snapshot();

    expect(response.status).toBe(badCase.status);
    expect(response.headers['content-type']).toBe(PROBLEM_JSON);
    expect(problem.status).toBe(badCase.status);
    expect(problem.code).toBe(badCase.code);
    expect(problem.detail).toMatch(/\S/);
    expect(problem.field).toBe(badCase.field);
    expect(problem.service).toBe('edge');
    expectUnchanged(after);
  });
});

// A response to HEAD has no body, so its problem cannot be read. GET cases check the same paths.
describe('bad head request', () => {
  it.each(HEAD_CASES)('$name', async (badCase) => {
    const response = await http.send(badCase.request(context));
    const after = await snapshot();

    expect(response.status).toBe(badCase.status);
    expect(response.headers['content-type']).toBe(PROBLEM_JSON);
    expect(response.bytes).toHaveLength(0);
    expectUnchanged(after);
  });
});

describe('bad input setup', () => {
  it('seeds searchable records', () => {
    expect(baseline.results).toHaveLength(3);
  });

  it('seeds one task', () => {
    const tasks = baseline.taskPages.flatMap((page) => (JSON.parse(page) as { tasks: [] }).tasks);

    expect(tasks).toHaveLength(1);
  });

  it('seeds one file', () => {
    const files = baseline.filePages.flatMap((page) => (JSON.parse(page) as { files: [] }).files);

    expect(files).toHaveLength(1);
  });
});

describe('file size limit', () => {
  // A separate agent keeps these valid writes out of the owner's store.
  const agent = 'limit-owner';
  let token = '';

  beforeAll(async () => {
    token = await createAgent(http, context.admin, agent);
  });

  const atLimit: Array<{ name: string; content: Buffer; contentType: string }> = [
    { name: 'text', content: Buffer.from('x'.repeat(MAX_FILE_BYTES)), contentType: 'text/plain' },
    {
      name: 'binary',
      content: Buffer.alloc(MAX_FILE_BYTES, 0xff),
      contentType: 'application/octet-stream',
    },
    {
      name: 'multibyte',
      content: Buffer.from('é'.repeat(MAX_FILE_BYTES / 2), 'utf8'),
      contentType: 'text/plain; charset=utf-8',
    },
  ];

  it.each(atLimit)('stores $name file at limit', async ({ name, content, contentType }) => {
    const file = await putFile(http, agent, token, { name: `${name}.dat`, content, contentType });
    const stored = await fileContent(http, agent, token, `${name}.dat`);

    expect(file.size).toBe(MAX_FILE_BYTES);
    expect(stored).toEqual(content);
  });
});

describe('prototype property names', () => {
  // JSON.parse makes `__proto__` an own property, but copying it by assignment sets a prototype
  // instead, so the service rejects the key. A separate agent keeps these writes out of the
  // owner's store.
  const agent = 'proto-owner';
  let token = '';

  beforeAll(async () => {
    token = await createAgent(http, context.admin, agent);
  });

  it('rejects __proto__ in a value', async () => {
    const rawBody = '{"key":"proto:value","value":{"__proto__":{"admin":true},"plain":1}}';
    const response = await http.send({
      method: 'POST',
      path: `/api/v1/${agent}/memory`,
      token,
      rawBody,
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).code).toBe('forbidden_key');
    const path = `/api/v1/${agent}/memory/keys/proto:value`;
    await sendExpecting(http, { method: 'GET', path, token }, 404);
  });

  it('keeps or rejects __proto__ metadata', async () => {
    const rawBody = '{"key":"proto:metadata","value":1,"metadata":{"__proto__":"x","plain":1}}';
    const response = await http.send({
      method: 'POST',
      path: `/api/v1/${agent}/memory`,
      token,
      rawBody,
    });
    const metadata = (JSON.parse(response.text) as { metadata?: object }).metadata ?? {};
    const keptOrRejected = response.status === 400 || Object.hasOwn(metadata, '__proto__');

    // The documented metadata key pattern admits `__proto__`, so dropping it loses data.
    expect(keptOrRejected, `status ${response.status}, metadata ${response.text}`).toBe(true);
  });
});
