import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHtml } from './html.js';
import type { DrillReport } from './types.js';

/** Paths of the files {@link writeReport} writes. */
export interface ReportFiles {
  readonly json: string;
  readonly html: string;
}

/** Writes `report.json` and `report.html` into `dir`, each replaced whole or not at all. */
export function writeReport(dir: string, report: DrillReport): ReportFiles {
  mkdirSync(dir, { recursive: true });
  const files = { json: join(dir, 'report.json'), html: join(dir, 'report.html') };
  writeAtomically(files.json, `${JSON.stringify(report, null, 2)}\n`);
  writeAtomically(files.html, renderHtml(report));
  return files;
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
