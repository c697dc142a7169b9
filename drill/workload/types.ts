/** Flat metadata of a memory record, as the API accepts it. */
export type Metadata = Readonly<Record<string, string | number | boolean>>;

/** An agent of the workload, created through the admin API before the drill. */
export interface WorkloadAgent {
  /** Agent id, unique to this drill run. */
  readonly id: string;
  /** Display name: the speaker of a LoCoMo conversation, or a synthetic label. */
  readonly name: string;
}

/** One memory write of the workload: a turn of a conversation, written by its speaker's agent. */
export interface Turn {
  readonly agentId: string;
  /** Id of the turn in its conversation (LoCoMo `dia_id`), also the record's memory key. */
  readonly dialogId: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly content: string;
  readonly metadata: Metadata;
}

/** One search of the workload, with its evidence turns. */
export interface Question {
  /** Position in the workload's question list, stable across phases. */
  readonly index: number;
  /** The agent that searches: the speaker who wrote most of the evidence. */
  readonly agentId: string;
  readonly userId: string;
  readonly text: string;
  /**
   * Dialog ids of the evidence turns that the asking agent wrote. Turns of the other speaker
   * belong to another agent, which the asking agent can never search.
   */
  readonly evidence: readonly string[];
  /** LoCoMo category (1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop), null if synthetic. */
  readonly category: number | null;
}

/** Counts that describe how a workload was built from its source. */
export interface WorkloadStats {
  readonly conversations: number;
  readonly turns: number;
  readonly questions: number;
  /** Questions left out, by reason. */
  readonly skipped: Readonly<Record<string, number>>;
}

/** Requests of a drill: agents, their writes in order, and the searches with their evidence. */
export interface Workload {
  readonly kind: 'locomo' | 'synthetic';
  /** The file or folder read, or a description of the synthetic generator. */
  readonly source: string;
  readonly agents: readonly WorkloadAgent[];
  readonly turns: readonly Turn[];
  readonly questions: readonly Question[];
  readonly stats: WorkloadStats;
}
