import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkOpenSearchDomain,
  describeReplicationGroup,
  failoverReplicationGroup,
  readReservedConcurrency,
  stageFunctionNames,
  throttleFunctions,
  type AwsClients,
} from '../../drill/aws-faults.js';
import { AwsDependencyFaults } from '../../drill/dependency-faults.js';
import { FaultError } from '../../drill/errors.js';
import { DrillHttp } from '../../drill/http.js';
import { UndoJournal } from '../../drill/journal.js';
import { injectChaosRule } from '../../drill/localstack-chaos.js';
import { replayJournal } from '../../drill/undo.js';
import { createStage, MOTO_CREDENTIALS, motoSettings, motoSuiteTitle, motoUrl } from './moto.js';
import { removeTempDirs, tempDir } from './support.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

const reportDir = () => tempDir('aws');
afterAll(removeTempDirs);
// Stages are 1-12 characters; a fresh one per run keeps reruns against one moto apart.
const stage = `t${Date.now().toString(36).slice(-7)}`;

describe.skipIf(!motoUrl())(motoSuiteTitle('AWS faults against moto'), () => {
  let clients: AwsClients;
  const http = new DrillHttp();
  const functions = stageFunctionNames(stage);
  const reserved = () =>
    Promise.all(functions.map((name) => readReservedConcurrency(clients.lambda, name)));

  beforeAll(async () => {
    clients = await createStage(stage, 5);
  });
  afterAll(() => http.close());

  it('throttles every function of the stage and restores the previous values', async () => {
    const journal = new UndoJournal(reportDir());

    const fault = await throttleFunctions(clients, motoSettings(), functions, journal);
    const during = await reserved();
    await fault.clear();

    expect(during).toEqual(functions.map(() => 0));
    expect(await reserved()).toEqual([5, ...functions.slice(1).map(() => null)]);
    expect(journal.pending()).toEqual([]);
  });

  it('records each previous value before the change', async () => {
    const journal = new UndoJournal(reportDir());

    const fault = await throttleFunctions(clients, motoSettings(), functions, journal);
    const entries = journal.pending().map((pending) => pending.entry);
    await fault.clear();

    expect(entries).toHaveLength(functions.length);
    expect(entries[0]).toEqual({
      kind: 'lambda-concurrency',
      region: 'us-east-1',
      endpoint: motoUrl(),
      functionName: functions[0],
      previous: 5,
    });
  });

  it('restores the functions of a crashed drill from its journal', async () => {
    const dir = reportDir();
    await throttleFunctions(clients, motoSettings(), functions, new UndoJournal(dir));

    const result = await replayJournal(dir, { http, credentials: MOTO_CREDENTIALS });

    expect(result.failed).toEqual([]);
    expect(result.restored).toHaveLength(functions.length);
    expect(result.restored.at(-1)).toBe(
      `Lambda function ${functions[0]} has reserved concurrency 5 again.`,
    );
    expect(await reserved()).toEqual([5, ...functions.slice(1).map(() => null)]);
    expect(new UndoJournal(dir).pending()).toEqual([]);
  });

  it('restores the functions already changed when one is missing', async () => {
    const journal = new UndoJournal(reportDir());
    const names = [functions[0] as string, `happy-os-${stage}-missing`];

    await expect(throttleFunctions(clients, motoSettings(), names, journal)).rejects.toThrow(
      /Setting reserved concurrency 0 on happy-os-.*-missing failed: ResourceNotFoundException/,
    );
    expect(await readReservedConcurrency(clients.lambda, functions[0] as string)).toBe(5);
    expect(journal.pending()).toEqual([]);
  });

  it('reads the replication group of the stage', async () => {
    const group = await describeReplicationGroup(clients.elasticache, `happy-os-${stage}`);

    expect(group?.Status).toBe('available');
    expect(await describeReplicationGroup(clients.elasticache, 'happy-os-none')).toBeNull();
  });

  // moto 5.2.5 has no TestFailover and returns an HTML error page. The drill must then
  // report the failure and leave nothing pending.
  it('records a failover first and reports that moto lacks TestFailover', async () => {
    const journal = new UndoJournal(reportDir());

    const attempt = failoverReplicationGroup(clients, motoSettings(), `happy-os-${stage}`, journal);

    await expect(attempt).rejects.toThrow(FaultError);
    await expect(attempt).rejects.toThrow(/TestFailover of happy-os-.* failed/);
    expect(journal.pending()).toEqual([]);
  });

  it('checks the OpenSearch domain with DescribeDomain', async () => {
    const domain = await checkOpenSearchDomain(clients.opensearch, `happy-os-${stage}`);
    const missing = await checkOpenSearchDomain(clients.opensearch, 'happy-os-none');

    expect(domain).toMatchObject({
      found: true,
      healthy: true,
      processing: false,
      engineVersion: 'OpenSearch_2.19',
    });
    expect(missing).toMatchObject({ found: false, healthy: false });
  });

  it('says which dependency faults the deployed stage allows', async () => {
    const faults = (forStage: string) =>
      new AwsDependencyFaults({
        target: 'localstack',
        stage: forStage,
        settings: motoSettings(),
        clients,
        journal: new UndoJournal(reportDir()),
        http,
      });

    expect(await faults(stage).unavailableReason('lambda')).toBeNull();
    expect(await faults(stage).unavailableReason('elasticache')).toBeNull();
    expect(await faults('nostage').unavailableReason('lambda')).toMatch(
      /happy-os-nostage-.* was not found/,
    );
    expect(await faults(stage).unavailableReason('opensearch')).toMatch(
      /chaos endpoint .* did not respond/,
    );
    expect((await faults(stage).describe()).opensearch_domain).toMatchObject({ healthy: true });
  });
});

/**
 * A stand-in for LocalStack's chaos endpoint, which needs Docker and an auth token: it keeps the
 * rule list and handles GET, POST (replace) and PATCH (append) as LocalStack documents them.
 */
async function startChaosEndpoint(
  initial: unknown[],
): Promise<{ url: string; rules: () => unknown[]; server: Server }> {
  let rules = initial;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url !== '/_localstack/chaos/faults') return res.writeHead(404).end();
      if (req.method === 'POST') rules = JSON.parse(body);
      if (req.method === 'PATCH') rules = [...rules, ...JSON.parse(body)];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rules));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, rules: () => rules, server };
}

describe('LocalStack chaos rules', () => {
  const http = new DrillHttp();
  const existing = [{ service: 'sqs', probability: 0.1 }];
  const rule = {
    service: 's3',
    region: 'us-east-1',
    error: { statusCode: 503, code: 'ServiceUnavailable' },
  };
  afterAll(() => http.close());

  it('adds a rule and puts the earlier rules back', async () => {
    const chaos = await startChaosEndpoint(existing);
    const journal = new UndoJournal(reportDir());

    const fault = await injectChaosRule(http, chaos.url, rule, journal);
    const during = chaos.rules();
    await fault.clear();
    chaos.server.close();

    expect(during).toEqual([...existing, rule]);
    expect(chaos.rules()).toEqual(existing);
    expect(journal.pending()).toEqual([]);
  });

  it('puts the earlier rules back from the journal of a crashed drill', async () => {
    const chaos = await startChaosEndpoint(existing);
    const dir = reportDir();
    await injectChaosRule(http, chaos.url, rule, new UndoJournal(dir));

    const result = await replayJournal(dir, { http });
    chaos.server.close();

    expect(result.restored).toEqual([
      `LocalStack chaos rules at ${chaos.url} are back to the 1 rules from before.`,
    ]);
    expect(chaos.rules()).toEqual(existing);
  });
});
