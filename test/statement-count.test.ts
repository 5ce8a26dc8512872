// How many SQL statements the three hot requests run (issue 9): inviteMember with an API key,
// acceptInvitation, and a member's session read (viewer, organization, 50 members, 50
// invitations). Each is asserted exactly, so that a regression (or an improvement) shows here and
// the numbers below are lowered on purpose. They are the same operations `npm run bench` times
// (bench/operations.ts). Statements are counted at the pg driver, BEGIN and COMMIT included.
import { describe, expect, it } from 'vitest';
import { ACCEPT, INVITE, SESSION_READ, sessionReadProblem } from '../bench/operations.ts';
import { prisma } from '../src/db.ts';
import { globalId, newApiKey, newMember, newMembers, newOrganization } from './helpers/fixtures.ts';
import { orgRef, randomEmail, tokenOf } from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';
import { statementsDuring } from './helpers/statements.ts';

const server = useTestServer();

// Today's numbers (2026-11-30, Prisma 7.10; the same on 6.19.3). Lower them when a change lowers the count.
// inviteMember: the API key, one statement taking the rate-limit points and reading (organization,
// address, inviter) without a lock, and one that locks the organization, rechecks what the decision read
// and writes member + invitation + email + audit, with no transaction around it.
// acceptInvitation: the rate-limit statement, then one statement that locks, checks and writes
// (invitation, outbox, member, session, audit) with no transaction around it.
// The session read: the session with its member's row, roles and custom roles (the scopes and
// viewer.member use them, no statement of their own), the organization (with the connections'
// counts), a page of members, a page of invitations, their inviters, their latest mails.
const EXPECTED = { inviteMember: 3, acceptInvitation: 2, sessionRead: 6 };

describe('statements per request on the hot paths', () => {
  it('inviteMember, acceptInvitation and the session read each run a fixed number', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    await newMembers(
      org.id,
      Array.from({ length: 49 }, () => ({
        roles: ['member'],
        session: 'none' as const,
        invitedByMemberId: owner.id,
      })),
    );

    // As the bench invites: an API key, no inviter named. The listed invitations (below) name one.
    const invite = (notify: boolean, inviter?: string) =>
      server.gql(
        INVITE,
        {
          input: {
            organization: orgRef(org.id),
            email: randomEmail(),
            notify,
            ...(inviter ? { invitedByMemberId: globalId('Member', inviter) } : {}),
          },
        },
        key,
      );

    // Warm-up: the first request of a process loads and compiles more than later ones do.
    expect((await invite(true)).data!.inviteMember.__typename).toBe('InviteMemberPayload');

    const measured: Record<keyof typeof EXPECTED, number[]> = {
      inviteMember: [],
      acceptInvitation: [],
      sessionRead: [],
    };
    // A key or session used in the last minute is not written again (its lastUsedAt); keep them
    // fresh so that a slow machine does not count that write.
    const fresh = async () => {
      await prisma.apiKey.updateMany({ data: { lastUsedAt: new Date() } });
      await prisma.memberSession.updateMany({ data: { lastUsedAt: new Date() } });
    };
    for (let round = 0; round < 2; round++) {
      await fresh();
      measured.inviteMember.push(
        await statementsDuring(async () => {
          const res = await invite(true);
          expect(res.data!.inviteMember.__typename).toBe('InviteMemberPayload');
        }),
      );
      const forAccept = await invite(false);
      expect(forAccept.data!.inviteMember.__typename).toBe('InviteMemberPayload');
      const token = tokenOf(forAccept.data!.inviteMember.acceptUrl);
      await fresh();
      measured.acceptInvitation.push(
        await statementsDuring(async () => {
          const res = await server.gql(ACCEPT, { token });
          expect(res.data!.acceptInvitation.__typename).toBe('AcceptInvitationPayload');
        }),
      );
    }
    // Top up to 50 invitations (the accepted ones are listed too), these with an inviter.
    while ((await prisma.invitation.count({ where: { organizationId: org.id } })) < 50) {
      const res = await invite(true, owner.id);
      expect(res.data!.inviteMember.__typename).toBe('InviteMemberPayload');
    }
    expect(sessionReadProblem(await server.gql(SESSION_READ, {}, owner.token))).toBeNull();
    for (let round = 0; round < 2; round++) {
      await fresh();
      measured.sessionRead.push(
        await statementsDuring(async () => {
          const res = await server.gql(SESSION_READ, {}, owner.token);
          expect(sessionReadProblem(res)).toBeNull();
        }),
      );
    }

    console.log(
      `SQL statements per request: ${Object.entries(measured)
        .map(([name, counts]) => `${name} ${counts.join(', ')}`)
        .join('; ')}`,
    );
    for (const [name, counts] of Object.entries(measured)) {
      // The same on every run (no first-time work left after the warm-up), and today's number.
      expect(new Set(counts).size, name).toBe(1);
      expect(counts[0], name).toBe(EXPECTED[name as keyof typeof EXPECTED]);
    }
  });
});
