import { FaultError, FaultNotAvailableError } from './errors.js';
import type { ActiveFault } from './fault-types.js';
import type { DrillHttp } from './http.js';
import type { UndoJournal } from './journal.js';

const CHAOS_PATH = '/_localstack/chaos/faults';

/** One rule of LocalStack's chaos endpoint: which calls fail and with what error. */
export interface ChaosRule {
  readonly service?: string;
  readonly region?: string;
  readonly operation?: string;
  readonly probability?: number;
  readonly error?: { readonly statusCode: number; readonly code: string };
}

/** Returns the chaos endpoint's rules, or null when the endpoint returns no list. */
export async function readChaosRules(http: DrillHttp, endpoint: string): Promise<unknown[] | null> {
  const response = await http.send(endpoint, 'GET', CHAOS_PATH, { timeoutMs: 3000 });
  return response.status === 200 && Array.isArray(response.json) ? response.json : null;
}

/** Replaces the chaos endpoint's rules with `rules`. */
export async function restoreChaosRules(
  http: DrillHttp,
  endpoint: string,
  rules: unknown[],
): Promise<void> {
  const response = await http.send(endpoint, 'POST', CHAOS_PATH, { body: rules });
  if (response.status !== 200) {
    throw new FaultError(`Restoring the chaos rules at ${endpoint} returned ${response.status}.`);
  }
}

/**
 * Adds `rule` to LocalStack's chaos endpoint; clearing the fault puts back the rules that were
 * there before, which the journal keeps.
 *
 * @throws {FaultNotAvailableError} when the chaos endpoint does not respond.
 */
export async function injectChaosRule(
  http: DrillHttp,
  endpoint: string,
  rule: ChaosRule,
  journal: UndoJournal,
): Promise<ActiveFault> {
  const previousRules = await readChaosRules(http, endpoint);
  if (previousRules === null) {
    throw new FaultNotAvailableError(
      `LocalStack's chaos endpoint ${endpoint}${CHAOS_PATH} did not respond.`,
    );
  }
  const seq = journal.record({ kind: 'localstack-chaos', endpoint, previousRules });
  const response = await http.send(endpoint, 'PATCH', CHAOS_PATH, { body: [rule] });
  if (response.status !== 200) {
    await restoreChaosRules(http, endpoint, previousRules);
    journal.markUndone(seq);
    throw new FaultError(`Adding a chaos rule at ${endpoint} returned ${response.status}.`);
  }
  return {
    description: `LocalStack chaos rule: ${rule.service ?? 'every service'} fails with ${rule.error?.statusCode ?? 503}`,
    clear: async () => {
      await restoreChaosRules(http, endpoint, previousRules);
      journal.markUndone(seq);
    },
  };
}
