import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { fromPowertoolsLogger } from '../adapters/powertools-logger.js';
import type { BreakerReport } from '../handlers/services.js';
import type { AppLogger } from '../ports/index.js';
import { createSecretsClient } from './secrets-client.js';
import type { AwsPartsFactory } from './cloud-aws.js';
import { composeCloudNode, type CloudNode } from './cloud-node.js';
import type { CloudEnvironment } from './environment.js';
import { SecretsManagerValues } from './secrets.js';

/**
 * Name of the metric that is 1 while a breaker is open; the CDK dashboard and alarms read it
 * under this name (`APP_METRICS.breakerOpen` in lib/lambda-entries.ts).
 */
export const BREAKER_OPEN_METRIC = 'BreakerOpen';

/**
 * Name of the metric that counts 5xx responses (`APP_METRICS.responses5xx` in
 * lib/lambda-entries.ts). Each API function publishes it twice: with the `service` dimension
 * alone, for the dashboard and the service alarm, and once more per function.
 */
export const RESPONSES_5XX_METRIC = 'Responses5xx';

/**
 * Dimension that names the function in the per-function 5xx count, on which its deployment
 * rolls back (`FUNCTION_METRIC_DIMENSION` in lib/lambda-entries.ts).
 */
export const FUNCTION_DIMENSION = 'function';

/**
 * Publishes one 5xx response of `functionName` at once, as its own EMF record with the
 * dimensions `service` and {@link FUNCTION_DIMENSION}. A single-metric record keeps the extra
 * dimension off the function's other metrics and off the per-service 5xx count.
 */
export function publishFunction5xx(metrics: Metrics, functionName: string): void {
  const record = metrics.singleMetric();
  record.addDimension(FUNCTION_DIMENSION, functionName);
  record.addMetric(RESPONSES_5XX_METRIC, MetricUnit.Count, 1);
}

/** State that a function keeps for the life of its instance. */
export interface FunctionRuntime {
  readonly logger: Logger;
  readonly appLogger: AppLogger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
  /** The composed node, built at the first invocation and kept; see {@link LazyNode}. */
  readonly node: LazyNode;
  /** Publishes `BreakerOpen` when a breaker changed state since the last call. */
  reportBreakers(reports: readonly BreakerReport[]): void;
}

/**
 * Creates the Powertools utilities and the lazy node of one function. It runs in module scope:
 * it builds clients but opens no connection. Powertools reads `POWERTOOLS_SERVICE_NAME`,
 * `POWERTOOLS_METRICS_NAMESPACE` and `LOG_LEVEL` from the environment itself. `awsParts` is
 * needed by a function with a task queue or a files bucket (see `CloudNodeDeps.awsParts`).
 */
export function createFunctionRuntime(
  environment: CloudEnvironment,
  awsParts?: AwsPartsFactory,
): FunctionRuntime {
  const logger = new Logger();
  const appLogger = fromPowertoolsLogger(logger);
  const metrics = new Metrics();
  const tracer = new Tracer();
  const secrets = new SecretsManagerValues(environment.secretArns, {
    client: createSecretsClient(environment.config.aws),
    onStaleValue: (name, error) =>
      logger.warn('Reading a secret failed; the last value read stays in use.', {
        secret: name,
        error: String(error),
      }),
  });
  const node = new LazyNode(
    () =>
      composeCloudNode(environment.config, {
        secrets,
        logger: appLogger,
        powertools: { logger, metrics, tracer },
        awsParts,
      }),
    appLogger,
  );
  const states = new Map<string, BreakerReport['state']>();
  const reportBreakers = (reports: readonly BreakerReport[]) => {
    let changed = false;
    for (const report of reports) {
      const previous = states.get(report.name);
      states.set(report.name, report.state);
      if (previous === undefined || previous === report.state) continue;
      metrics.addMetric(BREAKER_OPEN_METRIC, MetricUnit.Count, report.state === 'open' ? 1 : 0);
      changed = true;
    }
    if (changed) metrics.publishStoredMetrics();
  };
  return { logger, appLogger, metrics, tracer, node, reportBreakers };
}

/**
 * The cloud node of an instance, composed at the first invocation and reused by the next ones.
 * A composition that fails is retried at the next invocation, and so is an `ensureIndices`
 * that fails: requests are served meanwhile, because the indices usually exist already.
 */
export class LazyNode {
  private composed?: Promise<CloudNode>;
  private indicesReady = false;

  constructor(
    private readonly compose: () => Promise<CloudNode>,
    private readonly logger: AppLogger,
  ) {}

  /**
   * Returns the node, composing it and ensuring its indices on first use.
   *
   * @throws the composition's error, such as `SecretReadError`.
   */
  async get(): Promise<CloudNode> {
    this.composed ??= this.compose();
    let node: CloudNode;
    try {
      node = await this.composed;
    } catch (error) {
      this.composed = undefined;
      throw error;
    }
    if (!this.indicesReady) await this.ensureIndices(node);
    return node;
  }

  /** Closes the node's connections, if it was composed; the next {@link get} composes anew. */
  async close(): Promise<void> {
    const composed = this.composed;
    this.composed = undefined;
    this.indicesReady = false;
    const node = await composed?.catch(() => undefined);
    await node?.close();
  }

  private async ensureIndices(node: CloudNode): Promise<void> {
    try {
      await node.ensureIndices();
      this.indicesReady = true;
    } catch (error) {
      this.logger.warn('Creating the OpenSearch indices failed; retrying at the next request.', {
        error: String(error),
      });
    }
  }
}
