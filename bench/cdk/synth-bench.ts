/**
 * Measures the wall time of `cdk synth` for the whole cloud path, as `npm run synth` runs it:
 * every stack, the cdk-nag checks, and each Lambda function bundled with the local esbuild.
 * Writes bench/cdk/RESULTS.md.
 *
 *   npx tsx bench/cdk/synth-bench.ts [--runs 3]
 *
 * Each run synthesizes into a new temporary folder, so no bundle is reused from an earlier run.
 * One more run with `-c bundle=false` shows how much of the time is bundling, and one with
 * `-c validateTemplates=true` what CDK's CloudFormation validator adds. The size and import time
 * of each bundle are measured by bench/bundles/bundle-bench.ts, not here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { allFunctionNames, PROJECT_ROOT } from '../../lib/lambda-entries.js';

const SYNTH_TARGET_MS = 10_000;
const RESULTS_FILE = join(PROJECT_ROOT, 'bench', 'cdk', 'RESULTS.md');

/** Context settings of one kind of synth, passed as `-c key=value`. */
interface SynthSettings {
  readonly bundle: boolean;
  readonly validateTemplates: boolean;
}

interface SynthTimes {
  /** Runs with the settings of `npm run synth`: bundling on, no template validator. */
  readonly bundled: number[];
  /** One run with `-c bundle=false`. */
  readonly unbundled: number;
  /** One run with bundling and `-c validateTemplates=true`. */
  readonly validated: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function versionOf(pkg: string): string {
  const file = join(PROJECT_ROOT, 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * Runs `cdk synth` into a temporary folder and returns its wall time in ms.
 *
 * @throws {Error} with the CLI's error output when the synth fails.
 */
function timeSynth(settings: SynthSettings): number {
  const outdir = mkdtempSync(join(tmpdir(), 'happy-synth-'));
  const context = Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  const started = performance.now();
  const result = spawnSync(
    join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'),
    ['synth', '--quiet', '--no-notices', '-o', outdir, ...context],
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

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function report(times: SynthTimes): string {
  const runs = times.bundled;
  const typical = median(runs);
  const verdict = typical < SYNTH_TARGET_MS ? 'within target' : '**over target**';
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# Cloud path synth benchmark',
    '',
    `Recorded ${new Date().toISOString()} by \`npx tsx bench/cdk/synth-bench.ts --runs ` +
      `${runs.length}\`.`,
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
    `Wall time of \`cdk synth --quiet\` as \`npm run synth\` runs it: all stacks, cdk-nag ` +
      `included, and the ${allFunctionNames().length} functions bundled with the local esbuild ` +
      `into a new folder each run. ${runs.length} runs: median ${seconds(typical)} ` +
      `(runs: ${runs.map(seconds).join(', ')}). Target under ${SYNTH_TARGET_MS / 1000} s: ` +
      `${verdict}.`,
    '',
    `- With \`-c bundle=false\` (placeholder code, no esbuild), one run took ` +
      `${seconds(times.unbundled)}.`,
    `- With \`-c validateTemplates=true\`, which adds CDK's CloudFormation template validator ` +
      `(the tests under test/cdk always run it), one run took ${seconds(times.validated)}.`,
    '',
    '## Bundles',
    '',
    'The size of each function bundle and the time to import it are measured by ' +
      '`npx tsx bench/bundles/bundle-bench.ts`, which records them in bench/bundles/RESULTS.md.',
  ];
  return `${lines.join('\n')}\n`;
}

function main(): void {
  const runsFlag = process.argv.indexOf('--runs');
  const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 3;
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`--runs expects a positive integer, received "${process.argv[runsFlag + 1]}".`);
  }

  const bundled: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    bundled.push(timeSynth({ bundle: true, validateTemplates: false }));
  }
  const unbundled = timeSynth({ bundle: false, validateTemplates: false });
  const validated = timeSynth({ bundle: true, validateTemplates: true });

  const text = report({ bundled, unbundled, validated });
  writeFileSync(RESULTS_FILE, text);
  console.log(text);
}

main();
