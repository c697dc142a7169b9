/**
 * Stand-in for the `zod` package in the Lambda bundles, which esbuild substitutes for it
 * (`BUNDLE_ALIASES` in lib/constructs/bundling.ts). It exports everything zod 4 exports, and
 * its `z` is the same namespace except that `z.locales` and `z.core.locales` hold only `en`.
 *
 * zod's entry re-exports its namespace as a value (`export { z }`), and that namespace carries
 * every locale of zod. So esbuild cannot drop the 62 locales besides English, about 250 KB
 * minified, although no function loads them. English is zod's default and the only locale the
 * handlers use.
 * The paths point into zod's files because its `exports` map has no entry without the locales,
 * and because any `zod` import here would be replaced by this module itself.
 */
import * as z from './zod-english.js';

export * from './zod-english.js';
export { z, z as default };
