// After the invite: resend, revoke, accept, decline, the public preview by token, and the expiry
// sweep. Every invalid token (wrong, used, expired, revoked, declined, made up) looks the same.
import { describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import { InvalidTokenError } from '../src/errors.ts';
import {
  EMAIL_INVITE_LIMIT,
  expireInvitations,
  INVITES_PER_EMAIL_PER_HOUR,
} from '../src/services/invitations.ts';
import { storedRateLimitKey } from '../src/services/rate-limits.ts';
import { globalId, newApiKey, newMember, newOrganization } from './helpers/fixtures.ts';
import {
  ACCEPT,
  invite,
  invited,
  latestEmail,
  madeUpInvitationToken,
  orgRef,
  randomEmail,
  REVOKE,
  tokenOf,
  type Result,
} from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';

const server = useTestServer();

const MINUTE = 60_000;
const INVALID_TOKEN_MESSAGE = new InvalidTokenError().message;

const RESEND = /* GraphQL */ `
  mutation Resend($invitation: ID!, $expirationMinutes: Int) {
    resendInvitation(id: $invitation, expirationMinutes: $expirationMinutes) {
      __typename
      ... on ResendInvitationPayload {
        acceptUrl
        invitation {
          id
          status
          sendCount
          lastSentAt
          expiresAt
          member {
            id
            status
          }
          delivery {
            status
            nextAttemptAt
          }
        }
      }
      ... on InvitationNotPendingError {
        status
      }
      ... on Error {
        message
        code
      }
      ... on ValidationError {
        field
      }
    }
  }
`;

const DECLINE = /* GraphQL */ `
  mutation Decline($token: String!) {
    declineInvitation(token: $token) {
      __typename
      ... on DeclineInvitationPayload {
        invitation {
          email
          status
          organizationName
        }
      }
      ... on Error {
        message
        code
      }
    }
  }
`;

const PREVIEW = /* GraphQL */ `
  query Preview($token: String!) {
    invitationByToken(token: $token) {
      __typename
      ... on InvitationPreview {
        organizationName
        inviterName
        email
        roles
        expiresAt
        status
      }
      ... on Error {
        message
        code
      }
    }
  }
`;

async function accept(token: string, name?: string): Promise<Result> {
  const res = await server.gql(ACCEPT, { token, name });
  expect(res.errors).toBeUndefined();
  return res.data!.acceptInvitation;
}

async function resend(
  token: string,
  invitation: string,
  expirationMinutes?: number,
): Promise<Result> {
  const res = await server.gql(RESEND, { invitation, expirationMinutes }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.resendInvitation;
}

async function revoke(token: string, invitation: string): Promise<Result> {
  const res = await server.gql(REVOKE, { invitation }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.revokeInvitation;
}

async function expireNow(invitationId: string) {
  await prisma.invitation.update({
    where: { id: invitationId },
    data: { expiresAt: new Date(Date.now() - MINUTE) },
  });
}

/** Whether a session token authenticates, and as whom. */
async function viewerOf(token: string) {
  return server.gql(
    `{ viewer { kind } organization { __typename ... on Organization { slug } } }`,
    {},
    token,
  );
}

describe('resendInvitation', () => {
  it('issues a new token: the old one dies, its queued mail is cancelled, the expiry is renewed', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const first = await invited(server, key, org.id, { expirationMinutes: 10 });
    const oldMail = await latestEmail(first.invitationId);
    const result = await resend(key, first.invitationGlobalId, 120);
    expect(result).toMatchObject({
      __typename: 'ResendInvitationPayload',
      acceptUrl: null,
      invitation: {
        status: 'PENDING',
        sendCount: 2,
        // Due now or later while QUEUED (null once it is SENT, FAILED or CANCELLED).
        delivery: { status: 'QUEUED', nextAttemptAt: expect.any(String) },
      },
    });
    expect(new Date(result.invitation.expiresAt).getTime() - Date.now()).toBeGreaterThan(
      110 * MINUTE,
    );
    expect(
      await prisma.emailOutbox.findUniqueOrThrow({ where: { id: oldMail!.id } }),
    ).toMatchObject({
      status: 'CANCELLED',
      secret: null,
    });
    const newMail = await latestEmail(first.invitationId);
    expect(newMail!.id).not.toBe(oldMail!.id);
    const newToken = tokenOf(newMail!.secret!);
    expect(newToken).not.toBe(first.token);
    expect(await accept(first.token)).toMatchObject({ __typename: 'InvalidTokenError' });
    expect((await accept(newToken)).__typename).toBe('AcceptInvitationPayload');
    const audit = await prisma.auditEvent.count({
      where: { organizationId: org.id, action: 'invitation.resent', targetId: first.invitationId },
    });
    expect(audit).toBe(1);
  });

  it('returns the new link instead of mailing it for an invitation made with notify: false', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const first = await invited(server, key, org.id, { notify: false });
    const result = await resend(key, first.invitationGlobalId);
    expect(result.invitation).toMatchObject({ sendCount: 2, lastSentAt: null, delivery: null });
    expect(tokenOf(result.acceptUrl)).not.toBe(first.token);
    expect(await prisma.emailOutbox.count({ where: { invitationId: first.invitationId } })).toBe(0);
  });

  it('returns the new link of a notify: false invitation only to an API key', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const admin = await newMember(org.id, ['admin']);
    const target = await invited(server, key, org.id, { roles: ['member'], notify: false });
    // A member session never receives someone else's link, even an owner's, even for a role it
    // could grant.
    for (const token of [admin.token, owner.token]) {
      expect(await resend(token, target.invitationGlobalId)).toMatchObject({
        __typename: 'ForbiddenError',
        code: 'FORBIDDEN',
      });
    }
    const row = await prisma.invitation.findUniqueOrThrow({ where: { id: target.invitationId } });
    expect(row.sendCount).toBe(1);
    // Expired, it cannot be revived that way either.
    await expireNow(target.invitationId);
    expect((await resend(admin.token, target.invitationGlobalId)).__typename).toBe(
      'ForbiddenError',
    );
    const byKey = await resend(key, target.invitationGlobalId);
    expect(byKey.__typename).toBe('ResendInvitationPayload');
    expect((await accept(tokenOf(byKey.acceptUrl))).member).toMatchObject({ roles: ['member'] });
  });

  it('re-sends an invitation granting owner only for an owner (or an API key)', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const admin = await newMember(org.id, ['admin']);
    const target = await invited(server, key, org.id, { roles: ['owner'] });
    expect((await resend(admin.token, target.invitationGlobalId)).__typename).toBe(
      'ForbiddenError',
    );
    await expireNow(target.invitationId);
    expect((await resend(admin.token, target.invitationGlobalId)).__typename).toBe(
      'ForbiddenError',
    );
    const byOwner = await resend(owner.token, target.invitationGlobalId);
    expect(byOwner).toMatchObject({ __typename: 'ResendInvitationPayload', acceptUrl: null });
    const mail = await latestEmail(target.invitationId);
    expect((await accept(tokenOf(mail!.secret!))).member).toMatchObject({ roles: ['owner'] });
  });

  it('revives an expired invitation (before and after the sweep) to PENDING with its member back', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const computed = await invited(server, key, org.id);
    await expireNow(computed.invitationId);
    expect((await resend(key, computed.invitationGlobalId)).invitation).toMatchObject({
      status: 'PENDING',
      member: { id: globalId('Member', computed.memberId), status: 'INVITED' },
    });

    const swept = await invited(server, key, org.id);
    await expireNow(swept.invitationId);
    expect(await expireInvitations()).toBeGreaterThanOrEqual(1);
    expect(await prisma.member.count({ where: { id: swept.memberId } })).toBe(0);
    const revived = await resend(key, swept.invitationGlobalId);
    expect(revived.invitation).toMatchObject({ status: 'PENDING', member: { status: 'INVITED' } });
    const row = await prisma.invitation.findUniqueOrThrow({ where: { id: swept.invitationId } });
    expect(row).toMatchObject({ status: 'PENDING', expiredAt: null });
    expect(
      (await accept(tokenOf((await latestEmail(swept.invitationId))!.secret!))).__typename,
    ).toBe('AcceptInvitationPayload');
  });

  it('will not revive an expired invitation over a newer pending one (AlreadyInvitedError)', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const old = await invited(server, key, org.id);
    await expireNow(old.invitationId);
    await expireInvitations();
    await invited(server, key, org.id, { email: old.email });
    expect((await resend(key, old.invitationGlobalId)).__typename).toBe('AlreadyInvitedError');
  });

  it('will not revive an expired invitation for someone now an ACTIVE member (AlreadyMemberError)', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const old = await invited(server, key, org.id);
    await expireNow(old.invitationId);
    await expireInvitations();
    await newMember(org.id, ['member'], old.email.toUpperCase());
    expect((await resend(key, old.invitationGlobalId)).__typename).toBe('AlreadyMemberError');
  });

  it('will not revive an expired invitation without a free seat (SeatLimitReachedError)', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const old = await invited(server, key, org.id);
    await expireNow(old.invitationId);
    await prisma.organization.update({ where: { id: org.id }, data: { seatLimit: 1 } });
    await newMember(org.id, ['owner']);
    expect(await resend(key, old.invitationGlobalId)).toMatchObject({
      __typename: 'SeatLimitReachedError',
    });
    // Nothing changed: still the same stale invitation.
    expect(
      await prisma.invitation.findUniqueOrThrow({ where: { id: old.invitationId } }),
    ).toMatchObject({
      status: 'PENDING',
      sendCount: 1,
    });
  });

  it('InvitationNotPendingError once accepted, declined or revoked', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const accepted = await invited(server, key, org.id);
    await accept(accepted.token);
    expect(await resend(key, accepted.invitationGlobalId)).toMatchObject({
      __typename: 'InvitationNotPendingError',
      code: 'INVITATION_NOT_PENDING',
      status: 'ACCEPTED',
    });
    const declined = await invited(server, key, org.id);
    await server.gql(DECLINE, { token: declined.token });
    expect((await resend(key, declined.invitationGlobalId)).status).toBe('DECLINED');
    const revoked = await invited(server, key, org.id);
    await revoke(key, revoked.invitationGlobalId);
    expect((await resend(key, revoked.invitationGlobalId)).status).toBe('REVOKED');
  });

  it('ValidationError for an expiration out of range; NotFoundError for an unknown id', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const { invitationGlobalId } = await invited(server, key, org.id);
    expect(await resend(key, invitationGlobalId, 3)).toMatchObject({
      __typename: 'ValidationError',
      field: 'expirationMinutes',
    });
    const unknown = globalId('Invitation', '00000000-0000-4000-8000-000000000000');
    expect((await resend(key, unknown)).__typename).toBe('NotFoundError');
    expect(
      (await resend(key, globalId('Member', '00000000-0000-4000-8000-000000000000'))).__typename,
    ).toBe('NotFoundError');
  });

  it("ForbiddenError without invitation:resend in the invitation's organization", async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const other = await newOrganization();
    const { invitationGlobalId } = await invited(server, key, org.id);
    const plain = await newMember(org.id, ['member']);
    const outsider = await newMember(other.id, ['owner']);
    expect((await resend(plain.token, invitationGlobalId)).__typename).toBe('ForbiddenError');
    expect((await resend(outsider.token, invitationGlobalId)).__typename).toBe('ForbiddenError');
    const admin = await newMember(org.id, ['admin']);
    expect((await resend(admin.token, invitationGlobalId)).__typename).toBe(
      'ResendInvitationPayload',
    );
  });

  it('RateLimitedError once the address used its hourly allowance', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const { invitationGlobalId, email } = await invited(server, key, org.id);
    await prisma.rateLimit.update({
      where: { key: storedRateLimitKey(EMAIL_INVITE_LIMIT, `${org.id}:${email}`) },
      data: { points: INVITES_PER_EMAIL_PER_HOUR },
    });
    expect((await resend(key, invitationGlobalId)).__typename).toBe('RateLimitedError');
  });
});

