import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HandlerName, RouteDefinition } from '../../lambdas/handlers/routes.js';
import { acknowledgeHandlerAuth } from './route-acknowledgement.js';

/** Properties of {@link HappyHttpApi}. */
export interface HappyHttpApiProps {
  readonly apiName: string;
  /** The route table; each entry becomes one route with the same route key. */
  readonly routes: readonly RouteDefinition[];
  /** The function, usually an alias, that serves each handler's routes. */
  readonly targets: Readonly<Record<HandlerName, IFunction>>;
  /** Steady-state requests per second across all routes. */
  readonly rateLimit: number;
  /** Requests that may arrive at once above the steady rate. */
  readonly burstLimit: number;
  readonly logRetention: RetentionDays;
  /** Key that encrypts the access logs. @default the CloudWatch Logs default encryption */
  readonly logEncryptionKey?: IKey;
  /**
   * Whether to turn off the default `execute-api` endpoint, so that clients can reach the API
   * only through its custom domains. The stage then has no {@link HappyHttpApi.url}.
   * @default false
   */
  readonly disableExecuteApiEndpoint?: boolean;
}

/** Fields of each access log line, as JSON; `$context` variables of HTTP APIs. */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
};

/**
 * An HTTP API (payload format 2.0) with one route per entry of the route table, throttled on
 * its default stage, with JSON access logs. Construct ids derive from the route keys, so they
 * stay stable as routes are added.
 */
export class HappyHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly routeKeys: readonly string[];

  constructor(scope: Construct, id: string, props: HappyHttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      apiName: props.apiName,
      createDefaultStage: false,
      disableExecuteApiEndpoint: props.disableExecuteApiEndpoint ?? false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      ...(props.logEncryptionKey ? { encryptionKey: props.logEncryptionKey } : {}),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const integrations = new Map<HandlerName, HttpLambdaIntegration>();
    const integrationOf = (handler: HandlerName) => {
      const found = integrations.get(handler);
      if (found) return found;
      const created = new HttpLambdaIntegration(`${handler}-integration`, props.targets[handler]);
      integrations.set(handler, created);
      return created;
    };
    for (const route of props.routes) {
      const httpRoute = new HttpRoute(this, routeId(route), {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: integrationOf(route.handler),
      });
      acknowledgeHandlerAuth(httpRoute, route, ['AwsSolutions-APIG4']);
    }
    this.routeKeys = props.routes.map((route) => `${route.method} ${route.path}`);
  }

  /**
   * Returns the `execute-api` URL of the default stage, ending in `/`. Throws when the endpoint
   * is disabled.
   */
  get url(): string {
    return this.stage.url;
  }
}

/** Returns a construct id for a route, such as `GET_api_v1_{agent}_memory`. */
export function routeId(route: RouteDefinition): string {
  return `${route.method}${route.path.replaceAll('/', '_')}`;
}
