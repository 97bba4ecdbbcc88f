import {
  CreateOrganizationCommand,
  DeleteOrganizationCommand,
  DescribeOrganizationCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, MANAGEMENT, OUTSIDER, startHarness } from './harness';

const authorization = (accessKeyId: string) =>
  `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/us-east-1/organizations/aws4_request, SignedHeaders=host, Signature=0`;

async function raw(
  harness: Harness,
  init: {
    method?: string;
    body?: string;
    target?: string;
    contentType?: string | null;
    accessKey?: string | null;
  },
) {
  const headers: Record<string, string> = {};
  if (init.contentType !== null) headers['content-type'] = init.contentType ?? 'application/x-amz-json-1.1';
  if (init.target !== undefined) headers['x-amz-target'] = init.target;
  if (init.accessKey !== null) headers.authorization = authorization(init.accessKey ?? MANAGEMENT);
  const response = await fetch(`${harness.server.url}/`, {
    method: init.method ?? 'POST',
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text ? JSON.parse(text) : undefined,
  };
}

describe('AWS JSON 1.1 wire protocol', () => {
  let harness: Harness;
  afterEach(async () => harness?.close());

  it('answers with epoch-second timestamps, a request id and the AWS content type', async () => {
    harness = await startHarness();

    const created = await raw(harness, {
      target: 'AWSOrganizationsV20161128.CreateOrganization',
      body: '{}',
    });

    expect(created.status).toBe(200);
    expect(created.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(created.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.json.Organization).toMatchObject({ FeatureSet: 'ALL', MasterAccountId: MANAGEMENT });
    expect(created.json.Organization.Id).toMatch(/^o-[a-z0-9]{10,32}$/);
  });

  it('sends an empty 200 body for operations without output', async () => {
    harness = await startHarness();
    await raw(harness, { target: 'AWSOrganizationsV20161128.CreateOrganization', body: '{}' });

    const deleted = await raw(harness, {
      target: 'AWSOrganizationsV20161128.DeleteOrganization',
      body: '{}',
    });

    expect(deleted.status).toBe(200);
    expect(deleted.text).toBe('');
  });

  it.each([
    [
      'malformed JSON',
      { target: 'AWSOrganizationsV20161128.ListRoots', body: '{"MaxResults":' },
      'SerializationException',
      400,
    ],
    [
      'a JSON array body',
      { target: 'AWSOrganizationsV20161128.ListRoots', body: '[]' },
      'SerializationException',
      400,
    ],
    [
      'an unknown operation',
      { target: 'AWSOrganizationsV20161128.MakeCoffee', body: '{}' },
      'UnknownOperationException',
      400,
    ],
    [
      'another service target',
      { target: 'AWSStepFunctions.ListStateMachines', body: '{}' },
      'UnknownOperationException',
      400,
    ],
    ['no target', { body: '{}' }, 'UnknownOperationException', 400],
    [
      'a wrong content type',
      { target: 'AWSOrganizationsV20161128.ListRoots', body: '{}', contentType: 'text/plain' },
      'SerializationException',
      400,
    ],
    [
      'no credentials',
      { target: 'AWSOrganizationsV20161128.ListRoots', body: '{}', accessKey: null },
      'MissingAuthenticationTokenException',
      403,
    ],
    [
      'an unmapped access key without a default account',
      { target: 'AWSOrganizationsV20161128.ListRoots', body: '{}', accessKey: 'AKIAEXAMPLE' },
      'UnrecognizedClientException',
      403,
    ],
    [
      'a GET',
      { method: 'GET', target: 'AWSOrganizationsV20161128.ListRoots' },
      'UnknownOperationException',
      400,
    ],
    [
      'a string where a number belongs',
      { target: 'AWSOrganizationsV20161128.ListRoots', body: '{"MaxResults":"5"}' },
      'SerializationException',
      400,
    ],
  ] as const)('refuses %s with an AWS-shaped error', async (_, request, type, status) => {
    harness = await startHarness();

    const response = await raw(harness, request);

    expect(response.status).toBe(status);
    expect(response.json.__type).toBe(type);
    expect(typeof response.json.Message).toBe('string');
    expect(response.headers.get('x-amzn-requestid')).toBeTruthy();
    expect(harness.emulator.store.organizations.size).toBe(0);
  });

  it('refuses an oversized body and keeps serving', async () => {
    harness = await startHarness();

    const response = await raw(harness, {
      target: 'AWSOrganizationsV20161128.CreateOrganization',
      body: JSON.stringify({ FeatureSet: 'x'.repeat(2 * 1024 * 1024) }),
    });
    const after = await raw(harness, { target: 'AWSOrganizationsV20161128.CreateOrganization', body: '{}' });

    expect(response.status).toBe(413);
    expect(response.json.__type).toBe('SerializationException');
    expect(after.status).toBe(200);
  });

  it('puts Reason in the error body where the model has one', async () => {
    harness = await startHarness();

    const response = await raw(harness, {
      target: 'AWSOrganizationsV20161128.CreateOrganization',
      body: '{"FeatureSet":"SOME"}',
    });

    expect(response.json).toMatchObject({ __type: 'InvalidInputException', Reason: 'INVALID_ENUM' });
    expect(response.json.Message).toContain('FeatureSet');
  });
});

describe('callers and organization membership through the SDK', () => {
  let harness: Harness;
  afterEach(async () => harness?.close());

  it('takes the caller from the access key: an account outside any organization is told so', async () => {
    harness = await startHarness();
    await harness.client(MANAGEMENT).send(new CreateOrganizationCommand({}));

    await expect(harness.client(OUTSIDER).send(new DescribeOrganizationCommand({}))).rejects.toMatchObject({
      name: 'AWSOrganizationsNotInUseException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses a second organization for the same account', async () => {
    harness = await startHarness();
    const client = harness.client(MANAGEMENT);
    await client.send(new CreateOrganizationCommand({ FeatureSet: 'CONSOLIDATED_BILLING' }));

    await expect(client.send(new CreateOrganizationCommand({}))).rejects.toMatchObject({
      name: 'AlreadyInOrganizationException',
    });
    const { Organization } = await client.send(new DescribeOrganizationCommand({}));
    expect(Organization?.FeatureSet).toBe('CONSOLIDATED_BILLING');
    const { Roots } = await client.send(new ListRootsCommand({}));
    expect(Roots?.[0]?.PolicyTypes).toEqual([]);
  });

  it('creates an organization with all features, SCPs enabled in the root, and deletes it again', async () => {
    harness = await startHarness();
    const client = harness.client(MANAGEMENT);

    const { Organization } = await client.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const { Roots } = await client.send(new ListRootsCommand({}));
    await client.send(new DeleteOrganizationCommand({}));

    expect(Organization?.Arn).toBe(`arn:aws:organizations::${MANAGEMENT}:organization/${Organization?.Id}`);
    expect(Roots).toHaveLength(1);
    expect(Roots?.[0]).toMatchObject({
      Name: 'Root',
      PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }],
    });
    expect(Roots?.[0]?.Id).toMatch(/^r-[0-9a-z]{4}$/);
    await expect(client.send(new DescribeOrganizationCommand({}))).rejects.toMatchObject({
      name: 'AWSOrganizationsNotInUseException',
    });
  });
});