describe('revokeInvitation', () => {
  it('revokes: token dead, queued mail cancelled, INVITED member removed', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const target = await invited(server, key, org.id);
    const result = await revoke(key, target.invitationGlobalId);
    expect(result).toMatchObject({
      __typename: 'RevokeInvitationPayload',
      invitation: { id: target.invitationGlobalId, status: 'REVOKED', member: null },
    });
    expect(result.invitation.revokedAt).toBeTruthy();
    expect(await prisma.member.count({ where: { id: target.memberId } })).toBe(0);
    expect((await latestEmail(target.invitationId))!).toMatchObject({
      status: 'CANCELLED',
      secret: null,
    });
    expect(
      (await prisma.invitation.findUniqueOrThrow({ where: { id: target.invitationId } })).tokenHash,
    ).toBeNull();
    expect((await accept(target.token)).__typename).toBe('InvalidTokenError');
    // The address may be invited again.
    expect(
      (await invite(server, key, { organization: orgRef(org.id), email: target.email })).__typename,
    ).toBe('InviteMemberPayload');
  });

  it('gives a re-invited former member back its DEACTIVATED row when the re-invite is revoked, declined or expires', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const reinvite = async () => {
      const former = await newMember(org.id, ['member']);
      await prisma.member.update({
        where: { id: former.id },
        data: { status: 'DEACTIVATED', deactivatedAt: new Date() },
      });
      const again = await invited(server, key, org.id, { email: former.email });
      expect(again.memberId).toBe(former.id);
      return again;
    };
    const revoked = await reinvite();
    await revoke(key, revoked.invitationGlobalId);
    const declined = await reinvite();
    await server.gql(DECLINE, { token: declined.token });
    const expired = await reinvite();
    await expireNow(expired.invitationId);
    await expireInvitations();
    for (const { memberId } of [revoked, declined, expired]) {
      const member = await prisma.member.findUnique({ where: { id: memberId } });
      expect(member?.status).toBe('DEACTIVATED');
    }
    // Still reactivatable, as any deactivated member.
    const res = await server.gql(
      `mutation($id: ID!) { reactivateMember(id: $id) { __typename } }`,
      { id: globalId('Member', revoked.memberId) },
      key,
    );
    expect(res.data!.reactivateMember.__typename).toBe('ReactivateMemberPayload');
  });

  it('revokes an expired invitation too', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const target = await invited(server, key, org.id);
    await expireNow(target.invitationId);
    await expireInvitations();
    expect((await revoke(key, target.invitationGlobalId)).invitation.status).toBe('REVOKED');
  });

  it('InvitationNotPendingError after accept, and when already revoked', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const accepted = await invited(server, key, org.id);
    await accept(accepted.token);
    expect(await revoke(key, accepted.invitationGlobalId)).toMatchObject({
      __typename: 'InvitationNotPendingError',
      status: 'ACCEPTED',
    });
    const member = await prisma.member.findUniqueOrThrow({ where: { id: accepted.memberId } });
    expect(member.status).toBe('ACTIVE');
    const twice = await invited(server, key, org.id);
    await revoke(key, twice.invitationGlobalId);
    expect((await revoke(key, twice.invitationGlobalId)).status).toBe('REVOKED');
  });

  it('NotFoundError for an unknown id; ForbiddenError for other organizations and plain members', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const other = await newOrganization();
    const target = await invited(server, key, org.id);
    expect(
      (await revoke(key, globalId('Invitation', '00000000-0000-4000-8000-000000000000')))
        .__typename,
    ).toBe('NotFoundError');
    const outsider = await newMember(other.id, ['owner']);
    expect((await revoke(outsider.token, target.invitationGlobalId)).__typename).toBe(
      'ForbiddenError',
    );
    const plain = await newMember(org.id, ['member']);
    expect((await revoke(plain.token, target.invitationGlobalId)).__typename).toBe(
      'ForbiddenError',
    );
    expect(
      (await server.gql(REVOKE, { invitation: target.invitationGlobalId })).data!.revokeInvitation
        .__typename,
    ).toBe('ForbiddenError');
  });
});

