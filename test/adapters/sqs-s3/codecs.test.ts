import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeName,
  encodeName,
  encodeNamePrefix,
  FileKeys,
} from '../../../lambdas/adapters/s3/keys.js';
import {
  decodeObjectBody,
  encodeObjectBody,
  fileFromMetadata,
  objectMetadata,
  S3FileIntegrityError,
} from '../../../lambdas/adapters/s3/object-format.js';
import { isAwsFailure } from '../../../lambdas/adapters/sqs/aws-failures.js';
import {
  decodeBody,
  decodeReceipt,
  encodeBody,
  encodeReceipt,
  toSqsSeconds,
} from '../../../lambdas/adapters/sqs/message.js';
import { storedFile } from '../../contract/file-store.contract.js';

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.nat(0xffff).map((unit) => String.fromCharCode(unit));
const name = fc.string({ unit: codeUnit, minLength: 1, maxLength: 255 });

function compare(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

describe('S3 key name encoding', () => {
  it('decodes every encoded name back', () => {
    fc.assert(fc.property(name, (value) => decodeName(encodeName(value)) === value));
  });

  it('orders keys as names compare in UTF-16', () => {
    fc.assert(
      fc.property(name, name, (a, b) => compare(encodeName(a), encodeName(b)) === compare(a, b)),
    );
  });

  it('orders a surrogate pair before U+FFFF, unlike UTF-8', () => {
    expect(encodeName('\u{10000}') < encodeName('\uffff')).toBe(true);
  });

  it('keeps the prefix fragment in every longer name', () => {
    fc.assert(
      fc.property(name, name, (prefix, rest) =>
        encodeName(prefix + rest).startsWith(encodeNamePrefix(prefix)),
      ),
    );
  });

  it('uses only base32hex characters', () => {
    fc.assert(fc.property(name, (value) => /^[0-9A-V]+$/.test(encodeName(value))));
  });

  it('fits the longest name in 816 characters', () => {
    expect(encodeName('\uffff'.repeat(255))).toHaveLength(816);
  });

  it.each(['', '0', 'W', 'abc', '0000001'])('rejects %j as an encoded name', (encoded) => {
    expect(decodeName(encoded)).toBeNull();
  });
});

describe('FileKeys', () => {
  const keys = new FileKeys('files/');

  it('builds a key from the agent id and encoded name', () => {
    expect(keys.fileKey('agent-a', '../../etc/passwd')).toBe(
      `files/agent-a/${encodeName('../../etc/passwd')}`,
    );
  });

  it.each(['../agent-b', 'Agent', '', 'a/b'])('rejects agent id %j', (agentId) => {
    expect(() => keys.fileKey(agentId, 'f')).toThrow(/Invalid agent id/);
  });

  it.each([0, 256])('rejects a name of length %i', (length) => {
    expect(() => keys.fileKey('agent-a', 'x'.repeat(length))).toThrow(/Invalid file name/);
  });

  it('rejects a key prefix with unsafe characters', () => {
    expect(() => new FileKeys('files ?/')).toThrow(/keyPrefix/);
  });

  it('returns null for a key outside the agent prefix', () => {
    expect(keys.nameOf('files/agent-a/', 'files/agent-b/C4')).toBeNull();
  });
});

describe('S3 object format', () => {
  const content = Buffer.from('hello');
  const file = storedFile('notes.txt', content, { contentType: 'text/plain; charset=utf-8' });
  const key = 'files/agent-a/x';

  it('returns the file and content it encoded', () => {
    const decoded = decodeObjectBody(key, 'agent-a', 'notes.txt', encodeObjectBody(file, content));
    expect(decoded.file).toEqual(file);
    expect(Buffer.from(decoded.content).equals(content)).toBe(true);
  });

  it('rejects a body whose content changed', () => {
    const body = encodeObjectBody(file, content);
    body[body.length - 1] = 0x21;
    expect(() => decodeObjectBody(key, 'agent-a', 'notes.txt', body)).toThrow(S3FileIntegrityError);
  });

  it('rejects a body that names another file', () => {
    const body = encodeObjectBody(file, content);
    expect(() => decodeObjectBody(key, 'agent-a', 'other.txt', body)).toThrow(/another file/);
  });

  it('rejects a body without a header line', () => {
    expect(() => decodeObjectBody(key, 'agent-a', 'f', Buffer.from('raw'))).toThrow(/no header/);
  });

  it('rebuilds the file from its user metadata', () => {
    const unusual = { ...file, contentType: 'text/plain; title="naïve"' };
    expect(fileFromMetadata(key, 'agent-a', 'notes.txt', objectMetadata(unusual))).toEqual(unusual);
  });

  it('keeps user metadata in ASCII', () => {
    const unusual = { ...file, contentType: 'text/plain; title="naïve"' };
    const values = Object.values(objectMetadata(unusual)).join('');
    expect(/^[\x20-\x7e]*$/.test(values)).toBe(true);
  });

  it('rejects metadata without a version', () => {
    const { version: _version, ...rest } = objectMetadata(file);
    expect(() => fileFromMetadata(key, 'agent-a', 'notes.txt', rest)).toThrow(/"version"/);
  });
});

describe('SQS message format', () => {
  it('decodes an encoded body', () => {
    const body = decodeBody(encodeBody({ agentId: 'agent-a', taskId: 't1' }, 1234));
    expect(body).toEqual({ v: 1, agentId: 'agent-a', taskId: 't1', dueAt: 1234 });
  });

  it.each([undefined, '', 'hello', '{"v":2}', '{"v":1,"agentId":"a","taskId":"t"}'])(
    'rejects body %j',
    (text) => {
      expect(decodeBody(text)).toBeNull();
    },
  );

  it('decodes an encoded receipt', () => {
    const parts = { messageId: 'm1', handle: 'h/+=1', agentId: 'agent-a', taskId: 't1' };
    expect(decodeReceipt(encodeReceipt(parts))).toEqual(parts);
  });

  it.each(['', 'garbage', Buffer.from('[2,"a","b","c","d"]').toString('base64url')])(
    'rejects receipt %j',
    (receipt) => {
      expect(decodeReceipt(receipt)).toBeNull();
    },
  );

  it.each([
    [-5, 0],
    [0, 0],
    [1, 1],
    [999, 1],
    [1000, 1],
    [1001, 2],
    [5_000_000, 900],
  ])('rounds %i ms up to %i seconds', (ms, seconds) => {
    expect(toSqsSeconds(ms, 900)).toBe(seconds);
  });
});

describe('isAwsFailure', () => {
  const awsError = (name: string, status?: number) =>
    Object.assign(new Error(name), {
      name,
      $metadata: status === undefined ? {} : { httpStatusCode: status },
    });
  const networkError = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

  it.each([
    ['a 500', awsError('InternalError', 500), true],
    ['a 503', awsError('ServiceUnavailable', 503), true],
    ['throttling', awsError('ThrottlingException', 400), true],
    ['a 429', awsError('TooManyRequests', 429), true],
    ['a missing queue', awsError('QueueDoesNotExist', 400), true],
    ['a missing bucket', awsError('NoSuchBucket', 404), true],
    ['rejected credentials', awsError('InvalidAccessKeyId', 403), true],
    ['no response', awsError('Error'), true],
    ['a refused connection', networkError, true],
    ['a stale receipt handle', awsError('ReceiptHandleIsInvalid', 400), false],
    ['a missing key', awsError('NoSuchKey', 404), false],
    ['a failed condition', awsError('PreconditionFailed', 412), false],
    ['a plain error', new Error('bug'), false],
    ['a string', 'oops', false],
  ])('classifies %s', (_case, error, expected) => {
    expect(isAwsFailure(error)).toBe(expected);
  });
});
