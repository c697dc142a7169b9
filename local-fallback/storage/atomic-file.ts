import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Name prefix of temporary files; listings skip such names and sweeps remove them. */
export const TEMPORARY_FILE_PREFIX = '.tmp-';

/**
 * Writes `bytes` to a new temporary file in `dir` and flushes it to disk. The file is created
 * exclusively with mode 0600, so it never replaces or exposes another file.
 *
 * @returns the path of the temporary file.
 * @throws the file system error, after removing the partial file.
 */
export async function writeTemporaryFile(dir: string, bytes: Uint8Array): Promise<string> {
  const temporary = join(dir, `${TEMPORARY_FILE_PREFIX}${randomBytes(12).toString('hex')}`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  return temporary;
}

/**
 * Renames a flushed temporary file over `target` and flushes the folder, so the new name
 * survives a power loss. The rename is atomic within one file system: readers, and the disk
 * after a crash, hold either the old file or the new one.
 */
export async function commitTemporaryFile(temporary: string, target: string): Promise<void> {
  await rename(temporary, target);
  await syncDirectory(dirname(target));
}

/** Flushes a folder's entries (names created, renamed or removed) to disk. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch (error) {
    // NOTE: Windows cannot open a folder for fsync (EISDIR or EPERM); there a rename is durable
    // only once the file system flushes on its own.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'EPERM') return;
    throw error;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
