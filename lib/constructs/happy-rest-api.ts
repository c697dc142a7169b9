import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HandlerName, RouteDefinition } from '../../lambdas/handlers/routes.js';
import { acknowledgeHandlerAuth } from './route-acknowledgement.js';

/** Properties of {@link HappyRestApi}. */
export interface HappyRestApiProps {
  readonly apiName: string;
  /** Stage name, which is also the first path segment of the URL. */
  readonly stageName: string;
  /** The route table; each entry becomes one method on the resource of its path. */
  readonly routes: readonly RouteDefinition[];
  /** The function, usually an alias, that serves each handler's routes. */
  readonly targets: Readonly<Record<HandlerName, IFunction>>;
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly logRetention: RetentionDays;
  /** Key that encrypts the access logs. @default the CloudWatch Logs default encryption */
  readonly logEncryptionKey?: IKey;
}

/**
 * A regional REST API (Lambda proxy, payload format 1.0) with the same routes as the HTTP API,
 * for LocalStack's free edition, which serves REST APIs but not HTTP APIs. Its stage is
 * throttled, writes JSON access logs and logs errors to CloudWatch.
 */
export class HappyRestApi extends Construct {
  readonly api: RestApi;
  readonly routeKeys: readonly string[];

  constructor(scope: Construct, id: string, props: HappyRestApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      ...(props.logEncryptionKey ? { encryptionKey: props.logEncryptionKey } : {}),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api = new RestApi(this, 'Api', {
      restApiName: props.apiName,
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.DESTROY,
      deployOptions: {
        stageName: props.stageName,
        throttlingRateLimit: props.rateLimit,
        throttlingBurstLimit: props.burstLimit,
        loggingLevel: MethodLoggingLevel.ERROR,
        tracingEnabled: true,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
      },
    });
    this.acknowledgeApiFindings();

    const integrations = new Map<HandlerName, LambdaIntegration>();
    for (const route of props.routes) {
      let integration = integrations.get(route.handler);
      if (!integration) {
        integration = new LambdaIntegration(props.targets[route.handler]);
        integrations.set(route.handler, integration);
      }
      const method = this.api.root.resourceForPath(route.path).addMethod(route.method, integration);
      acknowledgeHandlerAuth(method, route, ['AwsSolutions-APIG4', 'AwsSolutions-COG4']);
    }
    this.routeKeys = props.routes.map((route) => `${route.method} ${route.path}`);
  }

  private acknowledgeApiFindings(): void {
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason: 'The handlers validate every body with the zod schemas the edge uses too.',
    });
    const cloudWatchRole = this.api.node.findChild('CloudWatchRole');
    Validations.of(cloudWatchRole).acknowledge({
      id:
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/' +
        'AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'API Gateway writes execution logs through this account-level role; AWS documents this ' +
        'managed policy for it, and it only creates and writes log groups and streams.',
    });
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason: 'This REST API exists only for LocalStack, which has no WAF in its free edition.',
    });
  }
}
