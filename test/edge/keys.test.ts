import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestNode,
  httpTransport,
  type TestNode,
  type Transport,
} from '../support/transport.js';
import { addMemory, createAgent, sendExpecting } from './helpers.js';

// A memory key names at most one live record of an agent, and every key the API accepts can be
// read, replaced and deleted through the key routes.

const AGENT = 'key-owner';
const MEMORY = `/api/v1/${AGENT}/memory`;

let testNode: TestNode;
let http: Transport;
let token: string;

beforeAll(async () => {
  testNode = createTestNode();
  http = await httpTransport(testNode.node);
  token = await createAgent(http, testNode.adminToken, AGENT);
});

afterAll(async () => {
  await http?.close();
  await testNode?.close();
});

describe('memory keys', () => {
  it('put by id keeps key unique', async () => {
    await addMemory(http, AGENT, token, { key: 'unique:key', value: 'first' });
    const put = { method: 'PUT', path: `${MEMORY}/second-record`, token };
    const second = await http.send({ ...put, body: { key: 'unique:key', value: 'second' } });
    const path = `${MEMORY}/keys/unique:key`;
    await sendExpecting(http, { method: 'DELETE', path, token }, 204);
    const afterDelete = await http.send({ method: 'GET', path, token });

    // The put may be rejected or may take the key over. Either way, a delete by key must not
    // uncover an older record that still has the key.
    expect(afterDelete.status, `put answered ${second.status}: ${second.text}`).toBe(404);
  });

  it('rejects or reads slash key', async () => {
    const written = await http.send({
      method: 'POST',
      path: MEMORY,
      token,
      body: { key: 'notes/today', value: 'slash' },
    });
    const path = `${MEMORY}/keys/${encodeURIComponent('notes/today')}`;
    const read = await http.send({ method: 'GET', path, token });
    const consistent = written.status === 400 || read.status === 200;

    // The key routes reject "%2F" in a path segment, so a key containing "/" must be rejected
    // when written, or no route could read, replace or delete its record by key.
    expect(consistent, `write ${written.status}, read ${read.status}: ${read.text}`).toBe(true);
  });
});
