/** Structured fields attached to a log line. Never put tokens, keys or record content here. */
export type LogFields = Record<string, unknown>;

/**
 * The logger the handlers write to: Powertools Logger in Lambda, pino at the edge. The message is
 * a fixed sentence and the data goes in `fields`.
 */
export interface AppLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Returns a logger that adds `fields` to every line. */
  child(fields: LogFields): AppLogger;
}
