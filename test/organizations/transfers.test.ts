import {
  AcceptHandshakeCommand,
  CancelHandshakeCommand,
  CreateOrganizationCommand,
  DeclineHandshakeCommand,
  DescribeHandshakeCommand,
  DescribeResponsibilityTransferCommand,
  type Handshake,
  InviteAccountToOrganizationCommand,
  InviteOrganizationToTransferResponsibilityCommand,
  type InviteOrganizationToTransferResponsibilityCommandInput,
  ListHandshakesForAccountCommand,
  ListInboundResponsibilityTransfersCommand,
  ListOutboundResponsibilityTransfersCommand,
  type OrganizationsClient,
  TerminateResponsibilityTransferCommand,
  UpdateResponsibilityTransferCommand,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, MANAGEMENT, startWithOrganization } from './harness';

// MANAGEMENT's organization takes on the bills of SOURCE's organization (it is the transfer's Target)
const SOURCE = '555555555555';
const OTHER_PAYER = '666666666666';
const MEMBER = '777777777777';
const DAY = 24 * 60 * 60 * 1000;
const MARCH = new Date(Date.UTC(2026, 2, 1));
const END_OF_JANUARY = new Date(Date.UTC(2026, 1, 1) - 1);

type OrgHarness = Harness & { org: OrganizationsClient; organization: { Id?: string | undefined } };

let h: OrgHarness;
let sourceOrgId: string;
afterEach(async () => h?.close());

async function twoOrganizations(): Promise<void> {
  h = await startWithOrganization();
  h.emulator.addStandaloneAccount({ id: SOURCE, email: 'source@example.com', name: 'Source' });
  h.emulator.addStandaloneAccount({ id: OTHER_PAYER, email: 'payer@example.com', name: 'Payer' });
  h.emulator.addStandaloneAccount({ id: MEMBER, email: 'member@example.com', name: 'Member' });
  const { Organization } = await h.client(SOURCE).send(new CreateOrganizationCommand({}));
  sourceOrgId = Organization!.Id!;
  await h.client(OTHER_PAYER).send(new CreateOrganizationCommand({}));
}

async function inviteSource(
  input: Partial<InviteOrganizationToTransferResponsibilityCommandInput> = {},
  from = h.org,
) {
  const { Handshake } = await from.send(
    new InviteOrganizationToTransferResponsibilityCommand({
      Type: 'BILLING',
      Target: { Type: 'ACCOUNT', Id: SOURCE },
      StartTimestamp: MARCH,
      SourceName: 'Source bills',
      ...input,
    }),
  );
  return Handshake!;
}

const transferIdOf = (handshake: Handshake) =>
  handshake.Resources!.find((r) => r.Type === 'RESPONSIBILITY_TRANSFER')!.Value!;

async function transferOf(id: string, as = h.org) {
  return (await as.send(new DescribeResponsibilityTransferCommand({ Id: id }))).ResponsibilityTransfer!;
}

async function acceptedTransfer(): Promise<string> {
  const handshake = await inviteSource();
  await h.client(SOURCE).send(new AcceptHandshakeCommand({ HandshakeId: handshake.Id }));
  return transferIdOf(handshake);
}

