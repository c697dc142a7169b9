export { createPinoLogger, toAppLogger, type PinoLoggerOptions } from './pino-logger.js';
