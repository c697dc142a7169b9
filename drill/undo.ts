import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { awsUndoers, createAwsClients, type AwsSettings } from './aws-faults.js';
import type { DrillHttp } from './http.js';
import {
  type JournalEntry,
  type PendingEntry,
  type Undoer,
  UndoJournal,
  undoPending,
  type UndoResult,
} from './journal.js';
import { LOCAL_HOME_PREFIX } from './targets.js';

/** Dependencies of the undoers besides the journal entries. */
export interface UndoContext {
  readonly http: DrillHttp;
  /** Admin token of a remote router, for removing its faults. */
  readonly adminToken?: string;
  /** @default the SDK's default credential chain */
  readonly credentials?: AwsSettings['credentials'];
}

/** Returns an undoer for every kind of journal entry. */
export function createUndoers(context: UndoContext): Record<JournalEntry['kind'], Undoer> {
  const clientsFor = (settings: AwsSettings) =>
    createAwsClients({ ...settings, credentials: context.credentials });
  return {
    ...awsUndoers(clientsFor, context.http),
    'router-fault': (pending) => removeRouterFault(pending, context),
    'local-topology': (pending) => stopLocalTopology(pending),
  };
}

/** Replays every pending entry of the journal in `reportDir`, newest first. */
export async function replayJournal(reportDir: string, context: UndoContext): Promise<UndoResult> {
  return undoPending(new UndoJournal(reportDir), createUndoers(context));
}

async function removeRouterFault(
  { entry, notes }: PendingEntry,
  context: UndoContext,
): Promise<string> {
  if (entry.kind !== 'router-fault') throw new TypeError(`Wrong undoer for ${entry.kind}.`);
  const expired = Date.parse(entry.expiresAt) <= Date.now();
  const id = typeof notes.fault_id === 'string' ? notes.fault_id : null;
  if (id === null || expired) {
    // Without an id the POST never succeeded; with expiry passed the router has dropped it.
    return `Router fault ${entry.fault} at ${entry.routerUrl} is gone (${id === null ? 'never created' : 'expired'}).`;
  }
  const response = await context.http.send(
    entry.routerUrl,
    'DELETE',
    `/router/faults/${encodeURIComponent(id)}`,
    {
      token: context.adminToken,
    },
  );
  if (response.status === 204 || response.status === 404) {
    return `Router fault ${id} at ${entry.routerUrl} is removed.`;
  }
  throw new Error(
    `DELETE /router/faults/${id} returned ${response.status || response.error}; set HAPPY_ADMIN_TOKEN, or wait until the fault expires at ${entry.expiresAt}.`,
  );
}

/**
 * Stops the node processes left by a crashed local drill and deletes their temporary home. A
 * process counts as the drill's only when its command line contains that home, a fresh `mkdtemp`
 * folder, so no other process is ever signalled.
 */
async function stopLocalTopology({ entry }: PendingEntry): Promise<string> {
  if (entry.kind !== 'local-topology') throw new TypeError(`Wrong undoer for ${entry.kind}.`);
  const home = resolve(entry.home);
  if (dirname(home) !== resolve(tmpdir()) || !basename(home).startsWith(LOCAL_HOME_PREFIX)) {
    throw new Error(`${home} is not a drill's temporary home; remove it by hand if it is one.`);
  }
  const pids = processesWithArgument(home);
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids.filter(isAlive)) signal(pid, 'SIGKILL');
  rmSync(home, { recursive: true, force: true });
  return `Local topology in ${home}: ${pids.length} node processes stopped, folder deleted.`;
}

/** Returns the processes whose command line has `argument` as one of its arguments (Linux). */
function processesWithArgument(argument: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes(argument);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // The process has exited in the meantime.
  }
}
