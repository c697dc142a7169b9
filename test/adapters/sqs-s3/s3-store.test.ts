import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  deleteFileBucket,
  encodeName,
  ensureFileBucket,
  S3FileIntegrityError,
  S3FileStore,
} from '../../../lambdas/adapters/s3/index.js';
import { PayloadTooLargeError } from '../../../lambdas/core/errors.js';
import { storedFile } from '../../contract/file-store.contract.js';
import { versionAt } from '../../contract/fixtures.js';
import { uniqueName } from '../support/services.js';
import { rejection } from '../support/wait.js';
import { motoS3Client, motoSuiteTitle, motoUrl } from './support.js';

// Behaviour of S3FileStore beyond the FileStore contract, on moto.

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe.skipIf(!motoUrl())(motoSuiteTitle('S3FileStore on moto'), () => {
  let client: S3Client;
  const bucket = uniqueName('files');
  let keyPrefix: string;
  let store: S3FileStore;

  async function keys(): Promise<string[]> {
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix }),
    );
    return (listed.Contents ?? []).map((entry) => entry.Key!);
  }

  async function put(name: string, content: Buffer, version = 1, deleted = false) {
    return store.put(storedFile(name, content, { version: versionAt(version), deleted }), content);
  }

  beforeAll(async () => {
    client = motoS3Client();
    await ensureFileBucket(client, bucket);
  });
  afterAll(async () => {
    await deleteFileBucket(client, bucket);
    client.destroy();
  });
  beforeEach(() => {
    keyPrefix = `${uniqueName('store')}/`;
    store = new S3FileStore({ client, bucket, keyPrefix, maxFileBytes: 1024 });
  });

  it.each(['../../escape', '/etc/passwd', '..\\x', '%2e%2e', 'naïve café', 'a?b#c'])(
    'keeps %j out of the key but for its encoding',
    async (name) => {
      await put(name, bytes('x'));
      expect(await keys()).toEqual([`${keyPrefix}agent-a/${encodeName(name)}`]);
    },
  );

  it('stores a SHA-256 checksum and the version with each object', async () => {
    await put('f', bytes('hello'), 3);
    const [key] = await keys();
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
    );
    const body = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const stored = Buffer.from(await body.Body!.transformToByteArray());

    expect(head.ChecksumSHA256).toBe(createHash('sha256').update(stored).digest('base64'));
    expect(head.Metadata?.version).toBe(versionAt(3));
  });

  it('rejects content above the maximum size and writes nothing', async () => {
    const error = await rejection(put('big', Buffer.alloc(1025)));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(await keys()).toEqual([]);
  });

  it('detects an object whose content no longer matches', async () => {
    await put('f', bytes('original'));
    const [key] = await keys();
    const body = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const damaged = Buffer.from(await body.Body!.transformToByteArray());
    damaged[damaged.length - 1] = 0x21;
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: damaged, Metadata: body.Metadata }),
    );

    await expect(store.get('agent-a', 'f')).rejects.toBeInstanceOf(S3FileIntegrityError);
  });

  it('lists across key pages and skips tombstones', async () => {
    const names = Array.from({ length: 60 }, (_, index) => `f${String(index).padStart(2, '0')}`);
    for (const name of names) await put(name, bytes(name));
    const deleted = names.filter((_, index) => index % 3 === 0);
    for (const name of deleted) await put(name, bytes(''), 2, true);

    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await store.list('agent-a', {}, { limit: 7, after });
      seen.push(...page.items.map((file) => file.name));
      if (!page.more) break;
      after = seen.at(-1)!;
    }
    expect(seen).toEqual(names.filter((name) => !deleted.includes(name)));
  });

  it('lists names in UTF-16 code unit order', async () => {
    const names = ['\uffff', '\u{10000}', 'z', 'é'];
    for (const name of names) await put(name, bytes('x'));

    const page = await store.list('agent-a', {}, { limit: 10, after: null });
    expect(page.items.map((file) => file.name)).toEqual([...names].sort());
  });

  it('filters by a prefix that ends inside an encoded character', async () => {
    for (const name of ['ab', 'ac', 'b']) await put(name, bytes(name));

    const page = await store.list('agent-a', { prefix: 'a' }, { limit: 10, after: null });
    expect(page.items.map((file) => file.name)).toEqual(['ab', 'ac']);
  });

  it('rejects an invalid agent id', async () => {
    const file = storedFile('f', bytes('x'), { agentId: '../agent-b' });
    await expect(store.put(file, bytes('x'))).rejects.toThrow(/Invalid agent id/);
  });

  it('reports a closed breaker', () => {
    expect(store.report()).toMatchObject({ name: 's3', state: 'closed' });
  });
});
