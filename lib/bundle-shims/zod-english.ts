import en from '../../node_modules/zod/v4/locales/en.js';
import * as core from './zod-core-english.js';

// A local export takes precedence over a name that `export *` brings in, so `locales` and
// `core` here replace zod's namespaces of every locale.
export * from '../../node_modules/zod/v4/classic/external.js';
/** zod's locales, limited to English. */
export const locales = { en };
export { core };
