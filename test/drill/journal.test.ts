import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DrillHttp } from '../../drill/http.js';
import { UndoJournal, undoPending, type Undoer } from '../../drill/journal.js';
import { LOCAL_HOME_PREFIX } from '../../drill/targets.js';
import { replayJournal } from '../../drill/undo.js';
import { removeTempDirs, tempDir } from './support.js';

const reportDir = () => tempDir('journal');
afterAll(removeTempDirs);
const topology = (home: string) => ({ kind: 'local-topology' as const, home });

describe('undo journal', () => {
  it('lists a recorded change until it is undone', () => {
    const journal = new UndoJournal(reportDir());

    const seq = journal.record(topology('/tmp/a'));
    const before = journal.pending();
    journal.markUndone(seq);

    expect(before).toEqual([{ seq, entry: topology('/tmp/a'), notes: {}, failures: [] }]);
    expect(journal.pending()).toEqual([]);
  });

  it('keeps notes and failed undo attempts with the entry', () => {
    const journal = new UndoJournal(reportDir());

    const seq = journal.record(topology('/tmp/a'));
    journal.note(seq, { fault_id: 'f-1' });
    journal.markFailed(seq, new Error('router unreachable'));

    expect(journal.pending()[0]?.notes).toEqual({ fault_id: 'f-1' });
    expect(journal.pending()[0]?.failures).toEqual(['router unreachable']);
  });

  it('continues the numbering of a journal on disk', () => {
    const dir = reportDir();
    new UndoJournal(dir).record(topology('/tmp/a'));

    const seq = new UndoJournal(dir).record(topology('/tmp/b'));

    expect(seq).toBe(2);
    expect(new UndoJournal(dir).pending().map((entry) => entry.seq)).toEqual([1, 2]);
  });

  it('ignores a last line cut short by a crash', () => {
    const dir = reportDir();
    const journal = new UndoJournal(dir);
    journal.record(topology('/tmp/a'));
    appendFileSync(journal.path, '{"seq":2,"op":"do","at":"2026-');

    expect(new UndoJournal(dir).pending()).toHaveLength(1);
  });

  it('undoes newest first and keeps going after a failure', async () => {
    const journal = new UndoJournal(reportDir());
    journal.record(topology('/tmp/first'));
    journal.record(topology('/tmp/fails'));
    journal.record(topology('/tmp/last'));
    const order: string[] = [];
    const undo: Undoer = async ({ entry }) => {
      const home = entry.kind === 'local-topology' ? entry.home : '';
      order.push(home);
      if (home === '/tmp/fails') throw new Error('still busy');
      return `undid ${home}`;
    };

    const result = await undoPending(journal, { 'local-topology': undo } as never);

    expect(order).toEqual(['/tmp/last', '/tmp/fails', '/tmp/first']);
    expect(result.restored).toEqual(['undid /tmp/last', 'undid /tmp/first']);
    expect(result.failed).toEqual(['local topology in /tmp/fails: still busy']);
    expect(journal.pending().map((entry) => entry.seq)).toEqual([2]);
  });
});

describe('replay of a crashed local drill', () => {
  const children: ChildProcess[] = [];
  const http = new DrillHttp();
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await http.close();
  });

  it('stops the node processes of its home and deletes the home', async () => {
    const home = mkdtempSync(join(tmpdir(), LOCAL_HOME_PREFIX));
    // Stands for a node left running: a process with `--home <home>` in its command line.
    const child = spawn(process.execPath, [
      '-e',
      'setInterval(() => {}, 1000)',
      '--',
      '--home',
      home,
    ]);
    children.push(child);
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const dir = reportDir();
    new UndoJournal(dir).record(topology(home));

    const result = await replayJournal(dir, { http });

    expect(await exited).toBe('SIGTERM');
    expect(existsSync(home)).toBe(false);
    expect(result.restored).toEqual([
      `Local topology in ${home}: 1 node processes stopped, folder deleted.`,
    ]);
    expect(new UndoJournal(dir).pending()).toEqual([]);
  });

  it('leaves a folder alone that is not a drill home', async () => {
    const other = mkdtempSync(join(tmpdir(), 'someone-else-'));
    const dir = reportDir();
    new UndoJournal(dir).record(topology(other));

    const result = await replayJournal(dir, { http });

    const kept = existsSync(other);
    rmSync(other, { recursive: true, force: true });

    expect(kept).toBe(true);
    expect(result.failed[0]).toMatch(/is not a drill's temporary home/);
    expect(new UndoJournal(dir).pending()).toHaveLength(1);
  });

  it('counts an expired router fault as gone without calling the router', async () => {
    const dir = reportDir();
    const journal = new UndoJournal(dir);
    const seq = journal.record({
      kind: 'router-fault',
      routerUrl: 'http://127.0.0.1:9',
      fault: 'down',
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    journal.note(seq, { fault_id: 'f-1' });

    const result = await replayJournal(dir, { http });

    expect(result.restored).toEqual(['Router fault down at http://127.0.0.1:9 is gone (expired).']);
  });

  it('keeps a live router fault pending while the router does not answer', async () => {
    const dir = reportDir();
    const journal = new UndoJournal(dir);
    const seq = journal.record({
      kind: 'router-fault',
      routerUrl: 'http://127.0.0.1:9',
      fault: 'down',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    journal.note(seq, { fault_id: 'f-1' });

    const result = await replayJournal(dir, { http });

    expect(result.failed[0]).toMatch(
      /DELETE \/router\/faults\/f-1 returned .*wait until the fault expires/,
    );
    expect(new UndoJournal(dir).pending()).toHaveLength(1);
  });
});
