import type { Logger } from '@aws-lambda-powertools/logger';
import type { AppLogger, LogFields } from '../ports/index.js';

/** Adapts the Powertools Logger of a Lambda function to the logger the handlers use. */
export function fromPowertoolsLogger(logger: Logger): AppLogger {
  return {
    debug: (message: string, fields?: LogFields) => logger.debug(message, fields ?? {}),
    info: (message: string, fields?: LogFields) => logger.info(message, fields ?? {}),
    warn: (message: string, fields?: LogFields) => logger.warn(message, fields ?? {}),
    error: (message: string, fields?: LogFields) => logger.error(message, fields ?? {}),
    child: (fields: LogFields) =>
      fromPowertoolsLogger(logger.createChild({ persistentKeys: fields })),
  };
}
