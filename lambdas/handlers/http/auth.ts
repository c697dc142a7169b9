import { createHash, timingSafeEqual } from 'node:crypto';
import type { AgentService } from '../../core/agents.js';
import { AccessDeniedError, AuthenticationError } from '../../core/errors.js';
import type { Agent } from '../../ports/index.js';
import type { HttpEvent } from './types.js';

/**
 * Returns the bearer token of the `authorization` header.
 *
 * @throws {AuthenticationError} `missing_token` when there is none.
 */
export function bearerToken(event: HttpEvent): string {
  const header = event.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw new AuthenticationError('missing_token', 'The request has no bearer token.', {
      field: 'header.authorization',
      hint: 'Send "Authorization: Bearer <token>".',
    });
  }
  return match[1];
}

/**
 * Checks that the request carries the admin token, comparing in constant time.
 *
 * @throws {AuthenticationError} when the token is missing or wrong.
 */
export function requireAdmin(event: HttpEvent, adminToken: string): void {
  const presented = bearerToken(event);
  if (!constantTimeEqual(presented, adminToken)) {
    throw new AuthenticationError('invalid_admin_token', 'The admin token is invalid.', {
      field: 'header.authorization',
      hint: 'Use the value of HAPPY_ADMIN_TOKEN, or the token printed at first start.',
    });
  }
}

/**
 * Authenticates an agent token and checks that it belongs to the agent named in the path, so
 * no agent can act on another agent's data.
 *
 * @throws {AuthenticationError} when the token is missing or invalid.
 * @throws {AccessDeniedError} `agent_mismatch` when the token belongs to another agent.
 */
export async function requireAgent(
  event: HttpEvent,
  agents: AgentService,
  pathAgentId: string,
): Promise<Agent> {
  const agent = await agents.authenticate(bearerToken(event));
  if (agent.agentId !== pathAgentId) {
    throw new AccessDeniedError(
      'agent_mismatch',
      'The token does not grant access to this agent.',
      {
        field: 'path.agent',
        hint: "Use the agent's own token and its own agent id in the path.",
      },
    );
  }
  return agent;
}

/** Compares two secrets in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const digestA = createHash('sha256').update(a).digest();
  const digestB = createHash('sha256').update(b).digest();
  return timingSafeEqual(digestA, digestB);
}
