/**
 * Sliding-window rate limiting by the two-window estimate: the count of the current fixed
 * window plus the previous window's count weighted by how much of it still overlaps the last
 * `windowMs`. It needs two counters per agent and never lets through twice the limit at a
 * window boundary, as a plain fixed window does. The same arithmetic runs in Lua in Redis
 * (RATE_LIMIT below) and in this process when Redis is down.
 */

/** Counters of one agent. */
export interface WindowState {
  /** Number of the fixed window, `floor(time / windowMs)`. */
  readonly index: number;
  readonly current: number;
  readonly previous: number;
}

/** Outcome of one request against the limit. */
export interface WindowDecision {
  readonly allowed: boolean;
  /** Requests left in the window after this one; 0 when rejected. */
  readonly remaining: number;
  /** How long to wait before a retry can pass, in ms; 0 when allowed. */
  readonly retryAfterMs: number;
  /** Counters to store; unchanged when the request was rejected. */
  readonly state: WindowState;
}

/** Decides one request at `nowMs` and counts it when allowed. */
export function decideWindow(
  stored: WindowState | undefined,
  nowMs: number,
  limit: number,
  windowMs: number,
): WindowDecision {
  const state = rollWindow(stored, Math.floor(nowMs / windowMs));
  const elapsed = nowMs - state.index * windowMs;
  const estimate = (state.previous * (windowMs - elapsed)) / windowMs + state.current;

  if (estimate + 1 <= limit) {
    const remaining = Math.floor(limit - estimate - 1);
    return {
      allowed: true,
      remaining,
      retryAfterMs: 0,
      state: { ...state, current: state.current + 1 },
    };
  }
  const retryAfterMs = Math.max(1, waitMs(state, elapsed, limit, windowMs));
  return { allowed: false, remaining: 0, retryAfterMs, state };
}

/** Moves the counters to window `index`; a clock that went back keeps the stored window. */
function rollWindow(stored: WindowState | undefined, index: number): WindowState {
  if (!stored || stored.index < index - 1) return { index, current: 0, previous: 0 };
  if (stored.index === index - 1) return { index, current: 0, previous: stored.current };
  return stored;
}

/** Time until the estimate plus one request fits under the limit. */
function waitMs(state: WindowState, elapsed: number, limit: number, windowMs: number): number {
  if (state.current + 1 <= limit) {
    // The previous window's weight has to shrink: p * (w - e - t) / w + c + 1 <= limit.
    const spare = ((limit - state.current - 1) * windowMs) / state.previous;
    return Math.ceil(windowMs - elapsed - spare);
  }
  // The current window alone is full; in the next one it becomes the weighted previous window:
  // c * (w - e') / w + 1 <= limit.
  const intoNext = Math.ceil(windowMs - ((limit - 1) * windowMs) / state.current);
  return windowMs - elapsed + intoNext;
}
