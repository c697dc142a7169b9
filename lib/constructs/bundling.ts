import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Stage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { buildSync, type BuildOptions, type BuildResult } from 'esbuild';
import type { IConstruct } from 'constructs';
import { allFunctionNames, entryPath, PROJECT_ROOT, type FunctionName } from '../lambda-entries.js';

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

/** File name of each bundle in its folder. */
export const BUNDLE_FILE = 'index.mjs';

/** Handler setting of every bundled function: `handler` exported by {@link BUNDLE_FILE}. */
export const BUNDLE_HANDLER = 'index.handler';

/**
 * The esbuild settings of every function: minified ES modules for nodejs22.x, with a source map
 * file beside each bundle that the bundle links to, which `NODE_OPTIONS=--enable-source-maps`
 * loads so that stack traces point into the TypeScript files. The map has no sources content. `external` replaces {@link EXTERNAL_MODULES}, for the
 * benchmark that compares the two ways of shipping the AWS SDK.
 */
export function esbuildOptions(external: string[] = EXTERNAL_MODULES): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_TARGET,
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    mainFields: ['module', 'main'],
    external,
    banner: { js: ESM_REQUIRE_BANNER },
    alias: { ...BUNDLE_ALIASES },
    logLevel: 'warning',
  };
}

/** Result of {@link buildFunctionBundles}: where each bundle is, and esbuild's metafile. */
export interface FunctionBundlesBuild {
  /** Folder of each function's bundle, holding `index.mjs` and `index.mjs.map`. */
  readonly folders: ReadonlyMap<FunctionName, string>;
  readonly metafile: NonNullable<BuildResult['metafile']>;
}

/**
 * Bundles the entry modules of the named functions in one run of the esbuild of node_modules,
 * never Docker, into `<outDir>/<name>/index.mjs`. The modules the functions share are parsed
 * once, and each bundle still holds only the code its own entry reaches. `outDir` is emptied
 * first.
 *
 * @throws {Error} esbuild's own error when a module does not build.
 */
export function buildFunctionBundles(
  names: readonly FunctionName[],
  outDir: string,
  external: string[] = EXTERNAL_MODULES,
): FunctionBundlesBuild {
  rmSync(outDir, { recursive: true, force: true });
  const result = buildSync({
    ...esbuildOptions(external),
    entryPoints: Object.fromEntries(names.map((name) => [name, entryPath(name)])),
    entryNames: '[name]/index',
    outExtension: { '.js': '.mjs' },
    outdir: outDir,
    metafile: true,
  });
  return {
    folders: new Map(names.map((name) => [name, join(outDir, name)])),
    metafile: result.metafile,
  };
}

const bundlesByStage = new WeakMap<Stage, FunctionBundlesBuild>();

/**
 * Returns the code of a function: its bundle. The first call builds the bundles of every
 * function of the app into `bundling-functions/` of the cloud assembly folder, and later calls
 * reuse them.
 * A stack that the CDK command does not deploy or diff (`cdk ls`, or another stack named with
 * `--exclusively`) gets `placeholder` instead, as CDK's own bundling skips such stacks.
 */
export function functionCode(scope: IConstruct, name: FunctionName, placeholder: Code): Code {
  if (!Stack.of(scope).bundlingRequired) return placeholder;
  const stage = Stage.of(scope);
  if (!stage)
    throw new Error(`functionCode: ${scope.node.path} is not in an App or a Stage; add it to one.`);
  let bundles = bundlesByStage.get(stage);
  if (!bundles) {
    bundles = buildFunctionBundles(allFunctionNames(), join(stage.outdir, 'bundling-functions'));
    bundlesByStage.set(stage, bundles);
  }
  const folder = bundles.folders.get(name);
  if (!folder)
    throw new Error(
      `functionCode: no bundle for function "${name}", which allFunctionNames() of ` +
        'lib/lambda-entries.ts does not list.',
    );
  return Code.fromAsset(folder);
}
