/**
 * Measures the cloud path's build: the wall time of `cdk synth`, and for each Lambda entry
 * module that exists, its esbuild bundle size and the time a fresh Node process takes to import
 * the bundle. Writes bench/cdk/RESULTS.md.
 *
 *   npx tsx bench/cdk/synth-bench.ts [--runs 3]
 *
 * Bundles are built with the esbuild settings of the stacks (lib/constructs/bundling.ts) into
 * cdk.out/bench/, inside the project. There the modules left out of the bundle (`@aws-sdk/*`)
 * resolve from node_modules when the bundle is imported, as the Lambda runtime provides them.
 * The import time is that of Node on this machine, not a Lambda cold start.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import {
  BUNDLE_TARGET,
  ESM_REQUIRE_BANNER,
  EXTERNAL_MODULES,
  MAIN_FIELDS,
} from '../../lib/constructs/bundling.js';
import {
  allFunctionNames,
  entryPath,
  missingEntries,
  PROJECT_ROOT,
  type FunctionName,
} from '../../lib/lambda-entries.js';

const SYNTH_TARGET_MS = 10_000;
const SIZE_TARGET_BYTES = 500 * 1024;
const LOAD_TARGET_MS = 200;

interface BundleResult {
  readonly name: FunctionName;
  readonly bytes: number;
  readonly loadMs: number;
  readonly error?: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function versionOf(pkg: string): string {
  const file = join(PROJECT_ROOT, 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** Runs `cdk synth` into a temporary folder and returns its wall time in ms. */
function timeSynth(bundle: boolean, validateTemplates = false): number {
  const outdir = mkdtempSync(join(tmpdir(), 'happy-synth-'));
  const started = performance.now();
  const result = spawnSync(
    join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'),
    [
      ...['synth', '--quiet', '--no-notices', '-o', outdir],
      ...['-c', `bundle=${bundle}`, '-c', `validateTemplates=${validateTemplates}`],
    ],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
      encoding: 'utf8',
    },
  );
  const elapsed = performance.now() - started;
  rmSync(outdir, { recursive: true, force: true });
  if (result.status !== 0) {
    throw new Error(`cdk synth failed with status ${result.status}:\n${result.stderr}`);
  }
  return elapsed;
}

async function bundleEntry(name: FunctionName, runs: number): Promise<BundleResult> {
  const outfile = join(PROJECT_ROOT, 'cdk.out', 'bench', name, 'index.mjs');
  mkdirSync(join(outfile, '..'), { recursive: true });
  await build({
    entryPoints: [entryPath(name)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_TARGET,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: MAIN_FIELDS,
    external: EXTERNAL_MODULES,
    banner: { js: ESM_REQUIRE_BANNER },
    logLevel: 'silent',
  });
  const bytes = statSync(outfile).size;
  const script =
    'const t = performance.now(); ' +
    `await import(${JSON.stringify(pathToFileURL(outfile).href)}); ` +
    'console.log(performance.now() - t);';
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    if (result.status !== 0) return { name, bytes, loadMs: Number.NaN, error: result.stderr };
    times.push(Number(result.stdout.trim()));
  }
  return { name, bytes, loadMs: median(times) };
}

function verdict(ok: boolean): string {
  return ok ? 'within target' : '**over target**';
}

interface SynthTimes {
  readonly default: number[];
  /** With -c validateTemplates=true. */
  readonly validated: number;
}

function report(synth: SynthTimes, bundled: boolean, bundles: BundleResult[]): string {
  const synthMs = synth.default;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# Cloud path build benchmark',
    '',
    `Recorded ${new Date().toISOString()} by \`npx tsx bench/cdk/synth-bench.ts\`.`,
    '',
    `- Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
      `${platform()} ${release()}`,
    `- Load average at the end (1, 5, 15 min): ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}; ` + 'other processes on the machine slow every number below.',
    `- Node ${process.version}; aws-cdk-lib ${versionOf('aws-cdk-lib')}, aws-cdk (CLI) ` +
      `${versionOf('aws-cdk')}, cdk-nag ${versionOf('cdk-nag')}, esbuild ${versionOf('esbuild')}`,
    '',
    '## cdk synth',
    '',
    `Wall time of \`cdk synth --quiet -c bundle=${bundled}\`, all stacks, cdk-nag included, ` +
      `${synthMs.length} runs: median ${(median(synthMs) / 1000).toFixed(1)} s ` +
      `(runs: ${synthMs.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s). ` +
      `Target under ${SYNTH_TARGET_MS / 1000} s: ${verdict(median(synthMs) < SYNTH_TARGET_MS)}.`,
    '',
    `With \`-c validateTemplates=true\`, which adds CDK's CloudFormation template validator ` +
      '(the tests under test/cdk always run it), one run took ' +
      `${(synth.validated / 1000).toFixed(1)} s.`,
    '',
  ];
  if (!bundled) {
    lines.push(
      'The entry modules were not all present, so this synth used placeholder code and ran no',
      'bundling; a synth that bundles takes longer by the esbuild time of each function.',
      '',
    );
  }
  lines.push('## Bundles', '');
  if (bundles.length === 0) {
    const expected = allFunctionNames().map((name) => `lambdas/entry/${name}.ts`);
    lines.push(`No entry module exists yet (expected ${expected.join(', ')}), so no bundle was`);
    lines.push('measured.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    `Targets: under ${SIZE_TARGET_BYTES / 1024} KB and an import under ${LOAD_TARGET_MS} ms ` +
      '(median of fresh Node processes, `@aws-sdk/*` loaded from node_modules).',
    '',
    '| function | bundle | import | verdict |',
    '| --- | --- | --- | --- |',
  );
  for (const b of bundles) {
    const ok = b.bytes < SIZE_TARGET_BYTES && b.loadMs < LOAD_TARGET_MS;
    const load = b.error ? `failed: ${b.error.split('\n')[0]}` : `${b.loadMs.toFixed(0)} ms`;
    lines.push(`| ${b.name} | ${(b.bytes / 1024).toFixed(0)} KB | ${load} | ${verdict(ok)} |`);
  }
  const missing = missingEntries();
  if (missing.length > 0) lines.push('', `Not measured, missing: ${missing.join(', ')}.`);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const runsFlag = process.argv.indexOf('--runs');
  const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 3;
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs expects a positive integer');

  const bundled = missingEntries().length === 0;
  const synthMs: number[] = [];
  for (let i = 0; i < runs; i++) synthMs.push(timeSynth(bundled));
  const validated = timeSynth(bundled, true);
  const present = allFunctionNames().filter((name) => existsSync(entryPath(name)));
  const bundles: BundleResult[] = [];
  for (const name of present) bundles.push(await bundleEntry(name, Math.max(runs, 5)));

  const text = report({ default: synthMs, validated }, bundled, bundles);
  writeFileSync(join(PROJECT_ROOT, 'bench', 'cdk', 'RESULTS.md'), text);
  console.log(text);
}

await main();
