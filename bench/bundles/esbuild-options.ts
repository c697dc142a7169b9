import type { BuildOptions } from 'esbuild';
import { bundlingOptions } from '../../lib/constructs/bundling.js';

/**
 * Returns the esbuild options that CDK's NodejsFunction passes for the stacks' bundling options
 * (lib/constructs/bundling.ts), so that the benchmark and the tests build what a deployment
 * builds. `external` replaces the modules left out, to compare other choices.
 */
export function deployedEsbuildOptions(
  external: string[] = bundlingOptions().externalModules ?? [],
): BuildOptions {
  const options = bundlingOptions();
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: options.target,
    minify: options.minify,
    sourcemap: options.sourceMap ? 'external' : false,
    sourcesContent: options.sourcesContent,
    mainFields: options.mainFields,
    external,
    banner: options.banner ? { js: options.banner } : {},
    logLevel: 'silent',
  };
}