describe('acceptInvitation', () => {
  it("activates the member with the invitation's terms and returns a working session", async () => {
    const key = await newApiKey();
    const org = await newOrganization({ name: 'Gamma' });
    const target = await invited(server, key, org.id, {
      name: 'Invited Name',
      roles: ['member'],
      trustedMetadata: { plan: 'pro' },
      untrustedMetadata: { color: 'blue' },
      restrictedResourceIds: ['site-9'],
    });
    const mail = await latestEmail(target.invitationId);
    const result = await accept(target.token, 'Chosen Name');
    expect(result).toMatchObject({
      __typename: 'AcceptInvitationPayload',
      member: {
        id: globalId('Member', target.memberId),
        email: target.email,
        name: 'Chosen Name',
        roles: ['member'],
        status: 'ACTIVE',
      },
      organization: { id: globalId('Organization', org.id), slug: org.slug, name: 'Gamma' },
      invitation: { organizationName: 'Gamma', email: target.email, status: 'ACCEPTED' },
    });
    const member = await prisma.member.findUniqueOrThrow({ where: { id: target.memberId } });
    expect(member).toMatchObject({
      status: 'ACTIVE',
      trustedMetadata: { plan: 'pro' },
      untrustedMetadata: { color: 'blue' },
      hasRestrictedAccess: true,
      restrictedResourceIds: ['site-9'],
    });
    expect(member.activatedAt).toBeTruthy();
    const invitation = await prisma.invitation.findUniqueOrThrow({
      where: { id: target.invitationId },
    });
    expect(invitation).toMatchObject({ status: 'ACCEPTED', tokenHash: null });
    expect(invitation.acceptedAt).toBeTruthy();
    // The mail, still queued, is no longer needed.
    expect(await prisma.emailOutbox.findUniqueOrThrow({ where: { id: mail!.id } })).toMatchObject({
      status: 'CANCELLED',
    });
    // The session works, as this member, in this organization.
    const me = await viewerOf(result.session.token);
    expect(me.data).toMatchObject({ viewer: { kind: 'MEMBER' }, organization: { slug: org.slug } });
    expect(await prisma.memberSession.count({ where: { memberId: target.memberId } })).toBe(1);
    expect(
      await prisma.auditEvent.findFirst({
        where: { organizationId: org.id, action: 'invitation.accepted' },
      }),
    ).toMatchObject({ actorType: 'MEMBER', actorId: target.memberId });
  });

  it('gives the same InvalidTokenError for used, expired, revoked, declined, made-up and malformed tokens', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const used = await invited(server, key, org.id);
    await accept(used.token);
    const expired = await invited(server, key, org.id);
    await expireNow(expired.invitationId);
    const revoked = await invited(server, key, org.id);
    await revoke(key, revoked.invitationGlobalId);
    const declined = await invited(server, key, org.id);
    await server.gql(DECLINE, { token: declined.token });
    const tokens = [
      used.token,
      expired.token,
      revoked.token,
      declined.token,
      madeUpInvitationToken(),
      'nonsense',
      '',
    ];
    for (const token of tokens) {
      expect(await accept(token)).toEqual({
        __typename: 'InvalidTokenError',
        message: INVALID_TOKEN_MESSAGE,
        code: 'INVALID_TOKEN',
      });
    }
    // The expired invitation stayed as it was, not accepted.
    expect(
      (await prisma.member.findUniqueOrThrow({ where: { id: expired.memberId } })).status,
    ).toBe('INVITED');
  });

  it('ValidationError for a blank name, without using the token', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const target = await invited(server, key, org.id);
    expect(await accept(target.token, '   ')).toMatchObject({
      __typename: 'ValidationError',
      field: 'name',
    });
    expect((await accept(target.token)).__typename).toBe('AcceptInvitationPayload');
  });
});

