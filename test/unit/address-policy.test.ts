import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  BlockedAddressError,
  createCheckedLookup,
  HttpAllowList,
  isBlockedAddress,
} from '../../local-fallback/worker/index.js';

describe('isBlockedAddress', () => {
  it.each([
    '169.254.169.254',
    '169.254.0.1',
    '0.0.0.0',
    '100.100.100.200',
    'fe80::1',
    '[fe80::1]',
    'fd00:ec2::254',
    '::',
    '::ffff:169.254.169.254',
    '[::ffff:a9fe:a9fe]',
  ])('blocks %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(['127.0.0.1', '10.0.0.1', '::1', '93.184.216.34', 'example.com'])(
    'leaves %s alone',
    (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    },
  );
});

describe('HttpAllowList', () => {
  const list = new HttpAllowList(['127.0.0.1:8080', 'hooks.example.test', '[::1]:9000']);
  const codeOf = (url: string): string | undefined => {
    try {
      list.check(url);
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code;
    }
  };

  it.each([
    'http://127.0.0.1:8080/hook',
    'https://hooks.example.test/any/path?x=1',
    'http://hooks.example.test:8443/',
    'http://[::1]:9000/',
  ])('allows %s', (url) => {
    expect(codeOf(url)).toBeUndefined();
  });

  it.each([
    ['http://127.0.0.1:8081/', 'http_host_not_allowed'],
    ['http://127.0.0.1/', 'http_host_not_allowed'],
    ['http://localhost:8080/', 'http_host_not_allowed'],
    ['http://evil.example.test/', 'http_host_not_allowed'],
    ['http://hooks.example.test.evil.test/', 'http_host_not_allowed'],
    ['http://169.254.169.254/latest/meta-data/', 'http_address_blocked'],
    ['http://2852039166/', 'http_address_blocked'],
    ['http://[::ffff:169.254.169.254]/', 'http_address_blocked'],
    ['http://[fe80::1]/', 'http_address_blocked'],
    ['ftp://hooks.example.test/', 'invalid_url'],
    ['file:///etc/passwd', 'invalid_url'],
    ['http://user:pass@hooks.example.test/', 'invalid_url'],
    ['not a url', 'invalid_url'],
  ])('rejects %s with %s', (url, code) => {
    expect(codeOf(url)).toBe(code);
  });

  it('rejects everything when empty', () => {
    expect(() => new HttpAllowList([]).check('http://127.0.0.1/')).toThrow(/allow-list/);
  });

  it('keeps an explicit port 80', () => {
    const port80 = new HttpAllowList(['hooks.example.test:80']);
    expect(() => port80.check('http://hooks.example.test/')).not.toThrow();
    expect(() => port80.check('http://hooks.example.test:8080/')).toThrow();
  });

  it.each(['169.254.169.254', '[fe80::1]:80', 'host/path', 'user@host'])(
    'rejects the entry %s',
    (entry) => {
      expect(() => new HttpAllowList([entry])).toThrow(/allow-list entry/i);
    },
  );
});

describe('createCheckedLookup', () => {
  const fakeLookup = (answers: LookupAddress[]): LookupFunction =>
    ((_hostname: string, _options: unknown, callback: (...args: unknown[]) => void) =>
      callback(null, answers)) as unknown as LookupFunction;
  const resolve = (lookup: LookupFunction, all: boolean) =>
    new Promise<{ error: Error | null; result: unknown }>((done) => {
      lookup('host.test', { all }, (error, address, family) =>
        done({ error, result: all ? address : [address, family] }),
      );
    });

  it('passes safe addresses through', async () => {
    const lookup = createCheckedLookup(fakeLookup([{ address: '127.0.0.1', family: 4 }]));
    expect(await resolve(lookup, false)).toEqual({ error: null, result: ['127.0.0.1', 4] });
    expect((await resolve(lookup, true)).result).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  it('fails when any address is blocked', async () => {
    const answers = [
      { address: '127.0.0.1', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ];
    const { error } = await resolve(createCheckedLookup(fakeLookup(answers)), true);
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect(error?.message).toContain('169.254.169.254');
  });
});
