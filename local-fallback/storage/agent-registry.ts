import type { Database, Statement } from 'better-sqlite3';
import type { Agent, AgentRegistry } from '../../lambdas/ports/index.js';

interface AgentRow {
  agent_id: string;
  name: string;
  status: Agent['status'];
  quotas: string;
  created_at: string;
  updated_at: string;
  version: string;
}

/** Agents in SQLite. */
export class SqliteAgentRegistry implements AgentRegistry {
  private readonly insert: Statement;
  private readonly upsert: Statement;
  private readonly select: Statement;

  constructor(db: Database) {
    const columns = '(agent_id, name, status, quotas, created_at, updated_at, version)';
    const values = '(@agent_id, @name, @status, @quotas, @created_at, @updated_at, @version)';
    this.insert = db.prepare(
      `INSERT INTO agents ${columns} VALUES ${values} ON CONFLICT DO NOTHING`,
    );
    this.upsert = db.prepare(`
      INSERT INTO agents ${columns} VALUES ${values}
      ON CONFLICT (agent_id) DO UPDATE SET
        name = excluded.name, status = excluded.status, quotas = excluded.quotas,
        created_at = excluded.created_at, updated_at = excluded.updated_at,
        version = excluded.version
      WHERE excluded.version > agents.version`);
    this.select = db.prepare('SELECT * FROM agents WHERE agent_id = ?');
  }

  async create(agent: Agent): Promise<boolean> {
    return this.insert.run(toRow(agent)).changes > 0;
  }

  async get(agentId: string): Promise<Agent | null> {
    const row = this.select.get(agentId) as AgentRow | undefined;
    return row ? fromRow(row) : null;
  }

  async update(agent: Agent): Promise<Agent | null> {
    this.upsert.run(toRow(agent));
    return this.get(agent.agentId);
  }
}

function toRow(agent: Agent): AgentRow {
  return {
    agent_id: agent.agentId,
    name: agent.name,
    status: agent.status,
    quotas: JSON.stringify(agent.quotas),
    created_at: agent.createdAt,
    updated_at: agent.updatedAt,
    version: agent.version,
  };
}

function fromRow(row: AgentRow): Agent {
  return {
    agentId: row.agent_id,
    name: row.name,
    status: row.status,
    quotas: JSON.parse(row.quotas),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}
