import {
  AcceptHandshakeCommand,
  CreateOrganizationCommand,
  DeleteOrganizationCommand,
  DescribeHandshakeCommand,
  InviteAccountToOrganizationCommand,
  InviteOrganizationToTransferResponsibilityCommand,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, MANAGEMENT, startWithOrganization } from './harness';

const INVITEE = '222222222222';
const OTHER = '333333333333';

describe('DeleteOrganization', () => {
  let h: Harness & Awaited<ReturnType<typeof startWithOrganization>>;
  afterEach(async () => h?.close());

  it('cancels the invitations the organization sent, so they can no longer be accepted', async () => {
    h = await startWithOrganization();
    h.emulator.addStandaloneAccount({ id: INVITEE, email: 'invitee@example.com', name: 'Invitee' });
    const { Handshake } = await h.org.send(
      new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: INVITEE } }),
    );

    await h.org.send(new DeleteOrganizationCommand({}));

    const described = await h
      .client(INVITEE)
      .send(new DescribeHandshakeCommand({ HandshakeId: Handshake!.Id }));
    expect(described.Handshake?.State).toBe('CANCELED');
    await expect(
      h.client(INVITEE).send(new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id })),
    ).rejects.toMatchObject({ name: 'InvalidHandshakeTransitionException' });
  });

  it('is refused while the organization takes part in a responsibility transfer, and changes nothing', async () => {
    h = await startWithOrganization();
    h.emulator.addStandaloneAccount({ id: OTHER, email: 'other@example.com', name: 'Other' });
    await h.client(OTHER).send(new CreateOrganizationCommand({}));
    const { Handshake } = await h.org.send(
      new InviteOrganizationToTransferResponsibilityCommand({
        Type: 'BILLING',
        Target: { Type: 'ACCOUNT', Id: OTHER },
        StartTimestamp: new Date(Date.UTC(2026, 2, 1)),
        SourceName: 'Other bills',
      }),
    );
    await h.client(OTHER).send(new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id }));

    await expect(h.org.send(new DeleteOrganizationCommand({}))).rejects.toMatchObject({
      name: 'ConstraintViolationException',
      Reason: 'ACTIVE_RESPONSIBILITY_TRANSFER_PROCESS',
    });
    expect(h.emulator.store.accounts.get(MANAGEMENT)?.orgId).toBe(h.organization.Id);
  });
});
