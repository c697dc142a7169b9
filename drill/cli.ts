import { Command, type CommanderError } from 'commander';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { formatMs } from './durations.js';
import { runDrill } from './engine.js';
import { DrillError, DrillOptionsError } from './errors.js';
import { ERROR_RATE, LATENCY_FAULT_MS } from './faults.js';
import { DrillHttp } from './http.js';
import {
  DEFAULTS,
  FAULTS,
  TARGETS,
  validateDrillOptions,
  type RawDrillOptions,
} from './options.js';
import { createProgressDisplay } from './progress.js';
import { exitCodeOf } from './report/assemble.js';
import { renderSummary } from './report/summary.js';
import { replayJournal } from './undo.js';

/** Output streams of the command, replaceable in tests. */
export interface CommandIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

const FAULT_HELP = `faults:
  primary-down   the router refuses connections to the primary (router fault "down")
  primary-crash  SIGKILL of the local cloud process, started again for the recovery (local only)
  latency        the router delays requests to the primary by ${formatMs(LATENCY_FAULT_MS)}
  error-rate     the router fails ${ERROR_RATE * 100}% of requests to the primary with 503
  lambda         reserved concurrency 0 on every function of the stage (localstack, aws)
  elasticache    local: the cloud stand-in's Redis connections are cut; localstack, aws:
                 ElastiCache TestFailover of the stage's replication group
  opensearch, s3 local: the cloud stand-in's OpenSearch or moto connections are cut (needs
                 OPENSEARCH_URL and MOTO_URL); localstack: error rules of its chaos endpoint

exit status: 0 every promise kept, 1 a promise broken, 2 invalid options or the drill could
not run, 130 interrupted. Remote targets read HAPPY_ADMIN_TOKEN and HAPPY_REPLICATION_TOKEN.`;

/**
 * Ends the process after commander has printed help or a usage error. Commander would exit with
 * 1 on an unknown option or a missing value, which here means a broken promise, so usage errors
 * exit with 2 like every other invalid option.
 */
function exitOnUsageError(error: CommanderError): never {
  process.exit(error.exitCode === 0 ? 0 : 2);
}

/** Builds the `drill` command: options, help text and the action that runs a drill. */
export function createDrillCommand(io: CommandIo = process): Command {
  return new Command('drill')
    .description('Rehearse an outage on real agent traffic and report what users saw.')
    .exitOverride(exitOnUsageError)
    .option('--target <name>', `where to drill: ${TARGETS.join(', ')}`, DEFAULTS.target)
    .option('--fault <name>', `what fails during the outage: ${FAULTS.join(', ')}`, DEFAULTS.fault)
    .option(
      '--warmup <duration>',
      'traffic before the fault, such as 15s or 1500ms',
      DEFAULTS.warmup,
    )
    .option('--outage <duration>', 'time the fault lasts', DEFAULTS.outage)
    .option('--recovery <duration>', 'traffic after the fault is cleared', DEFAULTS.recovery)
    .option('--rate <n>', 'requests per second over all agents', DEFAULTS.rate)
    .option(
      '--agents <n>',
      'agents; with --workload, conversations are taken until this many',
      DEFAULTS.agents,
    )
    .option('--workload <path>', 'LoCoMo JSON file or folder (default: a synthetic workload)')
    .option(
      '--report <dir>',
      'folder of report.json, report.html and the undo journal',
      DEFAULTS.report,
    )
    .option('--api-url <url>', 'remote: the health router in front of cloud and edge')
    .option('--edge-url <url>', 'remote: the edge service, for its outbox')
    .option(
      '--primary-url <url>',
      "remote: the cloud API to read writes back from (default: the router's primary)",
    )
    .option('--stage <name>', 'remote: stage of the deployed stacks', DEFAULTS.stage)
    .option('--aws-region <region>', 'remote: AWS region (default: AWS_REGION, else us-east-1)')
    .option(
      '--aws-endpoint <url>',
      `remote: AWS API endpoint (localstack default: ${DEFAULTS.localstackEndpoint})`,
    )
    .option('--undo', 'restore what a crashed drill left in the --report folder, then exit')
    .addHelpText('after', `\n${FAULT_HELP}`)
    .action(async (raw: RawDrillOptions & { undo?: boolean }) => {
      process.exitCode = raw.undo ? await undoCommand(raw, io) : await drillCommand(raw, io);
    });
}

/** Builds the `happy` program, whose subcommands are the project's tools. */
export function createHappyProgram(io: CommandIo = process): Command {
  return new Command('happy')
    .description('Happy OS command-line tools.')
    .exitOverride(exitOnUsageError)
    .addCommand(createDrillCommand(io));
}

/** Validates the options, runs the drill with a progress display and prints the summary. */
export async function drillCommand(raw: RawDrillOptions, io: CommandIo): Promise<number> {
  let options;
  try {
    options = validateDrillOptions(raw);
  } catch (error) {
    if (!(error instanceof DrillOptionsError)) throw error;
    io.stderr.write(`${error.message}\nRun with --help for the options.\n`);
    return 2;
  }

  const controller = new AbortController();
  const interrupt = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    io.stderr.write(
      `\n${signal}: ending the drill, restoring every change (again to quit at once)\n`,
    );
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const progress = createProgressDisplay(options, io.stderr);
  const logFile = join(options.reportDir, 'drill.log');
  try {
    const logger = pino(
      { level: 'info' },
      pino.destination({ dest: logFile, mkdir: true, sync: true }),
    );
    const report = await runDrill(options, {
      observer: progress,
      signal: controller.signal,
      logger,
    });
    progress.stop();
    io.stdout.write(`${renderSummary(report)}\n`);
    io.stdout.write(
      `Report: ${join(options.reportDir, 'report.html')} (and report.json); log: ${logFile}\n`,
    );
    return exitCodeOf(report);
  } catch (error) {
    progress.stop();
    if (!(error instanceof DrillError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return 2;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

async function undoCommand(raw: RawDrillOptions, io: CommandIo): Promise<number> {
  const reportDir = resolve(raw.report ?? DEFAULTS.report);
  const http = new DrillHttp();
  try {
    const result = await replayJournal(reportDir, {
      http,
      adminToken: process.env.HAPPY_ADMIN_TOKEN,
    });
    for (const line of result.restored) io.stdout.write(`restored: ${line}\n`);
    for (const line of result.failed) io.stderr.write(`not restored: ${line}\n`);
    if (result.restored.length + result.failed.length === 0) {
      io.stdout.write(`Nothing to restore in ${reportDir}.\n`);
    }
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    await http.close();
  }
}
