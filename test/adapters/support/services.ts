/**
 * Access to the engines that scripts/services/*.sh start on loopback. A suite that needs one
 * runs when its URL variable is set and is reported as skipped otherwise, with the command
 * that starts the engine in its title.
 */

/** An engine a suite depends on. */
export interface Service {
  readonly variable: 'REDIS_URL' | 'OPENSEARCH_URL';
  readonly script: string;
}

export const REDIS: Service = { variable: 'REDIS_URL', script: 'scripts/services/redis.sh' };
export const OPENSEARCH: Service = {
  variable: 'OPENSEARCH_URL',
  script: 'scripts/services/opensearch.sh',
};

/** Returns the engine's URL, or undefined when its variable is not set. */
export function urlOf(service: Service): string | undefined {
  return process.env[service.variable] || undefined;
}

/** Names a suite, adding the missing variable and the start command when it will be skipped. */
export function suiteTitle(name: string, ...services: Service[]): string {
  const missing = services.filter((service) => !urlOf(service));
  if (missing.length === 0) return name;
  const needs = missing.map((service) => `${service.variable} (start: ${service.script} start)`);
  return `${name} needs ${needs.join(' and ')}`;
}

/** True when any of `services` has no URL, for `describe.skipIf`. */
export function isMissing(...services: Service[]): boolean {
  return services.some((service) => !urlOf(service));
}

/**
 * Returns the engine's URL.
 *
 * @throws {Error} naming the variable and the start script when it is not set.
 */
export function requireUrl(service: Service): string {
  const url = urlOf(service);
  if (!url) throw new Error(`${service.variable} is not set. Run ${service.script} start first.`);
  return url;
}

const RUN_ID = `${process.pid.toString(36)}${Date.now().toString(36)}`;
let sequence = 0;

/** Returns a name unique to this test run, for index prefixes and Redis key prefixes. */
export function uniqueName(label: string): string {
  sequence += 1;
  return `t-${label}-${RUN_ID}-${sequence}`;
}
