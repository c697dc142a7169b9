import type { RecoveryGate, RecoveryGateResult } from './types.js';

/** Gate that is always ready, the default until a real one is configured. */
export const alwaysReady: RecoveryGate = async () => ({ ready: true });

/**
 * Calls a recovery gate with a time limit. A gate that throws, rejects or takes longer than
 * `timeoutMs` counts as not ready, with the reason in the result; `onError` receives what it
 * threw.
 */
export async function callRecoveryGate(
  gate: RecoveryGate,
  timeoutMs: number,
  onError: (error: unknown) => void,
): Promise<RecoveryGateResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<RecoveryGateResult>((resolve) => {
    const reason = `recovery gate timed out after ${timeoutMs} ms`;
    timer = setTimeout(() => resolve({ ready: false, reason }), timeoutMs);
  });

  try {
    return await Promise.race([gate(), timeout]);
  } catch (error) {
    onError(error);
    const message = error instanceof Error ? error.message : String(error);
    return { ready: false, reason: `recovery gate failed: ${message}` };
  } finally {
    clearTimeout(timer);
  }
}
