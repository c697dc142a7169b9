import type { API, Client, Types } from '@opensearch-project/opensearch';
import type { BreakerReport } from '../../handlers/services.js';
import {
  DependencyGuard,
  type CallOptions,
  type CircuitBreaker,
  type GuardOptions,
} from '../resilience/index.js';
import { isOpenSearchFailure } from './errors.js';
import type { IndexNames } from './indices.js';

/** A query clause of the OpenSearch query DSL. */
export type Query = Types.Common_QueryDsl.QueryContainer;

/** Options shared by the OpenSearch adapters. */
export interface OpenSearchAdapterOptions {
  /** Client from `createOpenSearchClient`. */
  readonly client: Client;
  /** Aliases from `ensureIndices` (or `indexNames` when the indices exist already). */
  readonly names: IndexNames;
  /**
   * Timeouts, retries and breaker of OpenSearch calls. @default 2000 ms per attempt, 2 retries
   * of reads and last-writer-wins writes, breaker open after 5 failures in a row for 1000 ms
   */
  readonly guard?: GuardOptions;
  /** Breaker to use, such as a `SharedCircuitBreaker`. @default a breaker in this process */
  readonly breaker?: CircuitBreaker;
  /**
   * Refresh policy of writes, which become searchable before they resolve: `wait_for` waits
   * for the next scheduled refresh, `true` forces one (faster for the caller, costly for the
   * cluster under load).
   * @default 'wait_for'
   */
  readonly refresh?: 'wait_for' | true;
}

/** A request of the client, which can be aborted. */
interface AbortableRequest<T> extends PromiseLike<T> {
  abort(): unknown;
}

/**
 * The one path from the adapters to OpenSearch. Every call runs behind the dependency guard.
 * Every search over the records index is confined to one agent here, so no adapter method can
 * build a query that reaches another agent's data.
 */
export class OpenSearchGateway {
  readonly client: Client;
  readonly names: IndexNames;
  readonly guard: DependencyGuard;
  readonly refresh: 'wait_for' | true;

  /** @throws {AdapterConfigError} when a guard option is out of range. */
  constructor(options: OpenSearchAdapterOptions) {
    this.client = options.client;
    this.names = options.names;
    this.refresh = options.refresh ?? 'wait_for';
    this.guard = new DependencyGuard('opensearch', {
      ...options.guard,
      isFailure: isOpenSearchFailure,
      ...(options.breaker ? { breaker: options.breaker } : {}),
    });
  }

  /**
   * Runs one client request behind the guard, aborting it when its attempt times out.
   *
   * @throws {DependencyUnavailableError} when OpenSearch fails or the breaker is open.
   */
  async call<T>(
    request: (client: Client) => AbortableRequest<T>,
    options: CallOptions,
  ): Promise<T> {
    return this.guard.execute((signal) => abortable(request(this.client), signal), options);
  }

  /**
   * Like {@link OpenSearchGateway.call}, and passes the response to `check` inside the guard,
   * so an error that `check` throws for a failed response counts and retries like a failed
   * request.
   */
  async callChecked<T, R>(
    request: (client: Client) => AbortableRequest<T>,
    check: (response: T) => R,
    options: CallOptions,
  ): Promise<R> {
    return this.guard.execute(
      async (signal) => check(await abortable(request(this.client), signal)),
      options,
    );
  }

  /**
   * Searches the records index within one agent: the agent filter wraps `query` and the
   * request is routed to the agent's shard.
   */
  async searchRecords(
    agentId: string,
    body: Omit<API.Search_RequestBody, 'query'> & { query: Query },
  ): Promise<Types.Core_Search.HitsMetadata> {
    const response = await this.call(
      (client) =>
        client.search({
          index: this.names.records,
          routing: agentId,
          body: { ...body, query: withinAgent(agentId, body.query) },
        }),
      { repeatable: true },
    );
    return response.body.hits;
  }

  /** Counts the records of one agent that match `query`. */
  async countRecords(agentId: string, query: Query): Promise<number> {
    const response = await this.call(
      (client) =>
        client.count({
          index: this.names.records,
          routing: agentId,
          body: { query: withinAgent(agentId, query) },
        }),
      { repeatable: true },
    );
    return response.body.count;
  }

  /** Returns the breaker's state for `GET /circuit-breakers`. */
  report(): BreakerReport {
    return this.guard.report();
  }
}

/** Wraps `query` so that it matches only `agentId`'s entries, whatever it contains. */
export function withinAgent(agentId: string, query: Query): Query {
  return { bool: { filter: [{ term: { agent_id: agentId } }], must: [query] } };
}

function abortable<T>(request: AbortableRequest<T>, signal: AbortSignal): Promise<T> {
  const abort = () => void request.abort();
  if (signal.aborted) abort();
  signal.addEventListener('abort', abort, { once: true });
  return Promise.resolve(request).finally(() => signal.removeEventListener('abort', abort));
}
