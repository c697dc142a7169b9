import { CfnOutput, Duration, Names, Stack, type StackProps } from 'aws-cdk-lib';
import { LambdaApplication, LambdaDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import type { Construct } from 'constructs';
import { ROUTES, type HandlerName } from '../lambdas/handlers/routes.js';
import type { HappyOsConfig } from './config/index.js';
import { ApiDomains } from './constructs/api-domains.js';
import type { AppNetwork } from './constructs/app-network.js';
import { CACHE_PORT } from './constructs/cache-cluster.js';
import { HandlerFunction } from './constructs/handler-function.js';
import { HappyHttpApi } from './constructs/happy-http-api.js';
import { HappyRestApi } from './constructs/happy-rest-api.js';
import type { DataStack } from './data-stack.js';
import { grantFunctionAccess } from './grants.js';
import {
  allFunctionNames,
  apiFunctionNames,
  environmentOf,
  TASK_WORKER,
  type EntryEnvironmentValues,
  type FunctionName,
} from './lambda-entries.js';

/** Properties of {@link ApiStack}. */
export interface ApiStackProps extends StackProps {
  readonly config: HappyOsConfig;
  readonly network: AppNetwork;
  readonly data: DataStack;
}

/**
 * The functions and the API in front of them. There is one function per handler of the route
 * table, plus the queue-fed task worker, each published through its `live` alias with a gradual
 * deployment. An HTTP API serves the routes of the route table (a REST API for LocalStack), and
 * with failover settings the API gets its custom domains.
 */
export class ApiStack extends Stack {
  readonly functions: Readonly<Record<FunctionName, HandlerFunction>>;
  /** The HTTP API; undefined for LocalStack. */
  readonly httpApi?: HappyHttpApi;
  /** The REST API; only for LocalStack. */
  readonly restApi?: HappyRestApi;
  /** Route keys of the API, such as `GET /health`. */
  readonly routeKeys: readonly string[];
  /** Base URL of the API: the failover name with failover settings, else the stage's URL. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, network, data } = props;
    const local = config.target === 'localstack';
    const values = entryEnvironment(config, data);
    const deploymentConfig = config.functions.deploymentConfig;
    const application = deploymentConfig
      ? new LambdaApplication(this, 'Deployments', { applicationName: `happy-os-${config.stage}` })
      : undefined;

    const functions = {} as Record<FunctionName, HandlerFunction>;
    for (const name of allFunctionNames()) {
      const worker = name === TASK_WORKER;
      functions[name] = new HandlerFunction(this, constructId(name), {
        name,
        functionName: `happy-os-${config.stage}-${name}`,
        environment: environmentOf(name, values),
        vpc: network.vpc,
        subnets: network.appSubnets,
        securityGroup: network.functionsSecurityGroup,
        memoryMiB: config.functions.memoryMiB,
        timeout: Duration.seconds(
          worker ? config.functions.workerTimeoutSeconds : config.functions.timeoutSeconds,
        ),
        bundle: config.bundle,
        logRetention: config.logRetentionDays,
        logEncryptionKey: data.logsKey,
        // The worker has no latency target, so only a p99 at 80% of its timeout rolls it back.
        durationAlarmMs: worker
          ? config.functions.workerTimeoutSeconds * 800
          : config.functions.durationAlarmMs,
        ...(deploymentConfig ? { deploymentConfig: LambdaDeploymentConfig[deploymentConfig] } : {}),
        ...(application ? { application } : {}),
      });
      grantFunctionAccess(functions[name].role, name, data);
    }
    this.functions = functions;
    // A plain mapping, because SqsEventSource would also grant kms:Decrypt on the queue's key
    // without the kms:ViaService condition that grantFunctionAccess sets. The id is the one
    // SqsEventSource used, so the mapping is not replaced. Lambda rejects a second mapping of
    // the same queue and function, which a replacement would create first.
    functions[TASK_WORKER].alias.addEventSourceMapping(
      `SqsEventSource:${Names.nodeUniqueId(data.tasks.queue.node)}`,
      {
        eventSourceArn: data.tasks.queue.queueArn,
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      },
    );

    const targets = Object.fromEntries(
      apiFunctionNames().map((name) => [name, functions[name].alias]),
    ) as Record<HandlerName, HandlerFunction['alias']>;
    const apiProps = {
      apiName: `happy-os-${config.stage}`,
      routes: ROUTES,
      targets,
      rateLimit: config.api.rateLimit,
      burstLimit: config.api.burstLimit,
      logRetention: config.logRetentionDays,
      logEncryptionKey: data.logsKey,
    };
    if (local) {
      // The configuration rejects failover settings with LocalStack, so this API has no custom
      // domain, and its execute-api endpoint stays on as its only URL.
      this.restApi = new HappyRestApi(this, 'RestApi', { ...apiProps, stageName: config.stage });
      this.routeKeys = this.restApi.routeKeys;
      this.url = this.restApi.api.url;
    } else {
      // With custom domains, the execute-api endpoint would let clients bypass the failover
      // name, so it is off, and the failover name is the API's URL.
      this.httpApi = new HappyHttpApi(this, 'HttpApi', {
        ...apiProps,
        disableExecuteApiEndpoint: config.failover !== undefined,
      });
      this.routeKeys = this.httpApi.routeKeys;
      this.url = config.failover ? `https://${config.failover.failoverDomain}/` : this.httpApi.url;
      if (config.failover) {
        new ApiDomains(this, 'Domains', {
          failover: config.failover,
          api: this.httpApi.api,
          stage: this.httpApi.stage,
        });
      }
    }
    new CfnOutput(this, 'ApiUrl', { value: this.url, description: 'Base URL of the API' });
    if (config.failover) {
      // The failover name points at the edge during an outage, so a router or a drill that
      // needs the cloud path itself takes this URL.
      new CfnOutput(this, 'CloudUrl', {
        value: `https://${config.failover.cloudDomain}/`,
        description: 'Base URL of the cloud path alone, without DNS failover',
      });
    }
  }
}

function entryEnvironment(config: HappyOsConfig, data: DataStack): EntryEnvironmentValues {
  const cacheSecret = data.secrets.cacheAuthToken;
  return {
    stage: config.stage,
    apiEventFormat: config.target === 'localstack' ? '1.0' : '2.0',
    openSearchEndpoint: data.search.endpointUrl,
    ...(data.cache && cacheSecret
      ? {
          cache: {
            endpoint: data.cache.endpoint,
            port: String(CACHE_PORT),
            authSecretArn: cacheSecret.secretArn,
          },
        }
      : {}),
    signingKeySecretArn: data.secrets.signingKey.secretArn,
    adminTokenSecretArn: data.secrets.adminToken.secretArn,
    replicationTokenSecretArn: data.secrets.replicationToken.secretArn,
    taskQueueUrl: data.tasks.queue.queueUrl,
    filesBucket: data.files.bucket.bucketName,
  };
}

/** Returns a construct id for a function, such as `TaskWorker` for `task-worker`. */
function constructId(name: FunctionName): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
