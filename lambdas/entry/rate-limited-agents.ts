import type { AgentRateLimiter } from '../adapters/redis/rate-limiter.js';
import { AgentService, type AgentServiceDeps } from '../core/agents.js';
import { LimitExceededError } from '../core/errors.js';
import type { Agent } from '../ports/index.js';

/**
 * The agent service with a per-agent request rate limit, counted after a token is verified, so
 * a caller without the agent's token cannot use up the agent's allowance. Every route an agent
 * token opens authenticates first, so each of its requests counts once.
 */
export class RateLimitedAgentService extends AgentService {
  constructor(
    deps: AgentServiceDeps,
    private readonly limiter: AgentRateLimiter,
  ) {
    super(deps);
  }

  /**
   * Verifies a token as {@link AgentService.authenticate} does, then counts the request.
   *
   * @throws {LimitExceededError} `rate_limited` (429) when the agent is over its limit.
   */
  override async authenticate(token: string): Promise<Agent> {
    const agent = await super.authenticate(token);
    const decision = await this.limiter.consume(agent.agentId);
    if (!decision.allowed) {
      throw new LimitExceededError(
        'rate_limited',
        `Agent "${agent.agentId}" sent more requests than its rate limit allows.`,
        {
          hint: 'Slow down, and retry after the time in the Retry-After header.',
          retryAfterSeconds: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)),
        },
      );
    }
    return agent;
  }
}
