import { pino, type Logger } from 'pino';
import type { AppLogger, LogFields } from '../../lambdas/ports/index.js';

/** Options of {@link createPinoLogger}. */
export interface PinoLoggerOptions {
  /** Name written into every line, such as `edge` or `router`. */
  readonly name: string;
  /** Minimum level. @default process.env.LOG_LEVEL ?? 'info' */
  readonly level?: string;
}

/**
 * Creates the structured logger of the edge service and router. Authorization and cookie headers
 * are redacted wherever they appear, so a token never reaches the log.
 */
export function createPinoLogger(options: PinoLoggerOptions): Logger {
  return pino({
    name: options.name,
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: {
      paths: ['*.authorization', '*.headers.authorization', '*.headers.cookie', '*.token'],
      censor: '[redacted]',
    },
  });
}

/** Adapts a pino logger to the logger interface the handlers use. */
export function toAppLogger(logger: Logger): AppLogger {
  return {
    debug: (message: string, fields?: LogFields) => logger.debug(fields ?? {}, message),
    info: (message: string, fields?: LogFields) => logger.info(fields ?? {}, message),
    warn: (message: string, fields?: LogFields) => logger.warn(fields ?? {}, message),
    error: (message: string, fields?: LogFields) => logger.error(fields ?? {}, message),
    child: (fields: LogFields) => toAppLogger(logger.child(fields)),
  };
}
