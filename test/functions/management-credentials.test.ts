import {
  CreateAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListAccountsCommand,
} from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { managementStsClient, organizationsClient } from '../../functions/_shared/clients';
import { MANAGEMENT } from '../organizations/harness';
import { type StsHarness, startStsHarness } from '../sts/harness';

// The functions' clients when orgflow runs in a tooling account: ORGANIZATIONS_ROLE_ARN names the role they act
// through in the management account. Here the local STS and Organizations emulator stand in for AWS, and a
// member's OrganizationAccountAccessRole stands in for the management-access role, so that whose credentials
// a call carried shows in what Organizations lets it do (a member may not list the accounts).

const VARIABLES = [
  'AWS_ENDPOINT_URL_ORGANIZATIONS',
  'AWS_ENDPOINT_URL_STS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_FUNCTION_NAME',
  'ORGANIZATIONS_ROLE_ARN',
];

describe("the functions' clients, acting through a management-access role", () => {
  let h: StsHarness;
  let saved: Record<string, string | undefined>;

  beforeEach(async () => {
    saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
    h = await startStsHarness();
    process.env.AWS_ENDPOINT_URL_ORGANIZATIONS = h.server.url;
    process.env.AWS_ENDPOINT_URL_STS = h.stsServer.url;
    process.env.AWS_ACCESS_KEY_ID = MANAGEMENT;
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    delete process.env.AWS_SESSION_TOKEN;
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'orgflow-BaselineAccount';
  });

  afterEach(async () => {
    for (const [name, value] of Object.entries(saved))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    await h.close();
  });

  async function member(): Promise<string> {
    const { CreateAccountStatus } = await h.org.send(
      new CreateAccountCommand({ AccountName: 'Member', Email: 'member@example.com' }),
    );
    h.clock.advance(3_600_000);
    const { CreateAccountStatus: done } = await h.org.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: CreateAccountStatus!.Id }),
    );
    return done!.AccountId!;
  }

  it('calls with the function role itself when no role is named', async () => {
    delete process.env.ORGANIZATIONS_ROLE_ARN;
    const organizations = organizationsClient();
    const { Accounts } = await organizations.send(new ListAccountsCommand({}));
    expect(Accounts?.map((account) => account.Id)).toContain(MANAGEMENT);
    organizations.destroy();
  });

  it('calls Organizations and STS with the named role, in a session named after the function', async () => {
    // Prepare
    const accountId = await member();
    process.env.ORGANIZATIONS_ROLE_ARN = `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`;

    // Act
    const organizations = organizationsClient();
    const listing = organizations.send(new ListAccountsCommand({}));
    const sts = managementStsClient();
    const identity = await sts.send(new GetCallerIdentityCommand({}));

    // Assess: the member's role, which may not list the organization's accounts
    await expect(listing).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(identity.Account).toBe(accountId);
    expect(identity.Arn).toBe(
      `arn:aws:sts::${accountId}:assumed-role/OrganizationAccountAccessRole/orgflow-orgflow-BaselineAccount`,
    );
    organizations.destroy();
    sts.destroy();
  });
});
