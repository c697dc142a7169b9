/**
 * Hybrid logical clock (Kulkarni et al., 2014). A timestamp is wall-clock milliseconds plus a
 * logical counter, so versions keep causal order even when node clocks drift, and stay close to
 * real time so they are readable.
 *
 * A version string is `<ms, 15 digits>.<counter, 6 digits>.<node id>`, so comparing two versions
 * as plain strings orders them by time, then counter, then node id: the node id is the
 * deterministic tie-break for last-writer-wins merges.
 */

/** Source of wall-clock time in milliseconds; injectable for tests. */
export type WallClock = () => number;

/** A parsed hybrid logical clock timestamp. */
export interface HlcTimestamp {
  readonly wallMs: number;
  readonly counter: number;
  readonly nodeId: string;
}

const MS_DIGITS = 15;
const COUNTER_DIGITS = 6;
const NODE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Formats a timestamp as a version string that sorts in version order. */
export function formatVersion(timestamp: HlcTimestamp): string {
  const ms = String(timestamp.wallMs).padStart(MS_DIGITS, '0');
  const counter = String(timestamp.counter).padStart(COUNTER_DIGITS, '0');
  return `${ms}.${counter}.${timestamp.nodeId}`;
}

/**
 * Parses a version string.
 *
 * @throws {Error} when `version` is not of the form `<ms>.<counter>.<node id>`.
 */
export function parseVersion(version: string): HlcTimestamp {
  const match = /^(\d{15})\.(\d{6})\.([a-z0-9][a-z0-9-]{0,62})$/.exec(version);
  if (!match) {
    throw new Error(`Invalid version "${version}": expected <15 digits>.<6 digits>.<node id>.`);
  }
  return { wallMs: Number(match[1]), counter: Number(match[2]), nodeId: match[3] as string };
}

/** Compares two version strings: negative when `a` is older, positive when newer. */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** A hybrid logical clock owned by one node. */
export class HybridLogicalClock {
  readonly nodeId: string;
  private readonly wallClock: WallClock;
  private lastMs = 0;
  private counter = 0;

  /**
   * @param nodeId lower-case letters, digits and dashes, at most 63 characters.
   * @param wallClock defaults to `Date.now`.
   * @throws {Error} when `nodeId` does not match that pattern.
   */
  constructor(nodeId: string, wallClock: WallClock = Date.now) {
    if (!NODE_ID_PATTERN.test(nodeId)) {
      throw new Error(`Invalid node id "${nodeId}": use lower-case letters, digits and dashes.`);
    }
    this.nodeId = nodeId;
    this.wallClock = wallClock;
  }

  /** Returns a version newer than every version this clock has issued or observed. */
  now(): string {
    const wall = this.wallClock();
    if (wall > this.lastMs) {
      this.lastMs = wall;
      this.counter = 0;
    } else {
      this.counter += 1;
    }
    return formatVersion({ wallMs: this.lastMs, counter: this.counter, nodeId: this.nodeId });
  }

  /**
   * Returns a version `ms` before this clock's current time, without advancing the clock. A
   * write given it loses to every write made less than `ms` earlier on any node whose clock
   * agrees with this one, and to every later write.
   */
  before(ms: number): string {
    const wallMs = Math.max(0, Math.max(this.lastMs, this.wallClock()) - ms);
    return formatVersion({ wallMs, counter: 0, nodeId: this.nodeId });
  }

  /** Advances the clock past a version received from another node, so later writes sort after it. */
  observe(version: string): void {
    const remote = parseVersion(version);
    if (remote.wallMs > this.lastMs) {
      this.lastMs = remote.wallMs;
      this.counter = remote.counter;
    } else if (remote.wallMs === this.lastMs && remote.counter > this.counter) {
      this.counter = remote.counter;
    }
  }
}
