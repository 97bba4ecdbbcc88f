import {
  AcceptHandshakeCommand,
  CreateOrganizationCommand,
  DeclineHandshakeCommand,
  DescribeHandshakeCommand,
  DescribeOrganizationCommand,
  EnableAllFeaturesCommand,
  InviteAccountToOrganizationCommand,
  ListHandshakesForOrganizationCommand,
  RemoveAccountFromOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, MANAGEMENT, startHarness } from './harness';

// "If an account declines the request, you must either remove the account from your organization or resend the
// request" (AWS's user guide). What the removal does to the round is not documented; the emulator takes the
// removed member out of the round (local/organizations/README.md).

const ACCEPTER = '222222222222';
const DECLINER = '333333333333';
const SILENT = '444444444444';

describe('removing a member during an enable-all-features round', () => {
  let h: Harness;

  afterEach(async () => {
    await h?.close();
  });

  /** A consolidated-billing organization with three invited members and round 1 open: its parent and requests. */
  async function round() {
    h = await startHarness();
    const org = h.client(MANAGEMENT);
    h.emulator.addStandaloneAccount({ id: MANAGEMENT, email: 'payer@example.com', name: 'Payer' });
    for (const id of [ACCEPTER, DECLINER, SILENT])
      h.emulator.addStandaloneAccount({ id, email: `${id}@example.com`, name: `Member ${id}` });
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'CONSOLIDATED_BILLING' }));
    for (const id of [ACCEPTER, DECLINER, SILENT]) {
      const { Handshake } = await org.send(
        new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: id } }),
      );
      await h.client(id).send(new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id }));
    }
    const { Handshake: parent } = await org.send(new EnableAllFeaturesCommand({}));
    const { Handshakes } = await org.send(
      new ListHandshakesForOrganizationCommand({ Filter: { ParentHandshakeId: parent!.Id } }),
    );
    const requestOf = (accountId: string) =>
      Handshakes!.find((r) => r.Parties?.some((p) => p.Id === accountId))!.Id!;
    const state = async (id: string) =>
      (await org.send(new DescribeHandshakeCommand({ HandshakeId: id }))).Handshake?.State;
    return { org, parentId: parent!.Id!, requestOf, state };
  }

  it('opens the round once the member that declined is removed and every other member accepted', async () => {
    // Prepare
    const { org, parentId, requestOf, state } = await round();
    await h.client(ACCEPTER).send(new AcceptHandshakeCommand({ HandshakeId: requestOf(ACCEPTER) }));
    await h.client(SILENT).send(new AcceptHandshakeCommand({ HandshakeId: requestOf(SILENT) }));
    await h.client(DECLINER).send(new DeclineHandshakeCommand({ HandshakeId: requestOf(DECLINER) }));
    const afterDecline = await state(parentId);

    // Act
    await org.send(new RemoveAccountFromOrganizationCommand({ AccountId: DECLINER }));
    const afterRemoval = await state(parentId);
    await org.send(new AcceptHandshakeCommand({ HandshakeId: parentId }));

    // Assess
    expect(afterDecline).toBe('REQUESTED');
    expect(afterRemoval).toBe('OPEN');
    expect(await state(requestOf(DECLINER))).toBe('DECLINED');
    const { Organization } = await org.send(new DescribeOrganizationCommand({}));
    expect(Organization?.FeatureSet).toBe('ALL');
  });

  it('ends the open request of a removed member, and the round opens with the others accepted', async () => {
    // Prepare: one member accepted, one declined and was removed, one has not answered
    const { org, parentId, requestOf, state } = await round();
    await h.client(ACCEPTER).send(new AcceptHandshakeCommand({ HandshakeId: requestOf(ACCEPTER) }));
    await h.client(DECLINER).send(new DeclineHandshakeCommand({ HandshakeId: requestOf(DECLINER) }));
    await org.send(new RemoveAccountFromOrganizationCommand({ AccountId: DECLINER }));
    const withSilentLeft = await state(parentId);

    // Act: the silent member, its request open, is removed too
    await org.send(new RemoveAccountFromOrganizationCommand({ AccountId: SILENT }));

    // Assess
    expect(withSilentLeft).toBe('REQUESTED');
    expect(await state(requestOf(SILENT))).toBe('CANCELED');
    expect(await state(parentId)).toBe('OPEN');
  });
});