describe('declineInvitation', () => {
  it('declines: DECLINED, token dead, INVITED member removed', async () => {
    const key = await newApiKey();
    const org = await newOrganization({ name: 'Delta' });
    const target = await invited(server, key, org.id);
    const res = await server.gql(DECLINE, { token: target.token });
    expect(res.data!.declineInvitation).toMatchObject({
      __typename: 'DeclineInvitationPayload',
      invitation: { email: target.email, status: 'DECLINED', organizationName: 'Delta' },
    });
    const invitation = await prisma.invitation.findUniqueOrThrow({
      where: { id: target.invitationId },
    });
    expect(invitation).toMatchObject({ status: 'DECLINED', tokenHash: null, memberId: null });
    expect(invitation.declinedAt).toBeTruthy();
    expect(await prisma.member.count({ where: { id: target.memberId } })).toBe(0);
    expect((await latestEmail(target.invitationId))!.status).toBe('CANCELLED');
  });

  it('InvalidTokenError for a used or made-up token', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const target = await invited(server, key, org.id);
    await accept(target.token);
    for (const token of [target.token, madeUpInvitationToken()]) {
      const res = await server.gql(DECLINE, { token });
      expect(res.data!.declineInvitation).toMatchObject({
        __typename: 'InvalidTokenError',
        message: INVALID_TOKEN_MESSAGE,
      });
    }
  });
});

