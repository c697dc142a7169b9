import { createClient } from '@redis/client';
import { AdapterConfigError, requireIntegerInRange } from '../errors.js';

/** A node-redis client as {@link createRedisClient} builds it. */
export type RedisClient = ReturnType<typeof createClient>;

/** TLS settings for a Redis endpoint with in-transit encryption, such as ElastiCache. */
export interface RedisTlsOptions {
  /** Certificate authorities to trust, PEM. @default Node's bundled list, which covers AWS */
  readonly ca?: string | Buffer;
  /** Server name for SNI and certificate checks. @default the URL's host */
  readonly servername?: string;
  /** Whether to reject a certificate that does not verify. @default true */
  readonly rejectUnauthorized?: boolean;
}

/** Endpoint of Redis and its credentials. */
export interface RedisClientConfig {
  /** `redis://host:port`, or `rediss://host:port` for TLS. */
  readonly url: string;
  /** ACL user name (ElastiCache RBAC). @default none */
  readonly username?: string;
  /** ACL password or AUTH token. @default none */
  readonly password?: string;
  /** TLS on (with options) or off. @default on for `rediss://`, off for `redis://` */
  readonly tls?: boolean | RedisTlsOptions;
  /** Time limit of opening a connection, in ms. @default 1000 */
  readonly connectTimeoutMs?: number;
  /** Maximum pause between reconnect attempts, in ms. @default 2000 */
  readonly maxReconnectDelayMs?: number;
}

/**
 * Creates a node-redis client without connecting it. The `RedisGateway` connects it on first
 * use, so a Lambda function can create it outside the handler and reuse it across invocations.
 *
 * Commands issued while the client is disconnected fail at once instead of waiting in an
 * offline queue, so a Redis outage costs callers no time. Lost connections are retried in the
 * background with pauses that double from 50 ms, jittered, up to `maxReconnectDelayMs`.
 *
 * NOTE: ElastiCache IAM authentication needs a short-lived token as the password, refreshed
 * every 15 minutes; this factory takes only static credentials.
 *
 * @throws {AdapterConfigError} when the URL is not `redis://` or `rediss://`, or a number is
 *   out of range.
 */
export function createRedisClient(config: RedisClientConfig): RedisClient {
  const url = parseUrl(config.url);
  const connectTimeout = requireIntegerInRange(
    'connectTimeoutMs',
    config.connectTimeoutMs ?? 1000,
    1,
    60_000,
  );
  const maxDelay = requireIntegerInRange(
    'maxReconnectDelayMs',
    config.maxReconnectDelayMs ?? 2000,
    1,
    600_000,
  );
  const tls = config.tls ?? url.protocol === 'rediss:';

  return createClient({
    url: config.url,
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    disableOfflineQueue: true,
    socket: {
      connectTimeout,
      reconnectStrategy: (retries: number) => jittered(Math.min(50 * 2 ** retries, maxDelay)),
      ...tlsSocketOptions(tls, url.hostname),
    },
  });
}

function parseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AdapterConfigError('url', `expected redis:// or rediss://, received "${value}".`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new AdapterConfigError('url', `expected redis:// or rediss://, received "${value}".`);
  }
  return url;
}

function tlsSocketOptions(tls: boolean | RedisTlsOptions, host: string) {
  if (tls === false) return { tls: false as const };
  const options = tls === true ? {} : tls;
  return {
    tls: true as const,
    servername: options.servername ?? host,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
  };
}

/** Spreads reconnects of many instances: a delay between half and all of `ms`. */
function jittered(ms: number): number {
  return Math.round(ms / 2 + (Math.random() * ms) / 2);
}
