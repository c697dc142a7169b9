import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Folder of the LoCoMo conversations: HAPPY_LOCOMO_DIR, else ../shared/data/locomo. */
export const LOCOMO_DIR = resolve(REPO, process.env.HAPPY_LOCOMO_DIR ?? '../shared/data/locomo');

/** Why the LoCoMo suites are skipped, or null when the files are there. */
export function locomoSkipReason(): string | null {
  return existsSync(LOCOMO_DIR)
    ? null
    : `needs the LoCoMo files in ${LOCOMO_DIR} (set HAPPY_LOCOMO_DIR to their folder)`;
}

const created: string[] = [];

/** Creates a temporary folder that {@link removeTempDirs} deletes. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `happy-drilltest-${label}-`));
  created.push(dir);
  return dir;
}

/** Deletes the folders made by {@link tempDir}; call it from `afterAll`. */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}
