import { randomBytes } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { LeasedTaskMessage, TaskMessage, TaskQueue } from '../../lambdas/ports/index.js';

/** Options of {@link SqliteTaskQueue}. */
export interface SqliteTaskQueueOptions {
  /** Source of the current time in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
}

interface QueueRow {
  agent_id: string;
  task_id: string;
  receive_count: number;
}

/**
 * The task queue in SQLite (table `task_queue`, see migrations.ts), with SQS semantics. A lease
 * moves the message's visibility time forward, so the message becomes visible again when the
 * lease ends, also after a crash of the process, with no further step. A task has at most one
 * message, so enqueueing a task that has one changes nothing.
 */
export class SqliteTaskQueue implements TaskQueue {
  private readonly now: () => number;
  private readonly insert: Statement;
  private readonly selectVisible: Statement;
  private readonly lease: Statement;
  private readonly deleteByReceipt: Statement;
  private readonly setVisibility: Statement;
  private readonly deleteUnleased: Statement;
  private readonly receiveAtomically: (maxMessages: number, leaseMs: number) => LeasedTaskMessage[];

  constructor(db: Database, options: SqliteTaskQueueOptions = {}) {
    this.now = options.now ?? Date.now;
    this.insert = db.prepare(`
      INSERT INTO task_queue (agent_id, task_id, visible_at_ms, enqueued_at_ms)
      VALUES (@agent, @task, @visible, @now) ON CONFLICT DO NOTHING`);
    this.selectVisible = db.prepare(`
      SELECT agent_id, task_id, receive_count FROM task_queue WHERE visible_at_ms <= ?
      ORDER BY visible_at_ms LIMIT ?`);
    this.lease = db.prepare(`
      UPDATE task_queue SET visible_at_ms = @visible, receipt = @receipt,
        receive_count = receive_count + 1
      WHERE agent_id = @agent AND task_id = @task`);
    this.deleteByReceipt = db.prepare('DELETE FROM task_queue WHERE receipt = ?');
    this.setVisibility = db.prepare(
      'UPDATE task_queue SET visible_at_ms = @visible WHERE receipt = @receipt',
    );
    // A leased message has a receipt and a visibility time in the future.
    this.deleteUnleased = db.prepare(`
      DELETE FROM task_queue WHERE agent_id = @agent AND task_id = @task
        AND (receipt IS NULL OR visible_at_ms <= @now)`);
    this.receiveAtomically = db.transaction(this.leaseVisible.bind(this)).immediate;
  }

  async enqueue(message: TaskMessage, delayMs: number): Promise<void> {
    const now = this.now();
    this.insert.run({
      agent: message.agentId,
      task: message.taskId,
      visible: now + Math.max(0, delayMs),
      now,
    });
  }

  async receive(maxMessages: number, leaseMs: number): Promise<LeasedTaskMessage[]> {
    if (maxMessages < 1) return [];
    return this.receiveAtomically(maxMessages, leaseMs);
  }

  async complete(receipt: string): Promise<boolean> {
    return this.deleteByReceipt.run(receipt).changes > 0;
  }

  async release(receipt: string, delayMs: number): Promise<boolean> {
    const visible = this.now() + Math.max(0, delayMs);
    return this.setVisibility.run({ receipt, visible }).changes > 0;
  }

  async extendLease(receipt: string, leaseMs: number): Promise<boolean> {
    return this.release(receipt, leaseMs);
  }

  async cancel(message: TaskMessage): Promise<void> {
    this.deleteUnleased.run({ agent: message.agentId, task: message.taskId, now: this.now() });
  }

  private leaseVisible(maxMessages: number, leaseMs: number): LeasedTaskMessage[] {
    const now = this.now();
    const rows = this.selectVisible.all(now, maxMessages) as QueueRow[];
    return rows.map((row) => {
      // A new receipt per delivery makes the receipts of earlier deliveries stop working.
      const receipt = randomBytes(16).toString('base64url');
      this.lease.run({ agent: row.agent_id, task: row.task_id, visible: now + leaseMs, receipt });
      return {
        agentId: row.agent_id,
        taskId: row.task_id,
        receipt,
        receiveCount: row.receive_count + 1,
      };
    });
  }
}
