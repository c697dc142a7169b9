import en from '../../node_modules/zod/v4/locales/en.js';

// zod's core namespace, whose `locales` is limited to English as in ./zod-english.ts.
export * from '../../node_modules/zod/v4/core/index.js';
/** zod's locales, limited to English. */
export const locales = { en };