describe('invitationByToken', () => {
  it('shows a public preview with nothing beyond what the email says', async () => {
    const key = await newApiKey();
    const org = await newOrganization({ name: 'Epsilon' });
    const inviter = await newMember(org.id, ['admin']);
    const target = await invited(server, key, org.id, {
      roles: ['admin'],
      invitedByMemberId: globalId('Member', inviter.id),
      trustedMetadata: { secret: 'no' },
    });
    const res = await server.gql(PREVIEW, { token: target.token });
    expect(res.data!.invitationByToken).toEqual({
      __typename: 'InvitationPreview',
      organizationName: 'Epsilon',
      inviterName: inviter.email.split('@')[0],
      email: target.email,
      roles: ['admin'],
      expiresAt: target.result.invitation.expiresAt,
      status: 'PENDING',
    });
    // The type has no ids or metadata to ask for.
    const probe = await server.gql(
      `query($t: String!) { invitationByToken(token: $t) { ... on InvitationPreview { id } } }`,
      {
        t: target.token,
      },
    );
    expect(probe.errors?.[0]?.message).toMatch(/Cannot query field "id"/);
  });

  it('InvalidTokenError for expired, used and made-up tokens alike', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const expired = await invited(server, key, org.id);
    await expireNow(expired.invitationId);
    const used = await invited(server, key, org.id);
    await accept(used.token);
    for (const token of [expired.token, used.token, madeUpInvitationToken(), 'x']) {
      const res = await server.gql(PREVIEW, { token });
      expect(res.data!.invitationByToken).toEqual({
        __typename: 'InvalidTokenError',
        message: INVALID_TOKEN_MESSAGE,
        code: 'INVALID_TOKEN',
      });
    }
  });
});

