import type { Agent, AgentRegistry } from '../../ports/index.js';
import { isVersionConflict } from './errors.js';
import type { OpenSearchGateway } from './gateway.js';
import { agentFromSource, agentSource, type AgentSource } from './records.js';
import { readEntry, writeIfNewer } from './versioned-write.js';

/**
 * Agents in the OpenSearch agents index, one document per agent id. Reads are real-time GETs,
 * so no write waits for a refresh.
 *
 * Every method throws `DependencyUnavailableError` when OpenSearch fails or its breaker is open.
 */
export class OpenSearchAgentRegistry implements AgentRegistry {
  private readonly gateway: OpenSearchGateway;

  constructor(gateway: OpenSearchGateway) {
    this.gateway = gateway;
  }

  /**
   * Stores a new agent with `op_type: create`. Never retried: a repeat after a lost response
   * would find the agent it just created and report it as taken.
   */
  async create(agent: Agent): Promise<boolean> {
    try {
      await this.gateway.call(
        (client) =>
          client.index({
            index: this.gateway.names.agents,
            id: agent.agentId,
            op_type: 'create',
            body: agentSource(agent),
          }),
        { repeatable: false },
      );
      return true;
    } catch (error) {
      if (isVersionConflict(error)) return false;
      throw error;
    }
  }

  async get(agentId: string): Promise<Agent | null> {
    const entry = await readEntry<AgentSource>(this.gateway, this.gateway.names.agents, agentId);
    return entry ? agentFromSource(entry.source) : null;
  }

  /**
   * Stores `agent` when its version is newer (creating it when missing, as the edge does).
   *
   * @throws {ResourceConflictError} `write_conflict` when ten concurrent writes beat it.
   */
  async update(agent: Agent): Promise<Agent | null> {
    const result = await writeIfNewer(
      this.gateway,
      { index: this.gateway.names.agents, id: agent.agentId, source: agentSource(agent) },
      false,
    );
    return agentFromSource(result.current);
  }
}
