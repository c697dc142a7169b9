import { AccessDeniedError, AuthenticationError } from '../core/errors.js';
import type { ReplicationService } from '../core/replication.js';
import { ReplicationNotConfiguredError } from '../core/replication-errors.js';
import { bearerToken, constantTimeEqual } from './http/auth.js';
import type { HttpEvent } from './http/types.js';
import type { HandlerServices } from './services.js';

/**
 * Checks that a request carries the replication token, comparing in constant time, and returns
 * the replication service. Agent and admin tokens never open the internal endpoints.
 *
 * @throws {ReplicationNotConfiguredError} (503) when this node has no replication token.
 * @throws {AuthenticationError} (401) when the token is missing or unknown.
 * @throws {AccessDeniedError} `replication_token_required` (403) for an admin or agent token.
 */
export async function requireReplication(
  event: HttpEvent,
  services: HandlerServices,
): Promise<ReplicationService> {
  const { replication, replicationToken } = services;
  if (!replication || !replicationToken) throw new ReplicationNotConfiguredError();

  const token = bearerToken(event);
  if (constantTimeEqual(token, replicationToken)) return replication;
  if (constantTimeEqual(token, services.adminToken) || (await isAgentToken(token, services))) {
    throw new AccessDeniedError(
      'replication_token_required',
      'Internal endpoints take the replication token, not an admin or agent token.',
      {
        field: 'header.authorization',
        hint: 'Use the value of HAPPY_REPLICATION_TOKEN or of <home>/replication-token.',
      },
    );
  }
  throw new AuthenticationError('invalid_replication_token', 'The replication token is invalid.', {
    field: 'header.authorization',
    hint: 'Use the value of HAPPY_REPLICATION_TOKEN or of <home>/replication-token.',
  });
}

async function isAgentToken(token: string, services: HandlerServices): Promise<boolean> {
  try {
    await services.agents.authenticate(token);
    return true;
  } catch (error) {
    // A disabled agent's token is still an agent token.
    return error instanceof AccessDeniedError;
  }
}
