import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskFileStore, TEMPORARY_FILE_PREFIX } from '../../local-fallback/storage/index.js';
import { storedFile } from '../contract/file-store.contract.js';
import { versionAt } from '../contract/fixtures.js';

const WRITER = 'test/files/crash-writer.ts';

/**
 * Runs the crash writer in `mode`; `killAfterMs` kills it with SIGKILL that long after it
 * reports that it is writing. Resolves with the signal that ended it.
 */
function runWriter(mode: string, root: string, killAfterMs?: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, mode, root], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (chunk) => (errors += chunk));
    child.stdout.on('data', () => {
      if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === null) reject(new Error(`Writer exited with ${code}: ${errors}`));
      else resolve(signal);
    });
  });
}

describe('file write crash', () => {
  let root: string;
  let store: DiskFileStore;
  const agentFolder = () => readdirSync(join(root, 'agent-a'));

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'happy-file-crash-'));
    store = new DiskFileStore({ root });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('keeps the old file when killed between temporary write and rename', async () => {
    const old = Buffer.from('old content');
    await store.put(storedFile('notes.txt', old, { version: versionAt(1) }), old);

    expect(await runWriter('before-rename', root)).toBe('SIGKILL');

    const temporary = agentFolder().filter((name) => name.startsWith(TEMPORARY_FILE_PREFIX));
    expect(temporary).toHaveLength(1);
    const read = await store.get('agent-a', 'notes.txt');
    expect(read?.file.version).toBe(versionAt(1));
    expect(Buffer.from(read!.content).equals(old)).toBe(true);
    expect((await store.list('agent-a', {}, { limit: 10, after: null })).items).toHaveLength(1);

    expect(await store.removeTemporaryFiles(0)).toBe(1);
    expect(agentFolder()).toHaveLength(1);
  });

  it('leaves one whole version when killed at a random moment', { timeout: 60_000 }, async () => {
    const contents = [Buffer.alloc(512 * 1024, 0x61), Buffer.alloc(512 * 1024, 0x62)];
    const versions = new Set<string>();
    for (let round = 0; round < 6; round += 1) {
      expect(await runWriter('loop', root, 100 + Math.floor(Math.random() * 400))).toBe('SIGKILL');

      // get() verifies size and checksum, so a torn file would throw here.
      const read = await store.get('agent-a', 'busy.bin');
      expect(read).not.toBeNull();
      const content = Buffer.from(read!.content);
      expect(contents.some((candidate) => candidate.equals(content))).toBe(true);
      versions.add(read!.file.version);
      await store.removeTemporaryFiles(0);
      await sleep(10);
    }
    // Every round wrote at least once, so each left a newer version.
    expect(versions.size).toBe(6);
  });
});
