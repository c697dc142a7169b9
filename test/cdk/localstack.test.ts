import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ROUTES, routeKeyOf } from '../../lambdas/handlers/routes.js';
import { SYNTH_TIMEOUT_MS, synthHappyOs } from './support.js';

const LOCALSTACK = { target: 'localstack' };

/** Rebuilds `METHOD /path` keys from the REST API's resource tree and methods. */
function restRouteKeys(api: Template): string[] {
  const resources = api.findResources('AWS::ApiGateway::Resource');
  const pathOf = (parent: unknown): string => {
    const ref = (parent as { Ref?: string }).Ref;
    const resource = ref ? resources[ref] : undefined;
    if (!resource) return '';
    return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}`;
  };
  return Object.values(api.findResources('AWS::ApiGateway::Method')).map(
    (method) => `${method.Properties.HttpMethod} ${pathOf(method.Properties.ResourceId)}`,
  );
}

describe('localstack target', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('serves the same routes through a REST API', () => {
    const { stacks, template } = synthHappyOs(LOCALSTACK);
    const api = template(stacks.api);

    api.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    api.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    expect(restRouteKeys(api).sort()).toEqual(ROUTES.map(routeKeyOf).sort());
    api.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'dev',
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
    });
  });

  it('keeps the execute-api endpoint of the REST API on', () => {
    const { stacks, template } = synthHappyOs(LOCALSTACK);
    const api = template(stacks.api);

    api.hasResourceProperties('AWS::ApiGateway::RestApi', {
      DisableExecuteApiEndpoint: Match.absent(),
    });
    expect(JSON.stringify(api.findOutputs('ApiUrl'))).toContain('execute-api');
  });

  it('has no ElastiCache and no CodeDeploy', () => {
    const { stacks, template } = synthHappyOs(LOCALSTACK);

    template(stacks.data).resourceCountIs('AWS::ElastiCache::ReplicationGroup', 0);
    template(stacks.api).resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 0);
    const functions = Object.values(template(stacks.api).findResources('AWS::Lambda::Function'));
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables.REDIS_ENDPOINT).toBeUndefined();
    }
  });

  it('tells the functions the REST event format', () => {
    const { stacks, template } = synthHappyOs(LOCALSTACK);
    const functions = template(stacks.api).findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: 'happy-os-dev-memory' },
    });

    expect(Object.values(functions)[0]?.Properties.Environment.Variables).toMatchObject({
      HAPPY_API_EVENT_FORMAT: '1.0',
    });
    expect(stacks.api.account).toBe('000000000000');
  });

  it('references other stacks with Fn::ImportValue', () => {
    const { stacks, template } = synthHappyOs(LOCALSTACK);
    const api = JSON.stringify(template(stacks.api).toJSON());

    expect(api).toContain('Fn::ImportValue');
    expect(api).not.toContain('Fn::GetStackOutput');
  });
});
