import type { Database, Statement } from 'better-sqlite3';
import type { HealthCheckResult, HealthProbe } from '../../lambdas/ports/index.js';

/**
 * Proves the SQLite store works by writing a row and reading it back, so a full disk, a
 * read-only file or a corrupt database fails the check rather than passing on settings alone.
 */
export class SqliteHealthProbe implements HealthProbe {
  readonly name = 'sqlite';
  private readonly write: Statement;
  private readonly read: Statement;

  constructor(db: Database) {
    this.write = db.prepare(`
      INSERT INTO health_probe (id, written_at) VALUES (1, ?)
      ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at`);
    this.read = db.prepare('SELECT written_at FROM health_probe WHERE id = 1').pluck();
  }

  async check(): Promise<HealthCheckResult> {
    const started = performance.now();
    const stamp = `${new Date().toISOString()}#${Math.random().toString(36).slice(2)}`;
    try {
      this.write.run(stamp);
      const readBack = this.read.get();
      const latencyMs = performance.now() - started;
      if (readBack !== stamp) {
        return {
          name: this.name,
          status: 'fail',
          latencyMs,
          detail: 'read back a different value',
        };
      }
      return { name: this.name, status: 'pass', latencyMs };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { name: this.name, status: 'fail', latencyMs: performance.now() - started, detail };
    }
  }
}
