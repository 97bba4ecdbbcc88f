import 'aws-sdk-client-mock-vitest/extend';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import {
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONFIGURATION_MAX_AGE_SECONDS, configurationReader } from '../../functions/_shared/configuration';
import { ConfigurationError } from '../../functions/_shared/errors';
import { VendingConfigSchema, vendingConfigReader } from '../../functions/account-vending/vending-config';
import { lambdaContext } from './fixtures/lambda-context';

// The configurations on AWS: an SSM parameter read through Powertools Parameters (SSM mocked), cached for
// CONFIGURATION_MAX_AGE_SECONDS, checked at each read; locally the variable or the file, as before.

const ssmMock = mockClient(SSMClient);
const PARAMETER = '/orgflow/config/vending';
const portal = {
  principal: 'arn:aws:sts::222233334444:assumed-role/PortalRole/*',
  organizationalUnits: ['Sandbox'],
};

/** the parameter's value, as `aws ssm put-parameter --overwrite` leaves it */
const putParameter = (value: unknown) =>
  ssmMock
    .on(GetParameterCommand, { Name: PARAMETER })
    .resolves({ Parameter: { Name: PARAMETER, Type: 'String', Value: JSON.stringify(value) } });

beforeEach(() => {
  ssmMock.reset();
  clearCaches();
  vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 0, 1) });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe('configurationReader, from the SSM parameter <VARIABLE>_PARAMETER names', () => {
  it('reads and checks the parameter, once per max age: a change is seen after it, without a new reader', async () => {
    // Prepare
    putParameter({ callers: [] });
    const read = vendingConfigReader({ VENDING_CONFIG_PARAMETER: PARAMETER });

    // Act
    const before = await read();
    putParameter({ callers: [portal] });
    const cached = await read();
    vi.advanceTimersByTime((CONFIGURATION_MAX_AGE_SECONDS + 1) * 1000);
    const after = await read();

    // Assess
    expect(before.callers).toEqual([]);
    expect(cached.callers).toEqual([]);
    expect(after.callers).toEqual([portal]);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, { Name: PARAMETER });
  });

  it.each([
    ['not JSON', '{"callers": [', /^SSM parameter \/orgflow\/config\/vending is not JSON/],
    [
      'an entry without its OUs',
      JSON.stringify({ callers: [{ principal: 'arn:aws:iam::222233334444:role/Portal' }] }),
      /^SSM parameter \/orgflow\/config\/vending is not a valid vending configuration: callers\.0\.organizationalUnits: /,
    ],
    [
      'an unknown field',
      JSON.stringify({ selfService: [] }),
      /^SSM parameter \/orgflow\/config\/vending is not a valid vending configuration: \(top\): .*selfService/,
    ],
  ])(
    'refuses a parameter that is %s with a ConfigurationError naming it and the field',
    async (_, value, message) => {
      // Prepare
      ssmMock.on(GetParameterCommand).resolves({ Parameter: { Name: PARAMETER, Value: value } });
      const read = vendingConfigReader({ VENDING_CONFIG_PARAMETER: PARAMETER });

      // Act
      const reading = read();

      // Assess
      await expect(reading).rejects.toThrow(ConfigurationError);
      await expect(reading).rejects.toThrow(message);
    },
  );

  it('fails with a ConfigurationError naming a parameter that does not exist', async () => {
    // Prepare
    ssmMock
      .on(GetParameterCommand)
      .rejects(new ParameterNotFound({ message: 'Parameter not found', $metadata: {} }));
    const read = vendingConfigReader({ VENDING_CONFIG_PARAMETER: PARAMETER });

    // Act
    const reading = read();

    // Assess
    await expect(reading).rejects.toThrow(ConfigurationError);
    await expect(reading).rejects.toThrow(`cannot read SSM parameter ${PARAMETER}`);
  });

  it('refuses a parameter and a variable together at once, before any read', () => {
    // Act
    const build = () =>
      vendingConfigReader({ VENDING_CONFIG_PARAMETER: PARAMETER, VENDING_CONFIG: '{"callers":[]}' });

    // Assess
    expect(build).toThrow('set VENDING_CONFIG_PARAMETER or VENDING_CONFIG, not both');
    expect(ssmMock).not.toHaveReceivedAnyCommand();
  });
});

describe('configurationReader, locally (the variable or the file)', () => {
  it('checks the variable at once, as the cold start would', () => {
    // Act
    const build = () => vendingConfigReader({ VENDING_CONFIG: '{"callers":[{"principal":"*"}]}' });

    // Assess
    expect(build).toThrow(
      /VENDING_CONFIG is not a valid vending configuration: callers\.0\.organizationalUnits/,
    );
  });

  it('reads the file again at each call: an edit is seen by the next invocation', async () => {
    // Prepare
    let text = JSON.stringify({ callers: [] });
    const read = configurationReader(
      'vending configuration',
      'VENDING_CONFIG',
      { VENDING_CONFIG_FILE: '/etc/orgflow/vending.json' },
      VendingConfigSchema,
      { readFile: () => text },
    );

    // Act
    const before = await read();
    text = JSON.stringify({ callers: [portal] });
    const after = await read();

    // Assess
    expect(before.callers).toEqual([]);
    expect(after.callers).toEqual([portal]);
    expect(ssmMock).not.toHaveReceivedAnyCommand();
  });
});

describe('a handler reading its configuration from SSM', () => {
  const organizationsMock = mockClient(OrganizationsClient);

  it('Validate Request lets in a caller the parameter admits after a put-parameter, with no new cold start', async () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('VENDING_CONFIG_PARAMETER', PARAMETER);
    vi.resetModules();
    const { handler } = (await import('../../functions/account-vending/validate-request/handler')) as {
      handler: (event: unknown, context: unknown) => Promise<unknown>;
    };
    organizationsMock.reset();
    organizationsMock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-ab12' }] });
    organizationsMock.on(ListAccountsCommand).resolves({ Accounts: [] });
    organizationsMock
      .on(ListOrganizationalUnitsForParentCommand)
      .resolves({ OrganizationalUnits: [{ Id: 'ou-ab12-sandbox1', Name: 'Sandbox' }] });
    const event = {
      caller: { arn: 'arn:aws:sts::222233334444:assumed-role/PortalRole/portal', accountId: '222233334444' },
      request: {
        accountName: 'sandbox-alice',
        email: 'alice+sandbox@orgflow.example',
        organizationalUnit: 'Sandbox',
      },
    };
    putParameter({ callers: [] });

    // Act
    const refused = handler(event, lambdaContext('validate-request'));
    await refused.catch(() => undefined);
    putParameter({ callers: [portal] });
    vi.advanceTimersByTime((CONFIGURATION_MAX_AGE_SECONDS + 1) * 1000);
    const accepted = await handler(event, lambdaContext('validate-request'));

    // Assess
    await expect(refused).rejects.toMatchObject({ name: 'ValidationError' });
    expect(accepted).toMatchObject({ organizationalUnit: { id: 'ou-ab12-sandbox1', path: 'Sandbox' } });
  });
});