describe('InviteOrganizationToTransferResponsibility', () => {
  it('sends a TRANSFER_RESPONSIBILITY handshake and records a REQUESTED transfer on both sides', async () => {
    await twoOrganizations();
    const orgId = h.organization.Id!;

    const handshake = await inviteSource({ Notes: 'we pay from March' });

    expect(handshake).toMatchObject({
      Action: 'TRANSFER_RESPONSIBILITY',
      State: 'OPEN',
      Arn: `arn:aws:organizations::${MANAGEMENT}:handshake/${orgId}/transfer_responsibility/${handshake.Id}`,
      Parties: [
        { Id: orgId, Type: 'ORGANIZATION' },
        { Id: SOURCE, Type: 'ACCOUNT' },
      ],
      ExpirationTimestamp: new Date(MARCH.getTime() - DAY),
    });
    expect(handshake.Resources).toContainEqual({ Type: 'NOTES', Value: 'we pay from March' });
    const id = transferIdOf(handshake);
    expect(id).toMatch(/^rt-[0-9a-z]{8,32}$/);
    const { Handshakes } = await h.client(SOURCE).send(new ListHandshakesForAccountCommand({}));
    expect(Handshakes!.map((x) => x.Id)).toEqual([handshake.Id]);
    const inbound = await h.org.send(new ListInboundResponsibilityTransfersCommand({ Type: 'BILLING' }));
    expect(inbound.ResponsibilityTransfers).toEqual([
      {
        Arn: `arn:aws:organizations::${MANAGEMENT}:transfer/${orgId}/billing/inbound/${id}`,
        Id: id,
        Name: 'Source bills',
        Type: 'BILLING',
        Status: 'REQUESTED',
        Source: { ManagementAccountId: SOURCE, ManagementAccountEmail: 'source@example.com' },
        Target: {
          ManagementAccountId: MANAGEMENT,
          ManagementAccountEmail: `account-${MANAGEMENT}@example.com`,
        },
        StartTimestamp: MARCH,
        ActiveHandshakeId: handshake.Id,
      },
    ]);
    const outbound = await h
      .client(SOURCE)
      .send(new ListOutboundResponsibilityTransfersCommand({ Type: 'BILLING' }));
    expect(outbound.ResponsibilityTransfers!.map((t) => [t.Id, t.Arn])).toEqual([
      [id, `arn:aws:organizations::${SOURCE}:transfer/${sourceOrgId}/billing/outbound/${id}`],
    ]);
  });

  it.each([
    ['a start that is not midnight', new Date(Date.UTC(2026, 2, 1, 12)), 'START_DATE_NOT_BEGINNING_OF_DAY'],
    [
      'a start that is not the first of a month',
      new Date(Date.UTC(2026, 2, 2)),
      'START_DATE_NOT_BEGINNING_OF_MONTH',
    ],
    ['a start with no day left to accept', new Date(Date.UTC(2026, 0, 1)), 'START_DATE_TOO_EARLY'],
    ['a start in the past', new Date(Date.UTC(2025, 11, 1)), 'START_DATE_TOO_EARLY'],
  ] as const)('refuses %s and changes nothing', async (_, StartTimestamp, Reason) => {
    await twoOrganizations();
    const before = h.emulator.store.snapshot();

    await expect(inviteSource({ StartTimestamp })).rejects.toMatchObject({
      name: 'InvalidInputException',
      Reason,
    });

    expect(h.emulator.store.snapshot()).toEqual(before);
  });

  it('refuses its own management account, members, accounts in no organization and organizations', async () => {
    await twoOrganizations();
    await h.org.send(new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: MEMBER } }));
    const [invitation] = (await h.client(MEMBER).send(new ListHandshakesForAccountCommand({}))).Handshakes!;
    await h.client(MEMBER).send(new AcceptHandshakeCommand({ HandshakeId: invitation!.Id }));

    await expect(inviteSource({ Target: { Type: 'ACCOUNT', Id: MANAGEMENT } })).rejects.toMatchObject({
      name: 'HandshakeConstraintViolationException',
      Reason: 'SOURCE_AND_TARGET_CANNOT_MATCH',
    });
    for (const Id of [MEMBER, '888888888888'])
      await expect(inviteSource({ Target: { Type: 'ACCOUNT', Id } })).rejects.toMatchObject({
        name: 'HandshakeConstraintViolationException',
        Reason: 'TARGET_ACCOUNT_VALIDATION_FAILURE',
      });
    await expect(inviteSource({ Target: { Type: 'ORGANIZATION', Id: sourceOrgId } })).rejects.toMatchObject({
      name: 'InvalidInputException',
      Reason: 'INVALID_PARTY_TYPE_TARGET',
    });
    await expect(inviteSource({}, h.client(MEMBER))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('invites by email and refuses a second open invitation', async () => {
    await twoOrganizations();
    await inviteSource({ Target: { Type: 'EMAIL', Id: 'source@example.com' } });

    await expect(inviteSource()).rejects.toMatchObject({ name: 'DuplicateHandshakeException' });
  });
});

