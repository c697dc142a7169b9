/**
 * Reads raw settings and collects every problem instead of stopping at the first. A value comes
 * typed from `cdk.json` or from props, and as a string from `-c key=value` on the command line,
 * so each method accepts both forms. An invalid value is recorded in `problems` and the method
 * returns the fallback, so that reading can go on and find the other problems too.
 */
export class SettingsReader {
  /** One sentence per problem, naming the setting, the value received and what is expected. */
  readonly problems: string[] = [];
  private readonly settings: Readonly<Record<string, unknown>>;

  constructor(settings: Readonly<Record<string, unknown>>) {
    this.settings = settings;
  }

  /** Whether the setting was given. */
  has(key: string): boolean {
    return this.settings[key] !== undefined;
  }

  /** Records a problem found by a check across settings. */
  problem(text: string): void {
    this.problems.push(text);
  }

  /** Reads a string matching `pattern`; `expected` describes the pattern in words. */
  string(key: string, fallback: string, pattern: RegExp, expected: string): string {
    return this.optionalString(key, pattern, expected) ?? fallback;
  }

  /** Reads a string matching `pattern`, or undefined when the setting is absent or invalid. */
  optionalString(key: string, pattern: RegExp, expected: string): string | undefined {
    const raw = this.settings[key];
    if (raw === undefined) return undefined;
    if (typeof raw === 'string' && pattern.test(raw)) return raw;
    this.invalid(key, expected, raw);
    return undefined;
  }

  /** Reads one of a fixed set of strings or numbers. */
  choice<T extends string | number>(key: string, fallback: T, choices: readonly T[]): T {
    const raw = this.settings[key];
    if (raw === undefined) return fallback;
    const found = choices.find((choice) => String(choice) === String(raw));
    if (found !== undefined) return found;
    this.invalid(key, `one of ${choices.join(', ')}`, raw);
    return fallback;
  }

  /** Reads an integer from `min` to `max`, inclusive. */
  integer(key: string, fallback: number, min: number, max: number): number {
    const raw = this.settings[key];
    if (raw === undefined) return fallback;
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
      return value;
    }
    this.invalid(key, `an integer from ${min} to ${max}`, raw);
    return fallback;
  }

  /** Reads `true` or `false`. */
  boolean(key: string, fallback: boolean): boolean {
    const raw = this.settings[key];
    if (raw === undefined) return fallback;
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    this.invalid(key, 'true or false', raw);
    return fallback;
  }

  /** Reads a list of names: a JSON array, or a comma-separated string from the command line. */
  list(key: string): string[] | undefined {
    const raw = this.settings[key];
    if (raw === undefined) return undefined;
    const value = typeof raw === 'string' ? splitList(raw) : raw;
    if (Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '')) {
      return value as string[];
    }
    this.invalid(key, 'a list of names, such as a,b or ["a","b"]', raw);
    return undefined;
  }

  private invalid(key: string, expected: string, raw: unknown): void {
    this.problems.push(`${key}: expected ${expected}, received ${JSON.stringify(raw)}.`);
  }
}

function splitList(text: string): unknown {
  if (!text.trim().startsWith('[')) return text.split(',').map((item) => item.trim());
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A lower-case DNS host name: dot-separated labels of letters, digits and inner hyphens. */
export const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
