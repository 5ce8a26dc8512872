// Races on a real PostgreSQL server (the embedded database serves one connection at a time, so it
// cannot race): simultaneous accepts, invites, revoke against accept, the last seats, and sign-in
// link redeems. Skipped unless TEST_DATABASE_URL names a server.
import { describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import { expireInvitations } from '../src/services/invitations.ts';
import { newApiKey, newMember, newOrganization } from './helpers/fixtures.ts';
import {
  ACCEPT,
  INVITE,
  invited,
  latestEmail,
  orgRef,
  randomEmail,
  REVOKE,
  tokenOf,
  type Result,
} from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';

const N = 16;

/** Mixed case: ADA@EXAMPLE.COM, ada@example.com, Ada@Example.Com, … */
function caseVariant(email: string, index: number): string {
  return [...email]
    .map((char, position) =>
      (index >> (position % 5)) & 1 ? char.toUpperCase() : char.toLowerCase(),
    )
    .join('');
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('invitation races on PostgreSQL', () => {
  const server = useTestServer({ real: true });

  async function all(calls: (() => Promise<{ data?: Result; errors?: unknown[] }>)[]) {
    const responses = await Promise.all(calls.map((call) => call()));
    for (const response of responses) expect(response.errors).toBeUndefined();
    return responses.map((response) => Object.values(response.data!)[0] as Result);
  }

  const typenames = (results: Result[]) => results.map((result) => result.__typename as string);
  const count = (names: string[], name: string) => names.filter((value) => value === name).length;

  it(`${N} simultaneous accepts of one token: exactly one member ACTIVE and one session`, async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const target = await invited(server, key, org.id);
    const results = await all(
      Array.from({ length: N }, () => () => server.gql(ACCEPT, { token: target.token })),
    );
    const names = typenames(results);
    expect(count(names, 'AcceptInvitationPayload')).toBe(1);
    expect(count(names, 'InvalidTokenError')).toBe(N - 1);
    expect(await prisma.member.findUniqueOrThrow({ where: { id: target.memberId } })).toMatchObject(
      {
        status: 'ACTIVE',
      },
    );
    expect(await prisma.memberSession.count({ where: { memberId: target.memberId } })).toBe(1);
    expect(
      await prisma.auditEvent.count({
        where: { organizationId: org.id, action: 'invitation.accepted' },
      }),
    ).toBe(1);
  });

  it(`${N} simultaneous invites of one address in mixed case: one PENDING invitation, one member`, async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const email = randomEmail('race');
    const results = await all(
      Array.from(
        { length: N },
        (_, index) => () =>
          server.gql(
            INVITE,
            { input: { organization: orgRef(org.id), email: caseVariant(email, index) } },
            key,
          ),
      ),
    );
    const names = typenames(results);
    expect(count(names, 'InviteMemberPayload')).toBe(1);
    expect(count(names, 'AlreadyInvitedError')).toBe(N - 1);
    expect(
      await prisma.invitation.count({
        where: { organizationId: org.id, emailNormalized: email, status: 'PENDING' },
      }),
    ).toBe(1);
    expect(
      await prisma.member.count({ where: { organizationId: org.id, emailNormalized: email } }),
    ).toBe(1);
    expect(await prisma.emailOutbox.count({ where: { organizationId: org.id } })).toBe(1);
  });

  it('revoke racing accept always ends in one consistent state', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const outcomes = { accepted: 0, revoked: 0 };
    for (let round = 0; round < 25; round += 1) {
      const target = await invited(server, key, org.id);
      const [accepted, revoked] = await all([
        () => server.gql(ACCEPT, { token: target.token }),
        () => server.gql(REVOKE, { invitation: target.invitationGlobalId }, key),
      ]);
      const invitation = await prisma.invitation.findUniqueOrThrow({
        where: { id: target.invitationId },
      });
      const member = await prisma.member.findUnique({ where: { id: target.memberId } });
      if (accepted!.__typename === 'AcceptInvitationPayload') {
        outcomes.accepted += 1;
        expect(revoked).toMatchObject({
          __typename: 'InvitationNotPendingError',
          status: 'ACCEPTED',
        });
        expect(invitation).toMatchObject({
          status: 'ACCEPTED',
          revokedAt: null,
          memberId: target.memberId,
        });
        expect(member?.status).toBe('ACTIVE');
      } else {
        outcomes.revoked += 1;
        expect(accepted!.__typename).toBe('InvalidTokenError');
        expect(revoked!.__typename).toBe('RevokeInvitationPayload');
        expect(invitation).toMatchObject({ status: 'REVOKED', acceptedAt: null, memberId: null });
        expect(member).toBeNull();
        expect(await prisma.memberSession.count({ where: { memberId: target.memberId } })).toBe(0);
      }
    }
    expect(outcomes.accepted + outcomes.revoked).toBe(25);
  });

  it('concurrent invites never overshoot the seat limit', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    await prisma.organization.update({ where: { id: org.id }, data: { seatLimit: 5 } });
    await newMember(org.id, ['owner']);
    const results = await all(
      Array.from(
        { length: N },
        () => () =>
          server.gql(
            INVITE,
            { input: { organization: orgRef(org.id), email: randomEmail('seat') } },
            key,
          ),
      ),
    );
    const names = typenames(results);
    expect(count(names, 'InviteMemberPayload')).toBe(4);
    expect(count(names, 'SeatLimitReachedError')).toBe(N - 4);
    expect(
      await prisma.invitation.count({ where: { organizationId: org.id, status: 'PENDING' } }),
    ).toBe(4);
    expect(await prisma.member.count({ where: { organizationId: org.id } })).toBe(5);
    expect(await prisma.emailOutbox.count({ where: { organizationId: org.id } })).toBe(4);
  });

  it(`${N} simultaneous redeems of one sign-in link: exactly one session`, async () => {
    const org = await newOrganization();
    const member = await newMember(org.id, ['member']);
    const key = await newApiKey();
    await server.gql(
      `mutation($input: SendSignInLinkInput!) { sendSignInLink(input: $input) { __typename } }`,
      { input: { organization: { slug: org.slug }, email: member.email } },
      key,
    );
    const mail = await prisma.emailOutbox.findFirstOrThrow({ where: { toAddress: member.email } });
    const token = tokenOf(mail.secret!);
    const results = await all(
      Array.from(
        { length: N },
        () => () =>
          server.gql(
            `mutation($token: String!) { redeemSignInLink(token: $token) { __typename } }`,
            { token },
          ),
      ),
    );
    expect(count(typenames(results), 'RedeemSignInLinkPayload')).toBe(1);
    // newMember's own session plus the one redeemed.
    expect(await prisma.memberSession.count({ where: { memberId: member.id } })).toBe(2);
  });

  it('simultaneous sign-in link requests for one member leave exactly one live link', async () => {
    const org = await newOrganization();
    const member = await newMember(org.id, ['member']);
    const sends = 8; // within the hourly allowance per address
    const key = await newApiKey();
    const results = await all(
      Array.from(
        { length: sends },
        () => () =>
          server.gql(
            `mutation($input: SendSignInLinkInput!) { sendSignInLink(input: $input) { __typename } }`,
            { input: { organization: { slug: org.slug }, email: member.email } },
            key,
          ),
      ),
    );
    expect(count(typenames(results), 'SendSignInLinkPayload')).toBe(sends);
    expect(
      await prisma.signInLink.count({ where: { memberId: member.id, tokenHash: { not: null } } }),
    ).toBe(1);
    expect(
      await prisma.emailOutbox.count({ where: { toAddress: member.email, status: 'QUEUED' } }),
    ).toBe(1);
  });

  it('sign-in link requests racing redeems of the same member all complete', async () => {
    const SEND = `mutation($input: SendSignInLinkInput!) { sendSignInLink(input: $input) { __typename } }`;
    const REDEEM = `mutation($token: String!) { redeemSignInLink(token: $token) { __typename } }`;
    const key = await newApiKey();
    for (let round = 0; round < 8; round += 1) {
      const org = await newOrganization();
      const member = await newMember(org.id, ['member']);
      const input = { organization: { slug: org.slug }, email: member.email };
      await server.gql(SEND, { input }, key);
      const mail = await prisma.emailOutbox.findFirstOrThrow({
        where: { toAddress: member.email, status: 'QUEUED' },
      });
      const token = tokenOf(mail.secret!);
      // all() fails on any GraphQL error, such as a deadlock masked as "Unexpected error."
      const names = typenames(
        await all([
          () => server.gql(REDEEM, { token }),
          () => server.gql(SEND, { input }, key),
          () => server.gql(REDEEM, { token }),
          () => server.gql(SEND, { input }, key),
        ]),
      );
      expect(count(names, 'SendSignInLinkPayload')).toBe(2);
      expect(count(names, 'RedeemSignInLinkPayload')).toBeLessThanOrEqual(1);
    }
  });

  it('the expiry sweep racing accepts leaves each invitation either ACCEPTED or EXPIRED', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const targets = await Promise.all(
      Array.from({ length: 8 }, () => invited(server, key, org.id)),
    );
    // Due a moment from now: the sweep runs "in the future", the accepts now.
    const soon = new Date(Date.now() + 2_000);
    await prisma.invitation.updateMany({
      where: { id: { in: targets.map((target) => target.invitationId) } },
      data: { expiresAt: soon },
    });
    const [swept, ...accepts] = await Promise.all([
      expireInvitations(new Date(soon.getTime() + 1)),
      ...targets.map((target) => server.gql(ACCEPT, { token: target.token })),
    ]);
    const accepted = accepts.filter(
      (res) => res.data!.acceptInvitation.__typename === 'AcceptInvitationPayload',
    );
    expect((swept as number) + accepted.length).toBe(targets.length);
    for (const target of targets) {
      const invitation = await prisma.invitation.findUniqueOrThrow({
        where: { id: target.invitationId },
      });
      const member = await prisma.member.findUnique({ where: { id: target.memberId } });
      if (invitation.status === 'ACCEPTED') {
        expect(member?.status).toBe('ACTIVE');
      } else {
        expect(invitation.status).toBe('EXPIRED');
        expect(member).toBeNull();
        expect((await latestEmail(target.invitationId))!.status).toBe('CANCELLED');
      }
    }
  });
});