describe('expireInvitations', () => {
  it('stores EXPIRED for pending invitations past expiresAt, cancels their mail and removes their members', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const due = await invited(server, key, org.id);
    const notYet = await invited(server, key, org.id, { expirationMinutes: 60 });
    const past = new Date(Date.now() - 5 * MINUTE);
    await prisma.invitation.update({ where: { id: due.invitationId }, data: { expiresAt: past } });

    const swept = await expireInvitations();
    expect(swept).toBeGreaterThanOrEqual(1);
    const invitation = await prisma.invitation.findUniqueOrThrow({
      where: { id: due.invitationId },
    });
    expect(invitation).toMatchObject({
      status: 'EXPIRED',
      tokenHash: null,
      memberId: null,
      expiredAt: past,
    });
    expect(await prisma.member.count({ where: { id: due.memberId } })).toBe(0);
    expect((await latestEmail(due.invitationId))!).toMatchObject({
      status: 'CANCELLED',
      secret: null,
    });
    expect(
      await prisma.auditEvent.findFirst({
        where: { action: 'invitation.expired', targetId: due.invitationId },
      }),
    ).toMatchObject({ actorType: 'SYSTEM', organizationId: org.id });

    const untouched = await prisma.invitation.findUniqueOrThrow({
      where: { id: notYet.invitationId },
    });
    expect(untouched.status).toBe('PENDING');
    expect(await prisma.member.count({ where: { id: notYet.memberId } })).toBe(1);
    // Nothing left to do, and an hour from now the other one is due.
    expect(await expireInvitations()).toBe(0);
    expect(await expireInvitations(new Date(Date.now() + 61 * MINUTE))).toBeGreaterThanOrEqual(1);
    expect(
      (await prisma.invitation.findUniqueOrThrow({ where: { id: notYet.invitationId } })).status,
    ).toBe('EXPIRED');
  });
});

