import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { RequestValidationError } from '../../lambdas/core/errors.js';

/**
 * Addresses no `http` task may reach, even when an allow-list entry names them. They are "this
 * network" (0.0.0.0/8) and the link-local ranges, where cloud metadata services listen
 * (169.254.169.254 on AWS, GCP and Azure). AWS's IPv6 metadata address, Alibaba Cloud's metadata
 * address and the IPv4-mapped IPv6 forms of the IPv4 entries are blocked as well.
 */
const BLOCKED = new BlockList();
BLOCKED.addSubnet('0.0.0.0', 8, 'ipv4');
BLOCKED.addSubnet('169.254.0.0', 16, 'ipv4');
BLOCKED.addAddress('100.100.100.200', 'ipv4');
BLOCKED.addAddress('::', 'ipv6');
BLOCKED.addSubnet('fe80::', 10, 'ipv6');
BLOCKED.addAddress('fd00:ec2::254', 'ipv6');
BLOCKED.addSubnet('::ffff:0.0.0.0', 104, 'ipv6');
BLOCKED.addSubnet('::ffff:169.254.0.0', 112, 'ipv6');
BLOCKED.addAddress('::ffff:100.100.100.200', 'ipv6');

/** Tells whether `address`, an IP address literal, is one no task may reach. */
export function isBlockedAddress(address: string): boolean {
  const bare = address.startsWith('[') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 0) return false;
  return BLOCKED.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/** A resolved address of an allowed host is blocked; the connection is never opened. */
export class BlockedAddressError extends Error {
  readonly code = 'ERR_HAPPY_ADDRESS_BLOCKED';

  constructor(hostname: string, address: string) {
    super(`Host "${hostname}" resolves to ${address}, a link-local or metadata address.`);
    this.name = 'BlockedAddressError';
  }
}

interface AllowedHost {
  /** Host name as `URL.hostname` writes it: lower-case, IPv6 in brackets. */
  readonly hostname: string;
  /** Port as a string, or empty to allow every port. */
  readonly port: string;
}

/**
 * The hosts an `http` task may send to, from configuration. An entry is `host` (any port) or
 * `host:port`; IPv6 addresses go in brackets, such as `[::1]:8080`.
 */
export class HttpAllowList {
  private readonly hosts: readonly AllowedHost[];

  /** @throws {Error} naming an entry that is not a host, or is a blocked address. */
  constructor(entries: readonly string[]) {
    this.hosts = entries.map(parseEntry);
  }

  /**
   * Checks a task's target URL: http or https, no credentials, a host on the list (with its port
   * when the entry gives one), and no blocked address literal.
   *
   * @returns the parsed URL.
   * @throws {RequestValidationError} `invalid_url`, `http_host_not_allowed` or
   *   `http_address_blocked`, each for field `body.input.url`.
   */
  check(rawUrl: string): URL {
    const url = parseUrl(rawUrl);
    if (isBlockedAddress(url.hostname)) {
      throw urlError(
        'http_address_blocked',
        `${url.hostname} is a link-local or metadata address.`,
      );
    }
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const allowed = this.hosts.some(
      (host) => host.hostname === url.hostname && (host.port === '' || host.port === port),
    );
    if (!allowed) {
      throw urlError('http_host_not_allowed', `Host ${url.host} is not on the allow-list.`);
    }
    return url;
  }
}

/**
 * Wraps a DNS lookup so that a host resolving to any blocked address fails the connection
 * before it opens. The socket connects to the address checked here, so a DNS answer that
 * changes between check and connect cannot bypass the check.
 *
 * @param lookup the resolver to wrap. @default `dns.lookup`
 */
export function createCheckedLookup(lookup: LookupFunction = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    const allOptions: LookupAllOptions = { ...options, all: true };
    lookup(hostname, allOptions, (error, result) => {
      if (error) return callback(error, '', 0);
      const addresses = result as unknown as LookupAddress[];
      const blocked = addresses.find((entry) => isBlockedAddress(entry.address));
      if (blocked) return callback(new BlockedAddressError(hostname, blocked.address), '', 0);
      if (options.all) {
        return (callback as unknown as (error: null, all: LookupAddress[]) => void)(
          null,
          addresses,
        );
      }
      const first = addresses[0];
      if (!first) return callback(new Error(`No address for host "${hostname}".`), '', 0);
      return callback(null, first.address, first.family);
    });
  };
}

function parseEntry(entry: string): AllowedHost {
  let url: URL;
  try {
    url = new URL(`http://${entry.trim()}`);
  } catch {
    throw new Error(`Invalid http task allow-list entry "${entry}": expected host or host:port.`);
  }
  if (url.pathname !== '/' || url.search || url.username || url.password) {
    throw new Error(`Invalid http task allow-list entry "${entry}": expected host or host:port.`);
  }
  if (isBlockedAddress(url.hostname)) {
    throw new Error(
      `Allow-list entry "${entry}" is a link-local or metadata address, which tasks never reach.`,
    );
  }
  // URL drops the default port 80, so "host:80" would allow every port unless kept here.
  const explicitPort = /:(\d+)$/.exec(entry.trim())?.[1];
  return { hostname: url.hostname, port: url.port || explicitPort || '' };
}

function parseUrl(rawUrl: string): URL {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw urlError('invalid_url', 'The URL is not an absolute URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw urlError('invalid_url', `Scheme "${url.protocol}" is not supported; use http or https.`);
  }
  if (url.username || url.password) {
    throw urlError('invalid_url', 'The URL must not contain credentials.');
  }
  return url;
}

function urlError(code: string, message: string): RequestValidationError {
  return new RequestValidationError(code, message, {
    field: 'body.input.url',
    hint: 'Send to a host on the allow-list (HAPPY_HTTP_TASK_ALLOW) over http or https.',
  });
}
