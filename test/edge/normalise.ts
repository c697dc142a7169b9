/**
 * Replaces the values that differ between two runs of the same requests (generated ids, tokens,
 * versions, request ids, cursors, timestamps, latencies) with placeholders. Generated values are
 * numbered in order of first appearance, and every later occurrence, also inside other strings
 * such as a problem's `instance` path, gets the same placeholder, so references still line up.
 */
export class Normaliser {
  private readonly placeholders = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  /** Normalises one response body. Call it on the bodies of a run in the order they arrived. */
  normalise(value: unknown): unknown {
    this.register(value, undefined);
    return this.replace(value, undefined);
  }

  private register(value: unknown, field: string | undefined): void {
    if (typeof value === 'string') {
      const kind = generatedKind(value, field);
      if (kind !== undefined && !this.placeholders.has(value)) {
        const count = (this.counts.get(kind) ?? 0) + 1;
        this.counts.set(kind, count);
        this.placeholders.set(value, `<${kind}#${count}>`);
      }
    } else if (Array.isArray(value)) {
      for (const item of value) this.register(item, field);
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) this.register(item, key);
    }
  }

  private replace(value: unknown, field: string | undefined): unknown {
    if (field === 'latency_ms' && typeof value === 'number') return '<latency>';
    if (typeof value === 'string') return this.replaceInString(value);
    if (Array.isArray(value)) return value.map((item) => this.replace(item, field));
    if (isObject(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, this.replace(item, key)]),
      );
    }
    return value;
  }

  private replaceInString(text: string): string {
    const exact = this.placeholders.get(text);
    if (exact !== undefined) return exact;
    let result = text.replace(TIMESTAMP_ANYWHERE, '<timestamp>');
    for (const [raw, placeholder] of this.placeholders) {
      if (result.includes(raw)) result = result.split(raw).join(placeholder);
    }
    return result;
  }
}

/** Fields whose every value is generated, whatever it looks like. */
const GENERATED_FIELDS: Record<string, string> = {
  request_id: 'request',
  next_cursor: 'cursor',
  token: 'token',
};

/** Generated values recognised by their form wherever they appear. */
const GENERATED_FORMS: ReadonlyArray<readonly [string, RegExp]> = [
  // ULIDs: 26 characters of Crockford's base32.
  ['ulid', /^[0-9A-HJKMNP-TV-Z]{26}$/],
  // Hybrid logical clock versions: milliseconds, counter and node id.
  ['version', /^\d{15}\.\d{6}\.[a-z0-9-]+$/],
  ['uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/],
  ['token', /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/],
];

const TIMESTAMP_ANYWHERE = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/g;

function generatedKind(value: string, field: string | undefined): string | undefined {
  const byField = field === undefined ? undefined : GENERATED_FIELDS[field];
  if (byField !== undefined) return byField;
  return GENERATED_FORMS.find(([, pattern]) => pattern.test(value))?.[0];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
