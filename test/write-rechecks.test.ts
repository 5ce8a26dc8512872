// inviteMember (its common path) and acceptInvitation take the organization's lock inside a single
// statement, whose snapshot predates the wait for that lock. These tests hold the lock in another
// transaction, change what the write depends on there, let the request queue behind the lock, and
// commit: the request must meet the change (as if it had read after the lock), never write past
// it. PostgreSQL only: the embedded database serves one connection at a time, so nothing can wait.
import { describe, expect, it } from 'vitest';
import { Prisma, prisma } from '../src/db.ts';
import { globalId, newApiKey, newMember, newOrganization } from './helpers/fixtures.ts';
import {
  ACCEPT,
  INVITE,
  invited,
  orgRef,
  randomEmail,
  type Result,
} from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';

/**
 * Locks the organization in a transaction, runs `change` in it, starts `request`, waits until the
 * request waits for a lock, then commits; returns the request's answer.
 */
async function raceAgainstLockHolder(
  organizationId: string,
  change: Prisma.Sql,
  request: () => Promise<{ data?: Record<string, Result>; errors?: unknown[] }>,
): Promise<Result> {
  let answer!: Promise<{ data?: Record<string, Result>; errors?: unknown[] }>;
  await prisma.$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM organizations WHERE id = ${organizationId}::uuid FOR UPDATE`;
      await tx.$executeRaw(change);
      answer = request();
      for (let waited = 0; ; waited += 20) {
        const [row] = await prisma.$queryRaw<{ waiting: number }[]>`
          SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`;
        if (row!.waiting > 0) break;
        if (waited > 10_000) throw new Error('the request never waited for the lock');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    { timeout: 20_000 },
  );
  const response = await answer;
  expect(response.errors).toBeUndefined();
  return Object.values(response.data!)[0]!;
}

describe.skipIf(!process.env.TEST_DATABASE_URL)(
  'writes that waited for the organization lock see what committed meanwhile',
  () => {
    const server = useTestServer({ real: true });

    const inviteInto =
      (organizationId: string, key: string, extra: object = {}) =>
      () =>
        server.gql(
          INVITE,
          { input: { organization: orgRef(organizationId), email: randomEmail('wait'), ...extra } },
          key,
        );

    it('an invite meets invites turned off while it waited, and writes nothing', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      const result = await raceAgainstLockHolder(
        org.id,
        Prisma.sql`UPDATE organizations SET invite_policy = 'DISABLED' WHERE id = ${org.id}::uuid`,
        inviteInto(org.id, key),
      );
      expect(result.__typename).toBe('InvitesDisabledError');
      expect(await prisma.invitation.count({ where: { organizationId: org.id } })).toBe(0);
      expect(await prisma.member.count({ where: { organizationId: org.id } })).toBe(0);
    });

    it('an invite meets the last seat taken while it waited', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      await prisma.organization.update({ where: { id: org.id }, data: { seatLimit: 3 } });
      await newMember(org.id, ['owner']);
      const result = await raceAgainstLockHolder(
        org.id,
        // Two more ACTIVE members (the counters follow, by trigger): 3 of 3 seats taken.
        Prisma.sql`INSERT INTO members (organization_id, email, email_normalized, status, roles, updated_at)
          VALUES (${org.id}::uuid, 'a@seat.example', 'a@seat.example', 'ACTIVE', '{member}', now()),
                 (${org.id}::uuid, 'b@seat.example', 'b@seat.example', 'ACTIVE', '{member}', now())`,
        inviteInto(org.id, key),
      );
      expect(result).toMatchObject({ __typename: 'SeatLimitReachedError' });
      expect(await prisma.invitation.count({ where: { organizationId: org.id } })).toBe(0);
    });

    it('an invite on behalf of a member deactivated while it waited is refused', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      const inviter = await newMember(org.id, ['admin']);
      const result = await raceAgainstLockHolder(
        org.id,
        Prisma.sql`UPDATE members SET status = 'DEACTIVATED' WHERE id = ${inviter.id}::uuid`,
        inviteInto(org.id, key, { invitedByMemberId: globalId('Member', inviter.id) }),
      );
      expect(result).toMatchObject({
        __typename: 'ValidationError',
        field: 'input.invitedByMemberId',
      });
      expect(await prisma.invitation.count({ where: { organizationId: org.id } })).toBe(0);
    });

    it('re-inviting a former member meets its reactivation committed while it waited', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      const former = await newMember(org.id, ['member']);
      await prisma.member.update({
        where: { id: former.id },
        data: { status: 'DEACTIVATED', deactivatedAt: new Date() },
      });
      const result = await raceAgainstLockHolder(
        org.id,
        Prisma.sql`UPDATE members SET status = 'ACTIVE', deactivated_at = NULL
          WHERE id = ${former.id}::uuid`,
        () =>
          server.gql(INVITE, { input: { organization: orgRef(org.id), email: former.email } }, key),
      );
      // The write found the row changed since it was read and left it; the transactional path
      // then decided afresh. Written past the change, the ACTIVE member would be INVITED again.
      expect(result.__typename).toBe('AlreadyMemberError');
      expect(await prisma.member.findUniqueOrThrow({ where: { id: former.id } })).toMatchObject({
        status: 'ACTIVE',
      });
      expect(await prisma.invitation.count({ where: { organizationId: org.id } })).toBe(0);
    });

    it('an accept meets invites turned off while it waited; the invitation stays PENDING', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      const target = await invited(server, key, org.id);
      const result = await raceAgainstLockHolder(
        org.id,
        Prisma.sql`UPDATE organizations SET invite_policy = 'DISABLED' WHERE id = ${org.id}::uuid`,
        () => server.gql(ACCEPT, { token: target.token }),
      );
      expect(result.__typename).toBe('InvitesDisabledError');
      expect(
        await prisma.invitation.findUniqueOrThrow({ where: { id: target.invitationId } }),
      ).toMatchObject({ status: 'PENDING' });
      expect(await prisma.memberSession.count({ where: { memberId: target.memberId } })).toBe(0);
    });

    it('an accept meets the last seat taken while it waited', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      const target = await invited(server, key, org.id);
      await prisma.organization.update({ where: { id: org.id }, data: { seatLimit: 2 } });
      const result = await raceAgainstLockHolder(
        org.id,
        Prisma.sql`INSERT INTO members (organization_id, email, email_normalized, status, roles, updated_at)
          VALUES (${org.id}::uuid, 'a@seat.example', 'a@seat.example', 'ACTIVE', '{member}', now()),
                 (${org.id}::uuid, 'b@seat.example', 'b@seat.example', 'ACTIVE', '{member}', now())`,
        () => server.gql(ACCEPT, { token: target.token }),
      );
      expect(result.__typename).toBe('SeatLimitReachedError');
      expect(
        await prisma.member.findUniqueOrThrow({ where: { id: target.memberId } }),
      ).toMatchObject({ status: 'INVITED' });
    });

    it('an accept meets its invitation revoked while it waited', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      const target = await invited(server, key, org.id);
      const result = await raceAgainstLockHolder(
        org.id,
        Prisma.sql`UPDATE invitations SET status = 'REVOKED', token_hash = NULL, revoked_at = now()
          WHERE id = ${target.invitationId}::uuid`,
        () => server.gql(ACCEPT, { token: target.token }),
      );
      expect(result.__typename).toBe('InvalidTokenError');
      expect(await prisma.memberSession.count({ where: { memberId: target.memberId } })).toBe(0);
      expect(
        await prisma.member.findUniqueOrThrow({ where: { id: target.memberId } }),
      ).toMatchObject({ status: 'INVITED' });
    });
  },
);
