import type { Agent } from './records.js';

/** Storage of agents (tenants). */
export interface AgentRegistry {
  /**
   * Stores a new agent.
   *
   * @returns false when an agent with this id exists already, which stays unchanged.
   */
  create(agent: Agent): Promise<boolean>;
  /** Returns the agent, or null. */
  get(agentId: string): Promise<Agent | null>;
  /** Replaces a stored agent when `agent.version` is newer; returns the agent now stored. */
  update(agent: Agent): Promise<Agent | null>;
}
