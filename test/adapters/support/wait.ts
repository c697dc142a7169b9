import { setTimeout as sleep } from 'node:timers/promises';

/** Returns the error `promise` rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject, but it resolved.');
}

/**
 * Runs `check` until it stops throwing, every `intervalMs`, and rethrows its last error after
 * `timeoutMs`. For states that settle after a breaker pause or a restart, never for timing.
 */
export async function eventually(
  check: () => Promise<void> | void,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(intervalMs);
    }
  }
}
