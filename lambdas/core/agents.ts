import type { Agent, AgentQuotas, AgentRegistry } from '../ports/index.js';
import type { HybridLogicalClock } from './clock.js';
import {
  AccessDeniedError,
  AuthenticationError,
  ResourceConflictError,
  ResourceNotFoundError,
} from './errors.js';
import type { IdGenerator } from './ids.js';
import type { TokenService } from './tokens.js';

/** Quotas given to a new agent unless the request sets others. */
export const DEFAULT_QUOTAS: AgentQuotas = { maxMemoryRecords: 100_000 };

/** A new agent and its first access token. */
export interface CreatedAgent {
  readonly agent: Agent;
  readonly token: string;
}

/** Dependencies of {@link AgentService}. */
export interface AgentServiceDeps {
  readonly registry: AgentRegistry;
  readonly tokens: TokenService;
  readonly clock: HybridLogicalClock;
  readonly ids: IdGenerator;
  readonly now?: () => Date;
}

/** Creates, reads and disables agents, and authenticates their tokens. */
export class AgentService {
  private readonly deps: AgentServiceDeps;
  private readonly now: () => Date;

  constructor(deps: AgentServiceDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Creates an agent and issues its token.
   *
   * @throws {ResourceConflictError} `agent_exists` when the id is taken.
   */
  async create(
    agentId: string,
    name: string,
    quotas?: Partial<AgentQuotas>,
  ): Promise<CreatedAgent> {
    const timestamp = this.now().toISOString();
    const agent: Agent = {
      agentId,
      name,
      status: 'active',
      quotas: { ...DEFAULT_QUOTAS, ...quotas },
      createdAt: timestamp,
      updatedAt: timestamp,
      version: this.deps.clock.now(),
    };
    if (!(await this.deps.registry.create(agent))) {
      throw new ResourceConflictError('agent_exists', `Agent "${agentId}" exists already.`, {
        field: 'body.agent_id',
        hint: 'Choose another agent_id, or fetch the existing agent.',
      });
    }
    const token = await this.deps.tokens.issue(agentId, this.deps.ids());
    return { agent, token };
  }

  /**
   * Returns an agent.
   *
   * @throws {ResourceNotFoundError} `agent_not_found`.
   */
  async get(agentId: string): Promise<Agent> {
    const agent = await this.deps.registry.get(agentId);
    if (!agent) {
      throw new ResourceNotFoundError('agent_not_found', `Agent "${agentId}" was not found.`, {
        field: 'path.agent',
      });
    }
    return agent;
  }

  /** Sets an agent's status; a disabled agent's tokens stop working at once. */
  async setStatus(agentId: string, status: Agent['status']): Promise<Agent> {
    const current = await this.get(agentId);
    const updated: Agent = {
      ...current,
      status,
      updatedAt: this.now().toISOString(),
      version: this.deps.clock.now(),
    };
    return (await this.deps.registry.update(updated)) ?? updated;
  }

  /** Issues a further token for an active agent. */
  async issueToken(agentId: string): Promise<string> {
    const agent = await this.get(agentId);
    if (agent.status !== 'active') {
      throw new ResourceConflictError('agent_disabled', `Agent "${agentId}" is disabled.`, {
        hint: 'Enable the agent before issuing a token.',
      });
    }
    return this.deps.tokens.issue(agentId, this.deps.ids());
  }

  /**
   * Verifies a token and returns its active agent.
   *
   * @throws {AuthenticationError} when the token is invalid or its agent no longer exists.
   * @throws {AccessDeniedError} `agent_disabled` when the agent is disabled.
   */
  async authenticate(token: string): Promise<Agent> {
    const claims = await this.deps.tokens.verify(token);
    const agent = await this.deps.registry.get(claims.agentId);
    if (!agent) {
      throw new AuthenticationError('invalid_token', 'The token names an unknown agent.', {
        field: 'header.authorization',
      });
    }
    if (agent.status !== 'active') {
      throw new AccessDeniedError('agent_disabled', `Agent "${agent.agentId}" is disabled.`, {
        hint: 'Ask an administrator to enable the agent.',
      });
    }
    return agent;
  }
}
