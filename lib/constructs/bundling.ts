import { join } from 'node:path';
import { OutputFormat, SourceMapMode, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { PROJECT_ROOT } from '../lambda-entries.js';

/**
 * esbuild runs on this Node target. It matches the Lambda runtime the stacks use (nodejs22.x).
 */
export const BUNDLE_TARGET = 'node22';

/**
 * Modules left out of the bundle: none. The AWS SDK for JavaScript v3 is bundled although the
 * nodejs22.x runtime provides one, so that a function runs the SDK version of package-lock.json
 * that the tests ran, not the one AWS ships at the time. It adds about 470 KB to each bundle, and
 * importing the bundle is faster than importing the runtime's SDK from its hundreds of files
 * (bench/bundles/RESULTS.md measures both).
 */
export const EXTERNAL_MODULES: string[] = [];

/** Package fields esbuild reads, in order: the ES module build first, then CommonJS. */
export const MAIN_FIELDS = ['module', 'main'];

/**
 * ESM output runs CommonJS dependencies that call `require`; this banner gives them one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module';" +
  'const require = __createRequire(import.meta.url);';

/**
 * Packages that esbuild replaces with a module of lib/bundle-shims/ in every bundle, by
 * absolute path. Each stand-in exports the package's whole API but leaves out code that esbuild
 * cannot tree-shake and no function runs: `zod` without its 62 non-English locales. Tests and
 * the edge service import the packages themselves.
 *
 * NOTE: esbuild also maps subpaths, so an import of `zod/mini` or `zod/v4` in function code
 * fails the bundling. Import `zod` there, or add the subpath to the stand-in.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  zod: join(PROJECT_ROOT, 'lib', 'bundle-shims', 'zod.ts'),
};

/**
 * Bundling of every function with the local esbuild from node_modules, never Docker: minified
 * ES modules with a source map file beside the bundle. The map has no sources content, so it
 * stays small and stack traces still point into the TypeScript files.
 */
export function bundlingOptions(): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    target: BUNDLE_TARGET,
    minify: true,
    sourceMap: true,
    sourceMapMode: SourceMapMode.DEFAULT,
    sourcesContent: false,
    mainFields: MAIN_FIELDS,
    externalModules: EXTERNAL_MODULES,
    banner: ESM_REQUIRE_BANNER,
    // NodejsFunction has no `alias` option; it passes each entry of the list as `--alias:`.
    esbuildArgs: {
      '--alias': Object.entries(BUNDLE_ALIASES).map(([name, path]) => `${name}=${path}`),
    },
  };
}
