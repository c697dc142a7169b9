import type { Change, ChangeKind, LoggedChange } from '../ports/index.js';
import { entityOfChange, originOfVersion, versionOfChange } from './replication-changes.js';

/** An entity a change log keys its entries by. */
export interface LoggedEntity {
  readonly kind: ChangeKind;
  readonly agentId: string;
  /** Entity id, or the name of a file. */
  readonly id: string;
}

/** Returns a change as a change log stores it: a file change loses its content. */
export function toLoggedChange(change: Change): LoggedChange {
  if (change.kind !== 'file') return change;
  return { kind: 'file', file: change.file };
}

/** Returns the version of the entity state a logged change carries. */
export const versionOfLogged = versionOfChange;

/** Returns the entity a logged change is about. */
export function entityOfLogged(change: LoggedChange): LoggedEntity {
  return { kind: change.kind, ...entityOfChange(change) };
}

/** Returns the node that wrote the version a logged change carries. */
export function originOfLogged(change: LoggedChange): string {
  return originOfVersion(versionOfLogged(change));
}

/** Returns the file content bytes of a logged change: the size of a live file, else 0. */
export function contentBytesOfLogged(change: LoggedChange): number {
  return change.kind === 'file' && !change.file.deleted ? change.file.size : 0;
}

/**
 * Cuts candidate entries, in seq order, to one page: at most `limit` entries, ending before the
 * entry whose content would exceed `maxContentBytes`, but never empty when there is a candidate.
 *
 * @returns the entries of the page, and whether every candidate made it in.
 */
export function cutLogPage<T extends { readonly change: LoggedChange }>(
  candidates: readonly T[],
  limit: number,
  maxContentBytes: number,
): { entries: T[]; complete: boolean } {
  const entries: T[] = [];
  let contentBytes = 0;
  for (const candidate of candidates.slice(0, limit)) {
    const size = contentBytesOfLogged(candidate.change);
    if (entries.length > 0 && contentBytes + size > maxContentBytes) break;
    contentBytes += size;
    entries.push(candidate);
  }
  return { entries, complete: entries.length === candidates.length };
}