describe('the Invitation type and Organization.invitations', () => {
  const LIST = /* GraphQL */ `
    query List(
      $org: OrganizationRef
      $status: [InvitationStatus!]
      $email: String
      $invitedBy: ID
      $first: Int
    ) {
      organization(by: $org) {
        __typename
        ... on Organization {
          invitations(
            status: $status
            emailContains: $email
            invitedById: $invitedBy
            first: $first
          ) {
            totalCount
            edges {
              node {
                id
                email
                status
                delivery {
                  status
                  attempts
                  lastError
                  sentAt
                }
              }
            }
            pageInfo {
              hasNextPage
            }
          }
        }
      }
    }
  `;

  const emailsIn = (res: Result) =>
    res.data!.organization.invitations.edges.map(
      (edge: { node: { email: string } }) => edge.node.email,
    );

  it('lists newest first with status, email and inviter filters, and a filtered totalCount', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const admin = await newMember(org.id, ['admin']);
    const a = await invited(server, key, org.id, { email: randomEmail('alpha') });
    const b = await invited(server, key, org.id, { email: randomEmail('beta') });
    const c = await invite(server, admin.token, { email: randomEmail('gamma') });
    await expireNow(b.invitationId);
    await revoke(key, a.invitationGlobalId);

    const all = await server.gql(LIST, { org: orgRef(org.id) }, key);
    expect(emailsIn(all)).toEqual([c.invitation.email, b.email, a.email]);
    expect(all.data!.organization.invitations.totalCount).toBe(3);

    const pending = await server.gql(LIST, { org: orgRef(org.id), status: ['PENDING'] }, key);
    expect(emailsIn(pending)).toEqual([c.invitation.email]);
    expect(pending.data!.organization.invitations.totalCount).toBe(1);
    // Past its expiry but not yet swept: listed (and shown) as EXPIRED.
    const expired = await server.gql(LIST, { org: orgRef(org.id), status: ['EXPIRED'] }, key);
    expect(
      expired.data!.organization.invitations.edges.map((edge: Result) => edge.node),
    ).toMatchObject([{ email: b.email, status: 'EXPIRED' }]);
    const two = await server.gql(
      LIST,
      { org: orgRef(org.id), status: ['EXPIRED', 'REVOKED'] },
      key,
    );
    expect(emailsIn(two)).toEqual([b.email, a.email]);

    const byEmail = await server.gql(LIST, { org: orgRef(org.id), email: 'BETA' }, key);
    expect(emailsIn(byEmail)).toEqual([b.email]);
    const byInviter = await server.gql(
      LIST,
      { org: orgRef(org.id), invitedBy: globalId('Member', admin.id) },
      key,
    );
    expect(emailsIn(byInviter)).toEqual([c.invitation.email]);
    const paged = await server.gql(LIST, { org: orgRef(org.id), first: 2 }, key);
    expect(paged.data!.organization.invitations).toMatchObject({
      totalCount: 3,
      pageInfo: { hasNextPage: true },
    });
  });

  it('shows the delivery state of the latest email', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const target = await invited(server, key, org.id);
    const mail = await latestEmail(target.invitationId);
    const sentAt = new Date();
    await prisma.emailOutbox.update({
      where: { id: mail!.id },
      data: { status: 'SENT', attempts: 2, lastError: 'greylisted', sentAt, secret: null },
    });
    const res = await server.gql(LIST, { org: orgRef(org.id) }, key);
    expect(res.data!.organization.invitations.edges[0].node.delivery).toEqual({
      status: 'SENT',
      attempts: 2,
      lastError: 'greylisted',
      sentAt: sentAt.toISOString(),
    });
  });

  it('is readable with invitation:read in the organization only', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const other = await newOrganization();
    const target = await invited(server, key, org.id);
    const plain = await newMember(org.id, ['member']);
    const outsider = await newMember(other.id, ['owner']);
    const ONE = `query($id: ID!) { invitation(id: $id) { __typename ... on Invitation { email organization { slug } } } }`;
    expect(
      (await server.gql(ONE, { id: target.invitationGlobalId }, plain.token)).data!.invitation,
    ).toMatchObject({
      __typename: 'Invitation',
      email: target.email,
      organization: { slug: org.slug },
    });
    expect(
      (await server.gql(ONE, { id: target.invitationGlobalId }, outsider.token)).data!.invitation
        .__typename,
    ).toBe('ForbiddenError');
    expect(
      (
        await server.gql(
          ONE,
          { id: globalId('Invitation', '00000000-0000-4000-8000-000000000000') },
          key,
        )
      ).data!.invitation.__typename,
    ).toBe('NotFoundError');
    const theirs = await server.gql(LIST, { org: orgRef(org.id) }, outsider.token);
    expect(theirs.data!.organization.__typename).toBe('ForbiddenError');
    // Through the Relay node field too: null, as for an id nobody has (issue 7 item 8).
    const node = await server.gql(
      `query($id: ID!) { node(id: $id) { ... on Invitation { email } } }`,
      { id: target.invitationGlobalId },
      outsider.token,
    );
    expect(node).toMatchObject({ data: { node: null } });
    expect(node.errors).toBeUndefined();
  });
});

