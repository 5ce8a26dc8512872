// Seat and pending counts without a scan (issue 9): each organization row carries its ACTIVE
// members and PENDING invitations, kept by triggers (migration 20261129300000_seat_counters), and
// an invite under a seat limit reads them instead of counting rows, counting only when a limit is
// within reach (the pending counter includes invitations past their expiry not yet swept).
import { describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import { newApiKey, newInvitations, newMember, newOrganization } from './helpers/fixtures.ts';
import { ACCEPT, invite, invited, orgRef, randomEmail, REVOKE } from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';
import { statementTextsDuring } from './helpers/statements.ts';

const server = useTestServer();

/** The organization's counters beside the counts of its rows. */
async function countsOf(organizationId: string) {
  const row = await prisma.organization.findUniqueOrThrow({
    where: { id: organizationId },
    select: { activeMemberCount: true, pendingInvitationCount: true },
  });
  const active = await prisma.member.count({ where: { organizationId, status: 'ACTIVE' } });
  const pending = await prisma.invitation.count({ where: { organizationId, status: 'PENDING' } });
  return {
    counters: [row.activeMemberCount, row.pendingInvitationCount],
    rows: [active, pending],
  };
}

describe('seat counters on the organization row', () => {
  it('follow invites, accepts, revokes, deactivation, bulk writes and deletes', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const expectCounts = async (active: number, pending: number) => {
      const { counters, rows } = await countsOf(org.id);
      expect(rows).toEqual([active, pending]);
      expect(counters).toEqual(rows);
    };
    await expectCounts(1, 0);

    const first = await invited(server, key, org.id);
    const second = await invited(server, key, org.id);
    await expectCounts(1, 2);

    const accepted = await server.gql(ACCEPT, { token: first.token });
    expect(accepted.data!.acceptInvitation.__typename).toBe('AcceptInvitationPayload');
    await expectCounts(2, 1);

    const revoked = await server.gql(REVOKE, { invitation: second.invitationGlobalId }, key);
    expect(revoked.errors).toBeUndefined();
    await expectCounts(2, 0);

    // Written around the services, in bulk: the triggers count them all the same.
    await newInvitations(org.id, [{}, {}, {}, { status: 'EXPIRED' }]);
    await expectCounts(2, 3);
    await prisma.invitation.updateMany({
      where: { organizationId: org.id, status: 'PENDING' },
      data: { status: 'REVOKED', tokenHash: null },
    });
    await expectCounts(2, 0);
    await prisma.member.update({ where: { id: owner.id }, data: { status: 'DEACTIVATED' } });
    await expectCounts(1, 0);
    await prisma.member.deleteMany({ where: { organizationId: org.id, status: 'ACTIVE' } });
    await expectCounts(0, 0);
  });

  it('an invite far from its seat limit counts no rows; at the limit it counts exactly', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    await prisma.organization.update({ where: { id: org.id }, data: { seatLimit: 3 } });
    await newInvitations(org.id, [{}]);

    const statements = await statementTextsDuring(async () => {
      const result = await invite(server, key, {
        organization: orgRef(org.id),
        email: randomEmail(),
      });
      expect(result.__typename).toBe('InviteMemberPayload');
    });
    expect(statements.filter((text) => /count\(/i.test(text))).toEqual([]);

    // Two pending invitations of three seats; a third lapsed one (PENDING past its expiry, not
    // yet swept) is in the counter but holds no seat: the exact count lets the invite through.
    const [lapsed] = await newInvitations(org.id, [{}]);
    await prisma.invitation.update({
      where: { id: lapsed!.id },
      data: { expiresAt: new Date(Date.now() - 60_000) },
    });
    expect((await countsOf(org.id)).counters).toEqual([0, 3]);
    const third = await invite(server, key, { organization: orgRef(org.id), email: randomEmail() });
    expect(third.__typename).toBe('InviteMemberPayload');
    const full = await invite(server, key, { organization: orgRef(org.id), email: randomEmail() });
    expect(full).toMatchObject({ __typename: 'SeatLimitReachedError', seatLimit: 3 });
  });

  it('the pending-invitation limit counts exactly only when the counter reaches it', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    await prisma.organization.update({
      where: { id: org.id },
      data: { pendingInvitationLimit: 2 },
    });
    const [lapsed] = await newInvitations(org.id, [{}, {}]);
    await prisma.invitation.update({
      where: { id: lapsed!.id },
      data: { expiresAt: new Date(Date.now() - 60_000) },
    });
    const ok = await invite(server, key, { organization: orgRef(org.id), email: randomEmail() });
    expect(ok.__typename).toBe('InviteMemberPayload');
    const refused = await invite(server, key, {
      organization: orgRef(org.id),
      email: randomEmail(),
    });
    expect(refused).toMatchObject({ __typename: 'PendingInvitationLimitError' });
  });
});
