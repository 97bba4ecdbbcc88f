import 'aws-sdk-client-mock-vitest/extend';
import { readFileSync } from 'node:fs';
import {
  DescribeOrganizationalUnitCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  ExecutionAlreadyExists,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { OrganizationDirectory } from '../../functions/_shared/organization-directory';
import { ClosureConfigSchema } from '../../functions/account-closure/closure-config';
import {
  type MoveAccountEvent,
  MoveAccountEventSchema,
  type StartDecommissionPorts,
  startDecommission,
} from '../../functions/account-closure/start-decommission/start-decommission';

// Start Decommission with Organizations and Step Functions mocked; the event is the CloudTrail sample, which
// moves 444455556666 from the root into ou-a1b2-f6g7h8i9.

const sample = (): MoveAccountEvent =>
  MoveAccountEventSchema.parse(
    JSON.parse(readFileSync('events/samples/organizations-move-account.json', 'utf8')) as unknown,
  );
const ACCOUNT = '444455556666';
const DECOMMISSION = 'ou-a1b2-f6g7h8i9';
const SANDBOX = 'ou-a1b2-sandbox1';
const STATE_MACHINE = 'arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-ClosureBatch';
// the batch is named by the account and the move (CloudTrail's event id of the sample)
const BATCH = `decommission-${ACCOUNT}-4256d14a380d40d2`;
const EXECUTION = `arn:aws:states:us-east-1:111111111111:execution:orgflow-ClosureBatch:${BATCH}`;

const organizationsMock = mockClient(OrganizationsClient);
const sfnMock = mockClient(SFNClient);
let ports: StartDecommissionPorts;

beforeEach(() => {
  organizationsMock.reset();
  sfnMock.reset();
  organizationsMock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-a1b2' }] });
  organizationsMock.on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-a1b2' }).resolves({
    OrganizationalUnits: [
      { Id: SANDBOX, Name: 'Sandbox' },
      { Id: DECOMMISSION, Name: 'Decommission' },
    ],
  });
  organizationsMock
    .on(DescribeOrganizationalUnitCommand, { OrganizationalUnitId: DECOMMISSION })
    .resolves({ OrganizationalUnit: { Id: DECOMMISSION, Name: 'Decommission' } });
  organizationsMock
    .on(ListParentsCommand, { ChildId: DECOMMISSION })
    .resolves({ Parents: [{ Id: 'r-a1b2', Type: 'ROOT' }] });
  sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });
  ports = {
    sfn: new SFNClient({ region: 'us-east-1' }),
    directory: new OrganizationDirectory(new OrganizationsClient({ region: 'us-east-1' })),
    config: ClosureConfigSchema.parse({ decommissionOrganizationalUnit: 'Decommission' }),
    stateMachineArn: STATE_MACHINE,
  };
});

const configured = (decommissionOrganizationalUnit?: string) => {
  ports.config = ClosureConfigSchema.parse(
    decommissionOrganizationalUnit === undefined ? {} : { decommissionOrganizationalUnit },
  );
};

const movedTo = (destinationParentId: string): MoveAccountEvent => {
  const event = sample();
  event.detail.requestParameters.destinationParentId = destinationParentId;
  return event;
};

const expectedInput = (caller = { arn: 'arn:aws:sts::111111111111:assumed-role/Admin/orgflow-vend' }) => ({
  caller: { accountId: '111111111111', ...caller },
  source: 'decommission',
  request: {
    selection: { accountIds: [ACCOUNT], includeSubOrganizationalUnits: false },
    reason: 'moved into Decommission',
    dryRun: false,
  },
});

const startedInputs = () =>
  sfnMock.commandCalls(StartExecutionCommand).map((call) => JSON.parse(call.args[0].input.input!) as unknown);

describe('startDecommission', () => {
  it.each([
    ['by path', 'Decommission'],
    ['by id', DECOMMISSION],
  ])(
    'starts the account’s closure batch when it moves into the decommission OU, configured %s',
    async (_, ref) => {
      configured(ref);

      const outcome = await startDecommission(ports, sample());

      expect(outcome).toEqual({
        started: true,
        accountId: ACCOUNT,
        batchId: BATCH,
        executionArn: EXECUTION,
      });
      expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
      expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
        stateMachineArn: STATE_MACHINE,
        name: BATCH,
      });
      expect(startedInputs()).toEqual([expectedInput()]);
    },
  );

  it('starts nothing when the account moves anywhere else', async () => {
    const outcome = await startDecommission(ports, movedTo(SANDBOX));

    expect(outcome).toEqual({
      started: false,
      accountId: ACCOUNT,
      reason: `moved into ${SANDBOX}, not the decommission OU`,
    });
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('asks Organizations nothing when the OU is configured by id and the move went elsewhere', async () => {
    configured(DECOMMISSION);

    const outcome = await startDecommission(ports, movedTo(SANDBOX));

    expect(outcome.started).toBe(false);
    expect(organizationsMock.calls()).toHaveLength(0);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('starts nothing, and asks nothing, when no decommission OU is configured', async () => {
    configured(undefined);

    const outcome = await startDecommission(ports, sample());

    expect(outcome).toEqual({
      started: false,
      accountId: ACCOUNT,
      reason: 'no decommission OU is configured',
    });
    expect(organizationsMock.calls()).toHaveLength(0);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('starts nothing when the configured OU does not exist', async () => {
    configured('Retired');

    const outcome = await startDecommission(ports, sample());

    expect(outcome).toEqual({
      started: false,
      accountId: ACCOUNT,
      reason: 'the decommission OU Retired does not exist',
    });
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('counts ExecutionAlreadyExists (moved there again, by someone else) as already started', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    const outcome = await startDecommission(ports, sample());

    expect(outcome).toEqual({
      started: false,
      accountId: ACCOUNT,
      batchId: BATCH,
      reason: 'already started',
    });
  });

  it('starts with the same input for the same event, so a repeated delivery is the same start', async () => {
    await startDecommission(ports, sample());
    await startDecommission(ports, sample());

    const [first, second] = sfnMock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    expect(second).toEqual(first);
  });

  it('names the management account as the caller when CloudTrail names no principal', async () => {
    const event = sample();
    delete event.detail.userIdentity;

    await startDecommission(ports, event);

    expect(startedInputs()).toEqual([expectedInput({ arn: 'arn:aws:iam::111111111111:root' })]);
  });

  it('lets any other Step Functions error through, to be tried again', async () => {
    sfnMock.on(StartExecutionCommand).rejects(
      new SFNServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: {},
        message: 'slow',
      }),
    );

    await expect(startDecommission(ports, sample())).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('MoveAccountEventSchema', () => {
  it('refuses a MoveAccount that AWS refused', () => {
    const event = { ...sample(), detail: { ...sample().detail, errorCode: 'AccessDenied' } };

    expect(MoveAccountEventSchema.safeParse(event).success).toBe(false);
  });
});
