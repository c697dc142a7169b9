import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { migrate } from './migrations.js';

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /**
   * `FULL` syncs the write-ahead log on every commit, so an acknowledged write survives a power
   * loss as well as a process crash. `NORMAL` survives only a process crash. @default 'FULL'
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

/**
 * Opens (creating when needed) the SQLite database of the edge in WAL mode and migrates it.
 * Pass `:memory:` for a throwaway database.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database {
  // Owner-only folder, because the database contains every agent's memory.
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  // Another process (a backup, a second reader) may hold a lock for a moment; wait, don't fail.
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}
