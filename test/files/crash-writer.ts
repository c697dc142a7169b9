/**
 * Child process of crash.test.ts, run with `node --import tsx`. Modes:
 * - `before-rename <root>`: writes the temporary file of a new version of `notes.txt`, exactly as
 *   a put does, then kills itself with SIGKILL before the rename.
 * - `loop <root>`: writes `busy.bin` over and over, alternating two contents, until killed.
 */
import { join } from 'node:path';
import { formatVersion } from '../../lambdas/core/clock.js';
import { DiskFileStore, writeTemporaryFile } from '../../local-fallback/storage/index.js';
import { storedFile } from '../contract/file-store.contract.js';

const [mode, root] = process.argv.slice(2);
if (!root) throw new Error('Usage: crash-writer.ts before-rename|loop <root>');
const store = new DiskFileStore({ root });
const version = (step: number) =>
  formatVersion({ wallMs: Date.now(), counter: step, nodeId: 'child' });

if (mode === 'before-rename') {
  const content = Buffer.from('new content that never lands');
  const file = storedFile('notes.txt', content, { version: version(0) });
  const header = `${JSON.stringify({ format: 1, ...file, agentId: undefined })}\n`;
  await writeTemporaryFile(join(root, 'agent-a'), Buffer.concat([Buffer.from(header), content]));
  process.kill(process.pid, 'SIGKILL');
} else if (mode === 'loop') {
  const contents = [Buffer.alloc(512 * 1024, 0x61), Buffer.alloc(512 * 1024, 0x62)];
  process.stdout.write('writing\n');
  for (let step = 0; ; step += 1) {
    const content = contents[step % 2]!;
    await store.put(
      storedFile('busy.bin', content, { version: version(step % 1_000_000) }),
      content,
    );
  }
} else {
  throw new Error(`Unknown mode "${mode}".`);
}
