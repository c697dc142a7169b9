/** An adapter option is missing or out of range; raised when the adapter is built, not per call. */
export class AdapterConfigError extends Error {
  /** Name of the option at fault, such as `timeoutMs`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(`Invalid adapter option "${option}": ${message}`);
    this.name = 'AdapterConfigError';
    this.option = option;
  }
}

/**
 * Checks that `value` is an integer within `[min, max]`.
 *
 * @throws {AdapterConfigError} naming the option, the value received and the range expected.
 */
export function requireIntegerInRange(
  option: string,
  value: number,
  min: number,
  max: number,
): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AdapterConfigError(
      option,
      `expected an integer from ${min} to ${max}, received ${String(value)}.`,
    );
  }
  return value;
}
