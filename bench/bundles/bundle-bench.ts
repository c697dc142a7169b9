/**
 * Measures each Lambda function's bundle: the size of the minified bundle and of its source map,
 * the packages that make up the bundle, and the time a fresh Node process takes to import it.
 * Writes bench/bundles/RESULTS.md, keeping its hand-written part from the heading "Findings" on.
 *
 *   npx tsx bench/bundles/bundle-bench.ts [--runs 9]
 *
 * Bundles are built as the CDK stacks build them (`buildFunctionBundles` in
 * lib/constructs/bundling.ts). They are built once more with the AWS SDK treated the other way,
 * bundled when the stacks leave it out and left out when they bundle it, to show what that
 * choice costs.
 * Each bundle is written under cdk.out/bundle-bench/, inside the project, so a module left out
 * of it resolves from node_modules when it is imported, as the Lambda runtime provides the SDK.
 * Each import runs in a new `node` process with the environment the stack gives that function,
 * `NODE_OPTIONS=--enable-source-maps` included. It is Node's import time on this machine, not
 * a Lambda cold start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import {
  BUNDLE_FILE,
  buildFunctionBundles,
  EXTERNAL_MODULES,
} from '../../lib/constructs/bundling.js';
import {
  allFunctionNames,
  environmentOf,
  PROJECT_ROOT,
  type EntryEnvironmentValues,
  type FunctionName,
} from '../../lib/lambda-entries.js';

const SIZE_TARGET_BYTES = 500 * 1024;
const LOAD_TARGET_MS = 200;
const OUT_DIR = join(PROJECT_ROOT, 'cdk.out', 'bundle-bench');
const RESULTS_FILE = join(PROJECT_ROOT, 'bench', 'bundles', 'RESULTS.md');
/** Heading of the hand-written part of RESULTS.md, which a new run keeps as it is. */
const FINDINGS_HEADING = '## Findings';

/** Values of a deployed stage; the import only parses them, it contacts nothing. */
const SAMPLE_VALUES: EntryEnvironmentValues = {
  stage: 'dev',
  apiEventFormat: '2.0',
  openSearchEndpoint: 'https://search-happy-dev.eu-west-1.es.amazonaws.com',
  cache: {
    endpoint: 'master.happy-dev.example.euw1.cache.amazonaws.com',
    port: '6379',
    authSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cache',
  },
  signingKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:key',
  adminTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:admin',
  replicationTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:repl',
  taskQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/happy-dev-tasks',
  filesBucket: 'happy-dev-files',
};

/** One way of bundling: the stacks' settings, or those with the AWS SDK treated the other way. */
interface Variant {
  readonly label: string;
  readonly external: string[];
}

interface BundleResult {
  readonly name: FunctionName;
  readonly bytes: number;
  readonly mapBytes: number;
  readonly loadMs: number[];
  /** Bytes in the bundle per package (or project folder), largest first. */
  readonly parts: [string, number][];
  readonly error?: string;
}

/** Builds every function's bundle the given way, then imports each `runs` times. */
function measureVariant(variant: Variant, outDir: string, runs: number): BundleResult[] {
  const names = allFunctionNames();
  const { folders, metafile } = buildFunctionBundles(names, outDir, variant.external);
  return names.map((name) => {
    const outfile = join(folders.get(name) ?? '', BUNDLE_FILE);
    const bytes = statSync(outfile).size;
    const mapBytes = statSync(`${outfile}.map`).size;
    const parts = partsOf(metafile, outfile);
    const loadMs: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const load = importTime(name, outfile);
      if (typeof load === 'string') return { name, bytes, mapBytes, loadMs, parts, error: load };
      loadMs.push(load);
    }
    return { name, bytes, mapBytes, loadMs, parts };
  });
}

/** Imports a bundle in a new Node process; returns the time in ms, or the error output. */
function importTime(name: FunctionName, outfile: string): number | string {
  const script =
    'const started = performance.now(); ' +
    `await import(${JSON.stringify(pathToFileURL(outfile).href)}); ` +
    'process.stdout.write(String(performance.now() - started));';
  const env = {
    PATH: process.env.PATH,
    ...environmentOf(name, SAMPLE_VALUES),
    AWS_REGION: 'eu-west-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const child = spawnSync(
    process.execPath,
    ['--no-warnings', '--input-type=module', '-e', script],
    {
      cwd: PROJECT_ROOT,
      env,
      encoding: 'utf8',
    },
  );
  if (child.status !== 0) return child.stderr.split('\n').find((line) => line.trim()) ?? 'failed';
  return Number(child.stdout.trim());
}

/** Sums the bytes each package, or each project folder, adds to one bundle. */
function partsOf(metafile: Metafile, outfile: string): [string, number][] {
  const output = Object.entries(metafile.outputs).find(([path]) => resolve(path) === outfile);
  const parts = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output?.[1].inputs ?? {})) {
    const key = partName(path);
    parts.set(key, (parts.get(key) ?? 0) + bytesInOutput);
  }
  return [...parts.entries()].sort((a, b) => b[1] - a[1]);
}

