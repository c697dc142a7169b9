import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A change the drill made and must undo, as recorded before making it. */
export type JournalEntry =
  | {
      readonly kind: 'lambda-concurrency';
      readonly region: string;
      readonly endpoint: string | null;
      readonly functionName: string;
      /** Reserved concurrency before the drill, or null when none was set. */
      readonly previous: number | null;
    }
  | {
      readonly kind: 'elasticache-failover';
      readonly region: string;
      readonly endpoint: string | null;
      readonly replicationGroupId: string;
      readonly nodeGroupId: string;
      readonly previousPrimary: string | null;
    }
  | {
      readonly kind: 'localstack-chaos';
      readonly endpoint: string;
      /** The chaos endpoint's fault rules before the drill, restored as they were. */
      readonly previousRules: unknown[];
    }
  | {
      readonly kind: 'router-fault';
      readonly routerUrl: string;
      readonly fault: string;
      /** The router ends the fault by itself at this time, even if no request removes it. */
      readonly expiresAt: string;
    }
  | {
      readonly kind: 'local-topology';
      /** Temporary home of the nodes; each node process has it in its command line. */
      readonly home: string;
    };

/** A journal entry that has not been undone yet, with the details noted after the change. */
export interface PendingEntry {
  readonly seq: number;
  readonly entry: JournalEntry;
  readonly notes: Readonly<Record<string, unknown>>;
  /** Errors of earlier undo attempts, oldest first. */
  readonly failures: readonly string[];
}

type JournalLine =
  | { seq: number; op: 'do'; at: string; entry: JournalEntry }
  | { seq: number; op: 'note'; at: string; detail: Record<string, unknown> }
  | { seq: number; op: 'undone'; at: string }
  | { seq: number; op: 'undo_failed'; at: string; error: string };

/** File name of the journal inside the report folder. */
export const JOURNAL_FILE = 'undo-journal.jsonl';

/**
 * Append-only undo journal in the report folder, one JSON line per step. The drill records each
 * change before it makes it and marks it undone after restoring it, syncing every line to disk,
 * so a drill that crashed leaves behind exactly what is left to restore. A later drill with the
 * same report folder, or `--undo`, replays the pending entries.
 */
export class UndoJournal {
  readonly path: string;
  private nextSeq: number;

  constructor(reportDir: string) {
    mkdirSync(reportDir, { recursive: true });
    this.path = join(reportDir, JOURNAL_FILE);
    this.nextSeq = Math.max(0, ...this.lines().map((line) => line.seq)) + 1;
  }

  /** Records a change about to be made and returns its sequence number. */
  record(entry: JournalEntry): number {
    const seq = this.nextSeq;
    this.nextSeq += 1;
    this.append({ seq, op: 'do', at: new Date().toISOString(), entry });
    return seq;
  }

  /** Adds details learned after the change, such as the id a router gave a fault. */
  note(seq: number, detail: Record<string, unknown>): void {
    this.append({ seq, op: 'note', at: new Date().toISOString(), detail });
  }

  /** Marks a change as restored. */
  markUndone(seq: number): void {
    this.append({ seq, op: 'undone', at: new Date().toISOString() });
  }

  /** Records a failed restore; the entry stays pending. */
  markFailed(seq: number, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.append({ seq, op: 'undo_failed', at: new Date().toISOString(), error: message });
  }

  /** Returns the entries not undone yet, oldest first. */
  pending(): PendingEntry[] {
    const entries = new Map<
      number,
      { entry: JournalEntry; notes: Record<string, unknown>; failures: string[] }
    >();
    for (const line of this.lines()) {
      if (line.op === 'do') entries.set(line.seq, { entry: line.entry, notes: {}, failures: [] });
      const known = entries.get(line.seq);
      if (!known) continue;
      if (line.op === 'note') Object.assign(known.notes, line.detail);
      if (line.op === 'undo_failed') known.failures.push(line.error);
      if (line.op === 'undone') entries.delete(line.seq);
    }
    return [...entries].map(([seq, value]) => ({ seq, ...value }));
  }

  private lines(): JournalLine[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // A crash can cut the last line short; every complete line before it still counts.
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as JournalLine];
        } catch {
          return [];
        }
      });
  }

  private append(line: JournalLine): void {
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(line)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Restores one kind of change; returns a sentence saying what it restored. */
export type Undoer = (entry: PendingEntry) => Promise<string>;

/** Outcome of {@link undoPending}. */
export interface UndoResult {
  readonly restored: readonly string[];
  readonly failed: readonly string[];
}

/**
 * Undoes every pending entry, newest first, with the undoer of its kind. A failed undo is
 * recorded and the others still run, so one stuck resource does not leave the rest changed.
 */
export async function undoPending(
  journal: UndoJournal,
  undoers: Readonly<Record<JournalEntry['kind'], Undoer>>,
): Promise<UndoResult> {
  const restored: string[] = [];
  const failed: string[] = [];
  for (const pending of journal.pending().reverse()) {
    try {
      restored.push(await undoers[pending.entry.kind](pending));
      journal.markUndone(pending.seq);
    } catch (error) {
      journal.markFailed(pending.seq, error);
      const message = error instanceof Error ? error.message : String(error);
      failed.push(`${describeEntry(pending.entry)}: ${message}`);
    }
  }
  return { restored, failed };
}

/** Names the resource of an entry, for messages. */
export function describeEntry(entry: JournalEntry): string {
  switch (entry.kind) {
    case 'lambda-concurrency':
      return `reserved concurrency of Lambda function ${entry.functionName}`;
    case 'elasticache-failover':
      return `failover of ElastiCache replication group ${entry.replicationGroupId}`;
    case 'localstack-chaos':
      return `LocalStack chaos rules at ${entry.endpoint}`;
    case 'router-fault':
      return `router fault ${entry.fault} at ${entry.routerUrl}`;
    case 'local-topology':
      return `local topology in ${entry.home}`;
  }
}
