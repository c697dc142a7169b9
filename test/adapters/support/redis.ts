import {
  createRedisClient,
  RedisGateway,
  type RedisClient,
} from '../../../lambdas/adapters/index.js';
import type { GuardOptions } from '../../../lambdas/adapters/index.js';

/** A gateway and the client under it, for tests that also need raw access. */
export interface TestRedis {
  readonly client: RedisClient;
  readonly gateway: RedisGateway;
}

/** Builds a gateway to `url` whose guard gives up quickly, for outage tests. */
export function testRedis(url: string, guard: GuardOptions = {}): TestRedis {
  const client = createRedisClient({ url, connectTimeoutMs: 500, maxReconnectDelayMs: 200 });
  return { client, gateway: new RedisGateway({ client, guard }) };
}

/** Deletes every key that starts with `prefix`, through a separate connection. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = createRedisClient({ url });
  await client.connect();
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
    if (keys.length > 0) await client.del(keys);
  }
  client.destroy();
}