function partName(path: string): string {
  const segments = path.split('/');
  const at = segments.lastIndexOf('node_modules');
  if (at < 0) return segments.slice(0, 2).join('/');
  const scoped = segments[at + 1]?.startsWith('@');
  return segments.slice(at + 1, at + (scoped ? 3 : 2)).join('/');
}

/** Returns the hand-written findings of the current RESULTS.md, from their heading on. */
function keptFindings(): string {
  if (!existsSync(RESULTS_FILE)) return '';
  const current = readFileSync(RESULTS_FILE, 'utf8');
  const start = current.indexOf(`\n${FINDINGS_HEADING}\n`);
  return start < 0 ? '' : current.slice(start + 1);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function versionOf(pkg: string): string {
  const file = join(PROJECT_ROOT, 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

function table(results: BundleResult[]): string[] {
  const lines = [
    '| function | bundle | source map | import, median | import, min–max | size | import |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const r of results) {
    const load = median(r.loadMs);
    const range = r.error
      ? `failed: ${r.error}`
      : `${Math.min(...r.loadMs).toFixed(0)}–${Math.max(...r.loadMs).toFixed(0)} ms`;
    const sizeOk = r.bytes < SIZE_TARGET_BYTES ? 'within' : '**over**';
    const loadOk = load < LOAD_TARGET_MS ? 'within' : '**over**';
    lines.push(
      `| ${r.name} | ${kb(r.bytes)} | ${kb(r.mapBytes)} | ${load.toFixed(0)} ms | ${range} | ` +
        `${sizeOk} | ${loadOk} |`,
    );
  }
  return lines;
}

function partsTable(results: BundleResult[]): string[] {
  const names = [...new Set(results.flatMap((r) => r.parts.slice(0, 10).map(([name]) => name)))];
  const lines = [
    `| part | ${results.map((r) => r.name).join(' | ')} |`,
    `| --- | ${results.map(() => '---:').join(' | ')} |`,
  ];
  for (const name of names) {
    const cells = results.map((r) => kb(r.parts.find(([part]) => part === name)?.[1] ?? 0));
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  return lines;
}

function report(variants: Variant[], results: BundleResult[][], runs: number): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# Lambda bundle benchmark',
    '',
    `Recorded ${new Date().toISOString()} by \`npx tsx bench/bundles/bundle-bench.ts --runs ${runs}\`.`,
    '',
    `- Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
      `${platform()} ${release()}`,
    `- Load average at the end (1, 5, 15 min): ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}; ` + 'other processes on the machine slow the import times.',
    `- Node ${process.version}; esbuild ${versionOf('esbuild')}, @aws-sdk/client-s3 ` +
      `${versionOf('@aws-sdk/client-s3')}, @redis/client ${versionOf('@redis/client')}, ` +
      `@opensearch-project/opensearch ${versionOf('@opensearch-project/opensearch')}, ` +
      `zod ${versionOf('zod')}, @aws-lambda-powertools/tracer ` +
      `${versionOf('@aws-lambda-powertools/tracer')}`,
    `- Targets: bundle under ${SIZE_TARGET_BYTES / 1024} KB, import under ${LOAD_TARGET_MS} ms ` +
      `(median of ${runs} new Node processes).`,
    '',
  ];
  variants.forEach((variant, i) => {
    lines.push(`## ${variant.label}`, '', ...table(results[i] ?? []), '');
  });
  lines.push(
    `## What the ${variants[0]?.label} bundles are made of`,
    '',
    'Bytes each package (or project folder) adds to the minified bundle, from the esbuild ' +
      'metafile; the ten largest of each bundle.',
    '',
    ...partsTable(results[0] ?? []),
    '',
  );
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const runsFlag = process.argv.indexOf('--runs');
  const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 9;
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs expects a positive integer.');

  const deployed = EXTERNAL_MODULES;
  const sdkExternal = deployed.includes('@aws-sdk/*');
  const variants: Variant[] = [
    {
      label: `As deployed (${sdkExternal ? 'AWS SDK from the runtime' : 'AWS SDK bundled'})`,
      external: deployed,
    },
    {
      label: sdkExternal ? 'Alternative: AWS SDK bundled' : 'Alternative: AWS SDK from the runtime',
      external: sdkExternal
        ? deployed.filter((m) => m !== '@aws-sdk/*')
        : [...deployed, '@aws-sdk/*'],
    },
  ];
  rmSync(OUT_DIR, { recursive: true, force: true });
  const results = variants.map((variant, i) =>
    measureVariant(variant, join(OUT_DIR, `variant-${i}`), runs),
  );
  const text = report(variants, results, runs);
  writeFileSync(RESULTS_FILE, `${text}${keptFindings()}`);
  console.log(text);
}

await main();