describe('who may point and re-send invitations', () => {
  it("limits a member session's redirectUrl to the origin of the organization's default; API keys to the allowed origins", async () => {
    const key = await newApiKey();
    const org = await newOrganization(); // default redirect: https://app.example.com/accept
    const admin = await newMember(org.id, ['admin']);
    const offOrigin = await invite(server, admin.token, {
      email: randomEmail(),
      redirectUrl: 'https://elsewhere.example/join',
    });
    expect(offOrigin).toMatchObject({ __typename: 'ValidationError', field: 'input.redirectUrl' });
    expect(await prisma.invitation.count({ where: { organizationId: org.id } })).toBe(0);

    const sameOrigin = await invite(server, admin.token, {
      email: randomEmail(),
      redirectUrl: 'https://app.example.com/welcome?from=admin',
    });
    expect(sameOrigin.invitation.redirectUrl).toBe('https://app.example.com/welcome?from=admin');

    // An API key may name any origin allowed by REDIRECT_ORIGINS (see vitest.config.ts), no other.
    const byKey = await invite(server, key, {
      organization: orgRef(org.id),
      email: randomEmail(),
      redirectUrl: 'https://elsewhere.example.com/join',
    });
    expect(byKey.invitation.redirectUrl).toBe('https://elsewhere.example.com/join');
    const offList = await invite(server, key, {
      organization: orgRef(org.id),
      email: randomEmail(),
      redirectUrl: 'https://elsewhere.example/join',
    });
    expect(offList).toMatchObject({ code: 'REDIRECT_URL_NOT_ALLOWED' });

    // Once the organization lists origins of its own, a member session may use any of them.
    await prisma.organization.update({
      where: { id: org.id },
      data: { allowedRedirectOrigins: ['https://app.example.com', 'https://app.acme.test'] },
    });
    const listed = await invite(server, admin.token, {
      email: randomEmail(),
      redirectUrl: 'https://app.acme.test/join',
    });
    expect(listed.invitation.redirectUrl).toBe('https://app.acme.test/join');
    const unlisted = await invite(server, admin.token, {
      email: randomEmail(),
      redirectUrl: 'https://elsewhere.example.com/join',
    });
    expect(unlisted).toMatchObject({ code: 'REDIRECT_URL_NOT_ALLOWED' });
    await prisma.organization.update({
      where: { id: org.id },
      data: { allowedRedirectOrigins: [] },
    });

    // With no default redirect URL, a member session cannot name one at all.
    await prisma.organization.update({ where: { id: org.id }, data: { defaultRedirectUrl: null } });
    const noDefault = await invite(server, admin.token, {
      email: randomEmail(),
      redirectUrl: 'https://app.example.com/accept',
    });
    expect(noDefault).toMatchObject({ __typename: 'ValidationError', field: 'input.redirectUrl' });
  });

  it('makes a member session that re-sends with resendIfPending the inviter', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const admin = await newMember(org.id, ['admin']);
    const first = await invited(server, key, org.id);
    expect(first.result.invitation.invitedBy).toBeNull();
    const again = await invite(server, admin.token, { email: first.email, resendIfPending: true });
    expect(again.__typename).toBe('InviteMemberPayload');
    expect(again.invitation.invitedBy).toEqual({ id: globalId('Member', admin.id) });
  });

  it('follows the current invite policy when re-sending: no resend once invites are turned off', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const pending = await invited(server, key, org.id);
    await prisma.organization.update({ where: { id: org.id }, data: { invitePolicy: 'DISABLED' } });
    expect((await resend(key, pending.invitationGlobalId)).__typename).toBe('InvitesDisabledError');
    const row = await prisma.invitation.findUniqueOrThrow({ where: { id: pending.invitationId } });
    expect(row.sendCount).toBe(1);
  });
});