describe('transfer lifecycle', () => {
  it('accepts the invitation: the transfer is ACCEPTED for both organizations', async () => {
    await twoOrganizations();

    const id = await acceptedTransfer();

    expect((await transferOf(id)).Status).toBe('ACCEPTED');
    expect((await transferOf(id, h.client(SOURCE))).Status).toBe('ACCEPTED');
    await expect(transferOf(id, h.client(OTHER_PAYER))).rejects.toMatchObject({
      name: 'ResponsibilityTransferNotFoundException',
    });
  });

  it('follows its handshake when declined, cancelled or expired', async () => {
    await twoOrganizations();
    const declined = await inviteSource();
    await h.client(SOURCE).send(new DeclineHandshakeCommand({ HandshakeId: declined.Id }));
    const canceled = await inviteSource();
    await h.org.send(new CancelHandshakeCommand({ HandshakeId: canceled.Id }));
    const expired = await inviteSource();

    h.clock.advance(MARCH.getTime() - DAY - h.clock.now());

    expect((await transferOf(transferIdOf(declined))).Status).toBe('DECLINED');
    expect((await transferOf(transferIdOf(canceled))).Status).toBe('CANCELED');
    expect((await transferOf(transferIdOf(expired))).Status).toBe('EXPIRED');
    const { Handshake } = await h.org.send(new DescribeHandshakeCommand({ HandshakeId: expired.Id }));
    expect(Handshake!.State).toBe('EXPIRED');
  });

  it('refuses a second transfer of the same bills while one is in force', async () => {
    await twoOrganizations();
    await acceptedTransfer();
    const { Handshake } = await h.client(OTHER_PAYER).send(
      new InviteOrganizationToTransferResponsibilityCommand({
        Type: 'BILLING',
        Target: { Type: 'ACCOUNT', Id: SOURCE },
        StartTimestamp: MARCH,
        SourceName: 'Other payer',
      }),
    );

    await expect(
      h.client(SOURCE).send(new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id })),
    ).rejects.toMatchObject({
      name: 'HandshakeConstraintViolationException',
      Reason: 'RESPONSIBILITY_TRANSFER_ALREADY_EXISTS',
    });
  });

  it('renames a transfer, and refuses once it is no longer active', async () => {
    await twoOrganizations();
    const id = await acceptedTransfer();

    const { ResponsibilityTransfer } = await h
      .client(SOURCE)
      .send(new UpdateResponsibilityTransferCommand({ Id: id, Name: 'Renamed' }));

    expect(ResponsibilityTransfer!.Name).toBe('Renamed');
    expect((await transferOf(id)).Name).toBe('Renamed');
    const declined = await inviteSource({ Target: { Type: 'ACCOUNT', Id: OTHER_PAYER } });
    await h.client(OTHER_PAYER).send(new DeclineHandshakeCommand({ HandshakeId: declined.Id }));
    await expect(
      h.org.send(new UpdateResponsibilityTransferCommand({ Id: transferIdOf(declined), Name: 'x' })),
    ).rejects.toMatchObject({
      name: 'ConstraintViolationException',
      Reason: 'TRANSFER_RESPONSIBILITY_UPDATE_NOT_ALLOWED',
    });
  });

  it('withdraws a transfer at the end of a month, once', async () => {
    await twoOrganizations();
    const id = await acceptedTransfer();
    h.clock.advance(40 * DAY);

    const { ResponsibilityTransfer } = await h
      .client(SOURCE)
      .send(new TerminateResponsibilityTransferCommand({ Id: id }));

    // the start (March) is the earliest month it can end in
    expect(ResponsibilityTransfer).toMatchObject({
      Status: 'WITHDRAWN',
      EndTimestamp: new Date(Date.UTC(2026, 3, 1) - 1),
    });
    await expect(h.org.send(new TerminateResponsibilityTransferCommand({ Id: id }))).rejects.toMatchObject({
      name: 'ResponsibilityTransferAlreadyInStatusException',
    });
    await expect(
      h.org.send(new UpdateResponsibilityTransferCommand({ Id: id, Name: 'late' })),
    ).rejects.toMatchObject({ name: 'ConstraintViolationException' });
  });

  it('checks a requested end date', async () => {
    await twoOrganizations();
    const id = await acceptedTransfer();

    await expect(
      h.org.send(
        new TerminateResponsibilityTransferCommand({ Id: id, EndTimestamp: new Date(Date.UTC(2026, 5, 15)) }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInputException', Reason: 'END_DATE_NOT_END_OF_MONTH' });
    await expect(
      h.org.send(new TerminateResponsibilityTransferCommand({ Id: id, EndTimestamp: END_OF_JANUARY })),
    ).rejects.toMatchObject({ name: 'InvalidInputException', Reason: 'END_DATE_TOO_EARLY' });
    const endOfJune = new Date(Date.UTC(2026, 6, 1) - 1);
    const { ResponsibilityTransfer } = await h.org.send(
      new TerminateResponsibilityTransferCommand({ Id: id, EndTimestamp: endOfJune }),
    );
    expect(ResponsibilityTransfer!.EndTimestamp).toEqual(endOfJune);
  });

  it('refuses to withdraw a transfer that was never accepted', async () => {
    await twoOrganizations();
    const id = transferIdOf(await inviteSource());

    await expect(h.org.send(new TerminateResponsibilityTransferCommand({ Id: id }))).rejects.toMatchObject({
      name: 'InvalidResponsibilityTransferTransitionException',
    });
  });

  it('answers unknown transfers with ResponsibilityTransferNotFound', async () => {
    await twoOrganizations();

    await expect(transferOf('rt-0123456789ab')).rejects.toMatchObject({
      name: 'ResponsibilityTransferNotFoundException',
    });
    await expect(
      h.org.send(new ListInboundResponsibilityTransfersCommand({ Type: 'BILLING', Id: 'rt-0123456789ab' })),
    ).rejects.toMatchObject({ name: 'ResponsibilityTransferNotFoundException' });
  });
});
