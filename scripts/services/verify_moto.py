"""Check that a moto server responds to the AWS calls Happy OS makes.

Usage: python verify_moto.py MOTO_URL

Run it with the Python of moto's virtual environment (scripts/services/moto.sh creates it),
which has boto3. Prints one line per check and exits with status 1 when a supported call
fails. Calls that moto does not implement are listed as NOTE lines and do not fail the run.
"""

import io
import json
import sys
import uuid
import zipfile

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

REGION = 'us-east-1'
# moto responds to an unimplemented call with an HTML 500 page, which botocore fails to parse.
AWS_ERRORS = (BotoCoreError, ClientError, ResponseParserError)


def client(url, service):
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id='test',
        aws_secret_access_key='test',
    )


def lambda_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr('index.js', 'exports.handler = async () => ({ statusCode: 200 });')
    return buffer.getvalue()


def check_sqs(url, suffix):
    sqs = client(url, 'sqs')
    queue_url = sqs.create_queue(QueueName=f'tasks-{suffix}')['QueueUrl']
    sqs.send_message(QueueUrl=queue_url, MessageBody='task-1')
    messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)['Messages']
    assert messages[0]['Body'] == 'task-1', messages
    return 'CreateQueue, SendMessage, ReceiveMessage'


def check_s3(url, suffix):
    s3 = client(url, 's3')
    bucket = f'happy-os-{suffix}'
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key='record.json', Body=b'{"id":1}')
    body = s3.get_object(Bucket=bucket, Key='record.json')['Body'].read()
    assert body == b'{"id":1}', body
    return 'CreateBucket, PutObject, GetObject'


def check_lambda(url, suffix):
    iam = client(url, 'iam')
    role_arn = iam.create_role(
        RoleName=f'lambda-{suffix}',
        AssumeRolePolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': []}),
    )['Role']['Arn']
    lam = client(url, 'lambda')
    name = f'memory-{suffix}'
    lam.create_function(
        FunctionName=name,
        Runtime='nodejs20.x',
        Role=role_arn,
        Handler='index.handler',
        Code={'ZipFile': lambda_zip()},
    )
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
    reserved = lam.get_function_concurrency(FunctionName=name)['ReservedConcurrentExecutions']
    assert reserved == 5, reserved
    lam.update_function_configuration(FunctionName=name, Timeout=10)
    return (
        'CreateFunction, PutFunctionConcurrency, GetFunctionConcurrency, '
        'UpdateFunctionConfiguration'
    )


def check_elasticache(url, suffix):
    elasticache = client(url, 'elasticache')
    cluster_id = f'cache-{suffix}'
    elasticache.create_cache_cluster(
        CacheClusterId=cluster_id, Engine='redis', CacheNodeType='cache.t3.micro', NumCacheNodes=1
    )
    clusters = elasticache.describe_cache_clusters(CacheClusterId=cluster_id)['CacheClusters']
    assert clusters[0]['CacheClusterStatus'] == 'available', clusters
    elasticache.create_replication_group(
        ReplicationGroupId=f'group-{suffix}',
        ReplicationGroupDescription='verify',
        Engine='redis',
        CacheNodeType='cache.t3.micro',
    )
    return 'CreateCacheCluster, DescribeCacheClusters, CreateReplicationGroup'


def check_opensearch_domain(url, suffix):
    opensearch = client(url, 'opensearch')
    name = f'search-{suffix}'
    opensearch.create_domain(DomainName=name, EngineVersion='OpenSearch_2.19')
    status = opensearch.describe_domain(DomainName=name)['DomainStatus']
    assert status['EngineVersion'] == 'OpenSearch_2.19', status
    opensearch.update_domain_config(DomainName=name, ClusterConfig={'InstanceCount': 2})
    opensearch.delete_domain(DomainName=name)
    return 'CreateDomain, DescribeDomain, UpdateDomainConfig, DeleteDomain (control plane only)'


def note_provisioned_concurrency(url, suffix):
    lam = client(url, 'lambda')
    lam.put_provisioned_concurrency_config(
        FunctionName=f'memory-{suffix}', Qualifier='1', ProvisionedConcurrentExecutions=1
    )


def note_serverless_cache(url, suffix):
    client(url, 'elasticache').create_serverless_cache(
        ServerlessCacheName=f'serverless-{suffix}', Engine='valkey'
    )


CHECKS = [
    ('sqs', check_sqs),
    ('s3', check_s3),
    ('lambda', check_lambda),
    ('elasticache', check_elasticache),
    ('opensearch-domain', check_opensearch_domain),
]

# Calls that moto 5.2.5 does not implement. They are still tried, so a moto upgrade that adds
# one shows up as a NOTE line.
KNOWN_GAPS = [
    ('lambda PutProvisionedConcurrencyConfig', note_provisioned_concurrency),
    ('elasticache CreateServerlessCache', note_serverless_cache),
]


def main():
    if len(sys.argv) != 2:
        print('usage: python verify_moto.py MOTO_URL', file=sys.stderr)
        return 2
    url = sys.argv[1]
    suffix = uuid.uuid4().hex[:8]
    failures = 0

    for service, check in CHECKS:
        try:
            print(f'PASS moto {service}: {check(url, suffix)}')
        except (AssertionError, *AWS_ERRORS) as error:
            failures += 1
            print(f'FAIL moto {service}: {type(error).__name__}: {str(error)[:300]}')

    for call, attempt in KNOWN_GAPS:
        try:
            attempt(url, suffix)
            print(f'NOTE moto {call}: now implemented')
        except AWS_ERRORS as error:
            print(f'NOTE moto {call}: not implemented ({type(error).__name__})')

    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
