import { entityOfChange, versionOfChange } from '../core/replication-changes.js';
import { type OutboxStatus, UPSTREAM_PEER } from '../core/replication.js';
import type { ApplyOutcome, Change } from '../ports/index.js';
import { createHttpHandler, type HttpHandler, type RouteHandler } from './http/create-handler.js';
import { queryOf, readJsonBody, validate } from './http/request.js';
import { jsonResponse } from './http/response.js';
import type { RequestLimits } from './http/types.js';
import { requireReplication } from './replication-auth.js';
import { feedEntryToJson } from './replication-json.js';
import { applyBodySchema, changesQuerySchema, toChange } from './replication-wire.js';
import type { HandlerServices } from './services.js';

/**
 * Body limits of apply requests. The size is 10 MiB, the payload limit of API Gateway, because
 * batches carry file content. The depth is 24 levels, because a change nests a task input of up
 * to 16 levels inside its envelope.
 */
export const REPLICATION_REQUEST_LIMITS: RequestLimits = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxJsonDepth: 24,
};

/**
 * Builds the handler of the internal replication routes: the change feed, the batch apply and
 * the replication status. Every route takes the replication token only.
 */
export function createReplicationHandler(services: HandlerServices): HttpHandler {
  const { service } = services;

  const routes: Record<string, RouteHandler> = {
    'GET /internal/v1/changes': async (event) => {
      const replication = await requireReplication(event, services);
      const query = validate(changesQuerySchema, queryOf(event), 'query');
      const page = await replication.readFeed({
        cursor: query.since ?? null,
        limit: query.limit,
        peer: query.node,
      });
      const body = {
        node_id: replication.nodeId,
        changes: page.entries.map(feedEntryToJson),
        next_cursor: page.nextCursor,
        more: page.more,
        head_cursor: page.headCursor,
      };
      return jsonResponse(200, body, service, { 'cache-control': 'no-store' });
    },
    'POST /internal/v1/apply': async (event, context) => {
      const replication = await requireReplication(event, services);
      const body = validate(
        applyBodySchema,
        readJsonBody(event, REPLICATION_REQUEST_LIMITS),
        'body',
      );
      const changes = body.changes.map(toChange);
      const outcomes = await replication.apply(changes);
      const counts = countOutcomes(outcomes);
      context.logger.info('Replicated changes applied.', { ...counts, changes: changes.length });
      const results = changes.map((change, index) => resultOf(change, outcomes[index]));
      return jsonResponse(200, { node_id: replication.nodeId, results, ...counts }, service);
    },
    'GET /internal/v1/replication/status': async (event) => {
      const replication = await requireReplication(event, services);
      const body = {
        node_id: replication.nodeId,
        // A node that drains to no peer, such as the cloud, has no outbox.
        outbox: replication.outboxPeers().includes(UPSTREAM_PEER)
          ? outboxToJson(UPSTREAM_PEER, await replication.outbox(UPSTREAM_PEER))
          : null,
        applied_since_start: replication.applyCounts(),
        links: replication.links(),
      };
      return jsonResponse(200, body, service, { 'cache-control': 'no-store' });
    },
  };
  return createHttpHandler('replication', routes, services);
}

function outboxToJson(peer: string, outbox: OutboxStatus): Record<string, unknown> {
  return {
    peer,
    pending: outbox.pending,
    drained_seq: outbox.drainedSeq,
    head_seq: outbox.headSeq,
  };
}

function resultOf(change: Change, outcome: ApplyOutcome | undefined): Record<string, unknown> {
  const { agentId, id } = entityOfChange(change);
  return { kind: change.kind, agent_id: agentId, id, version: versionOfChange(change), outcome };
}

function countOutcomes(outcomes: ApplyOutcome[]): Record<ApplyOutcome, number> {
  const counts: Record<ApplyOutcome, number> = { applied: 0, ignored: 0, expired: 0, conflict: 0 };
  for (const outcome of outcomes) counts[outcome] += 1;
  return counts;
}
