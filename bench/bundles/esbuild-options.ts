import type { BuildOptions } from 'esbuild';
import { bundlingOptions } from '../../lib/constructs/bundling.js';

/**
 * Returns the esbuild options that CDK's NodejsFunction passes for the stacks' bundling options
 * (lib/constructs/bundling.ts), so that the benchmark and the tests build what a deployment
 * builds. `external` replaces the modules left out, to compare other choices.
 *
 * @throws {Error} when the bundling options pass an esbuild argument this function cannot
 *   translate, so that the two builds cannot drift apart unnoticed.
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
    alias: aliasesOf(options.esbuildArgs ?? {}),
    logLevel: 'silent',
  };
}

/** Translates the `--alias` entries of NodejsFunction's `esbuildArgs` into esbuild's `alias`. */
function aliasesOf(args: Record<string, string | boolean | string[]>): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const [key, value] of Object.entries(args)) {
    if (key !== '--alias' || !Array.isArray(value)) {
      throw new Error(
        `deployedEsbuildOptions: no translation for esbuild argument ${key}=` +
          `${JSON.stringify(value)}; add one here.`,
      );
    }
    for (const entry of value) {
      const [name, path] = entry.split('=', 2);
      if (!name || !path) throw new Error(`deployedEsbuildOptions: invalid alias "${entry}".`);
      aliases[name] = path;
    }
  }
  return aliases;
}
