import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent, startEdge, type EdgeHarness } from '../tasks/harness.js';

const FILES = '/api/v1/agent-a/files';
const MAX_FILE_BYTES = 4096;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Lists every file under `dir` as a path relative to it; none when `dir` does not exist. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

describe('file API', () => {
  let edge: EdgeHarness;
  let token: string;
  let otherToken: string;

  beforeEach(async () => {
    edge = await startEdge({ maxFileBytes: MAX_FILE_BYTES });
    token = await createAgent(edge, 'agent-a');
    otherToken = await createAgent(edge, 'agent-b');
  });
  afterEach(async () => edge.close());

  const put = (name: string, body: Buffer | string, contentType?: string) =>
    edge.send({
      method: 'PUT',
      path: `${FILES}/${name}`,
      token,
      body,
      headers: contentType ? { 'content-type': contentType } : {},
    });
  const get = (name: string, as = token) =>
    edge.send({ method: 'GET', path: `${FILES}/${name}`, token: as });
  const listNames = async (query = '') => {
    const response = await edge.send({ method: 'GET', path: `${FILES}${query}`, token });
    return response.json.files.map((file: { name: string }) => file.name);
  };

  it('stores bytes and returns them unchanged', async () => {
    const content = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
    const created = await put('all-bytes.bin', content);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: 'all-bytes.bin',
      agent_id: 'agent-a',
      content_type: 'application/octet-stream',
      size: 256,
      sha256: sha256(content),
      etag: `"${sha256(content)}"`,
      version: expect.stringMatching(/^\d{15}\.\d{6}\.edge$/),
    });
    expect(created.headers.etag).toBe(`"${sha256(content)}"`);

    const read = await get('all-bytes.bin');
    expect(read.status).toBe(200);
    expect(read.bytes.equals(content)).toBe(true);
    expect(read.headers['content-type']).toBe('application/octet-stream');
    expect(read.headers.etag).toBe(`"${sha256(content)}"`);
    expect(read.headers['x-content-type-options']).toBe('nosniff');
  });

  it.each([
    ['text/plain; charset=utf-8', 'grüße, 世界\n'],
    ['application/json', '{"not": "parsed", "kept": [1, 2]}'],
    ['text/html', '<script>alert(1)</script>'],
  ])('keeps a %s body as raw bytes', async (contentType, text) => {
    expect((await put('doc', text, contentType)).status).toBe(201);
    const read = await get('doc');
    expect(read.text).toBe(text);
    expect(read.headers['content-type']).toBe(contentType);
    expect(read.headers['content-disposition']).toBe("attachment; filename*=UTF-8''doc");
  });

  it('stores an empty file', async () => {
    expect((await put('empty', Buffer.alloc(0))).json.size).toBe(0);
    expect((await get('empty')).bytes).toHaveLength(0);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const content = Buffer.from('twelve bytes');
    await put('head.txt', content, 'text/plain');
    const response = await edge.send({ method: 'HEAD', path: `${FILES}/head.txt`, token });
    expect(response.status).toBe(200);
    expect(response.headers['content-length']).toBe('12');
    expect(response.headers.etag).toBe(`"${sha256(content)}"`);
    expect(response.headers['content-type']).toBe('text/plain');
    expect(response.bytes).toHaveLength(0);
  });

  it('replaces a file with 200 and keeps its creation time', async () => {
    const first = await put('notes', 'one');
    const second = await put('notes', 'two');
    expect(second.status).toBe(200);
    expect(second.json.created_at).toBe(first.json.created_at);
    expect(second.json.version > first.json.version).toBe(true);
    expect((await get('notes')).text).toBe('two');
  });

  it('deletes a file', async () => {
    await put('gone', 'x');
    const deleted = await edge.send({ method: 'DELETE', path: `${FILES}/gone`, token });
    expect(deleted.status).toBe(204);
    expect((await get('gone')).status).toBe(404);
    expect((await get('gone')).json.code).toBe('file_not_found');
    expect(await listNames()).toEqual([]);
    const again = await edge.send({ method: 'DELETE', path: `${FILES}/gone`, token });
    expect(again.status).toBe(404);
  });

  it('lists by prefix with cursor pagination', async () => {
    for (const name of ['report-3', 'notes', 'report-1', 'report-2']) await put(name, name);
    expect(await listNames('?prefix=report-')).toEqual(['report-1', 'report-2', 'report-3']);

    const first = await edge.send({ method: 'GET', path: `${FILES}?limit=3`, token });
    expect(first.json.files.map((file: { name: string }) => file.name)).toEqual([
      'notes',
      'report-1',
      'report-2',
    ]);
    const cursor = encodeURIComponent(first.json.next_cursor);
    expect(await listNames(`?limit=3&cursor=${cursor}`)).toEqual(['report-3']);
    const bad = await edge.send({ method: 'GET', path: `${FILES}?cursor=eDox`, token });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('invalid_cursor');
  });

  it('rejects an oversized file with 413', async () => {
    await put('big', 'small');
    const response = await put('big', Buffer.alloc(MAX_FILE_BYTES + 1, 0x61));
    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ code: 'payload_too_large', field: 'body' });
    expect((await get('big')).text).toBe('small');
    expect((await put('big', Buffer.alloc(MAX_FILE_BYTES, 0x61))).status).toBe(200);
  });

  it('rejects an invalid content type', async () => {
    const response = await put('typed', 'x', 'not a media type');
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({
      code: 'invalid_content_type',
      field: 'header.content-type',
    });
  });

  describe('names', () => {
    it.each([
      ['dot dot', '..'],
      ['dot', '.'],
      ['encoded dot dot', '%2e%2e'],
      ['upper-case encoded dot dot', '%2E%2E'],
      ['encoded slashes', '..%2f..%2fetc%2fpasswd'],
      ['an absolute path', '%2fetc%2fpasswd'],
      ['backslashes', '..%5c..%5cwindows%5cwin.ini'],
      ['a NUL byte', 'a%00b'],
      ['a line feed', 'a%0Ab'],
      ['an escape character', 'a%1bb'],
      ['DEL', 'a%7Fb'],
      ['a C1 control', 'a%C2%85b'],
      ['invalid UTF-8', '%C0%AE%C0%AE'],
      ['an over-long name', 'x'.repeat(256)],
      ['a raw parent segment', '../../../agent-b/files/x'],
    ])('rejects %s and writes nothing', async (_case, name) => {
      for (const method of ['PUT', 'GET', 'HEAD', 'DELETE'] as const) {
        const response = await edge.send({ method, path: `${FILES}/${name}`, token, body: 'x' });
        expect(response.status, `${method} ${name}`).toBeGreaterThanOrEqual(400);
        expect(response.status, `${method} ${name}`).toBeLessThan(500);
      }
      expect(filesUnder(join(edge.dataDir, 'files'))).toEqual([]);
      expect(await listNames()).toEqual([]);
    });

    it('stores an odd but valid name under a hash inside the agent folder', async () => {
      const name = '%252e%252e';
      expect((await put(name, 'x')).json.name).toBe('%2e%2e');
      const stored = filesUnder(join(edge.dataDir, 'files'));
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatch(/^agent-a\/[0-9a-f]{64}\.file$/);
    });
  });

  it('keeps one whole write of many concurrent ones', async () => {
    const contents = Array.from({ length: 16 }, (_, index) => Buffer.alloc(MAX_FILE_BYTES, index));
    const results = await Promise.all(contents.map((content) => put('contended.bin', content)));
    expect(results.every((result) => result.status === 200 || result.status === 201)).toBe(true);

    const read = await get('contended.bin');
    const winner = contents.find((content) => content.equals(read.bytes));
    expect(winner).toBeDefined();
    expect(read.headers.etag).toBe(`"${sha256(read.bytes)}"`);
    expect(filesUnder(join(edge.dataDir, 'files'))).toHaveLength(1);
  });

  describe("another agent's file", () => {
    beforeEach(async () => {
      await put('private.txt', 'secret of agent-a', 'text/plain');
    });

    it.each(['PUT', 'GET', 'HEAD', 'DELETE'] as const)('rejects %s with 403', async (method) => {
      const path = `${FILES}/private.txt`;
      const response = await edge.send({ method, path, token: otherToken, body: 'overwrite' });
      expect(response.status).toBe(403);
      expect((await get('private.txt')).text).toBe('secret of agent-a');
    });

    it('rejects a listing with 403', async () => {
      const response = await edge.send({ method: 'GET', path: FILES, token: otherToken });
      expect(response.status).toBe(403);
    });

    it('is not found under the other agent', async () => {
      const path = '/api/v1/agent-b/files/private.txt';
      expect((await edge.send({ method: 'GET', path, token: otherToken })).status).toBe(404);
    });

    it('rejects a request without a token with 401', async () => {
      const response = await edge.send({ method: 'GET', path: `${FILES}/private.txt` });
      expect(response.status).toBe(401);
    });
  });
});
