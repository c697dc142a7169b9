export { fromPowertoolsLogger } from './powertools-logger.js';
