// Regression tests for the privilege escalations of issue 7 in invitations, redirects and owner
// guards (items 1, 2, 3, 4 and 6). Each `it` reproduces an attack that worked on main, through the
// real Yoga server, and checks that it is now refused and left no trace.
import { describe, expect, it } from 'vitest';
import {
  isRedirectAllowed,
  redirectOriginsFromEnv,
  setRedirectOrigins,
} from '../src/auth/redirect-origins.ts';
import { loadConfig } from '../src/config.ts';
import { prisma } from '../src/db.ts';
import type { MailTransport } from '../src/email/transport.ts';
import { createEmailWorker } from '../src/email/worker.ts';
import { expireInvitations } from '../src/services/invitations.ts';
import { globalId, newApiKey, newMember, newOrganization } from './helpers/fixtures.ts';
import {
  ACCEPT,
  idOf,
  invite,
  invited,
  latestEmail,
  orgRef,
  randomEmail,
  tokenOf,
  type Result,
} from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';

const server = useTestServer();

const UPDATE_ORGANIZATION = /* GraphQL */ `
  mutation Update($input: UpdateOrganizationInput!) {
    updateOrganization(input: $input) {
      __typename
      ... on OrganizationPayload {
        organization {
          settings {
            defaultRedirectUrl
            invitePolicy
            allowedEmailDomains
            seatLimit
          }
        }
      }
      ... on Error {
        message
        code
      }
    }
  }
`;

const UPDATE_REDIRECT_ORIGINS = /* GraphQL */ `
  mutation Update($input: UpdateOrganizationInput!) {
    updateOrganization(input: $input) {
      __typename
      ... on OrganizationPayload {
        organization {
          settings {
            allowedRedirectOrigins
            defaultRedirectUrl
          }
        }
      }
      ... on Error {
        message
        code
      }
    }
  }
`;

const RESEND = /* GraphQL */ `
  mutation Resend($invitation: ID!) {
    resendInvitation(id: $invitation) {
      __typename
      ... on ResendInvitationPayload {
        acceptUrl
        invitation {
          status
          roles
        }
      }
      ... on Error {
        message
        code
      }
    }
  }
`;

const REVOKE = /* GraphQL */ `
  mutation Revoke($invitation: ID!) {
    revokeInvitation(id: $invitation) {
      __typename
      ... on Error {
        code
      }
    }
  }
`;

const REVOKE_SESSIONS = /* GraphQL */ `
  mutation RevokeSessions($member: ID!) {
    revokeMemberSessions(id: $member) {
      __typename
      ... on RevokeMemberSessionsPayload {
        revokedSessionCount
      }
      ... on Error {
        code
      }
    }
  }
`;

const UPDATE_MEMBER = /* GraphQL */ `
  mutation UpdateMember($input: UpdateMemberInput!) {
    updateMember(input: $input) {
      __typename
      ... on Error {
        code
      }
    }
  }
`;

const SEND_SIGN_IN_LINK = /* GraphQL */ `
  mutation Send($input: SendSignInLinkInput!) {
    sendSignInLink(input: $input) {
      __typename
      ... on Error {
        message
        code
      }
    }
  }
`;

const INVITE_MANY = /* GraphQL */ `
  mutation InviteMany($input: InviteMembersInput!) {
    inviteMembers(input: $input) {
      __typename
      ... on Error {
        code
      }
    }
  }
`;

const VIEWER = /* GraphQL */ `
  query {
    viewer {
      kind
    }
  }
`;

async function gqlField(query: string, variables: Record<string, unknown>, token?: string) {
  const res = await server.gql(query, variables, token);
  expect(res.errors).toBeUndefined();
  const data = res.data!;
  return data[Object.keys(data)[0]!] as Result;
}

async function accept(token: string): Promise<Result> {
  return gqlField(ACCEPT, { token });
}

/** An organization with an ACTIVE owner and admin, and an API key. */
async function setup() {
  const org = await newOrganization();
  const owner = await newMember(org.id, ['owner']);
  const admin = await newMember(org.id, ['admin']);
  const key = await newApiKey();
  return { org, owner, admin, key };
}

/** What the built-in member role may do: reading (so that it may grant the member role). */
const READ = ['organization:read', 'member:read', 'invitation:read', 'role:read'];

/** A custom role holding exactly `permissions`, and an ACTIVE member holding only it. */
async function memberWith(organizationId: string, permissions: string[]) {
  const key = `narrow-${Math.random().toString(36).slice(2, 8)}`;
  await prisma.customRole.create({
    data: { organizationId, key, name: key, permissions },
  });
  return newMember(organizationId, [key]);
}

describe('1. redirect URLs come from an allow-list, and setting them is owner-level', () => {
  it('an admin may not change the redirect URL, allowed email domains or invite policy', async () => {
    const { org, admin, owner } = await setup();
    for (const settings of [
      { defaultRedirectUrl: 'https://app.example.com/evil' },
      { allowedEmailDomains: ['example.com'] },
      { invitePolicy: 'ALL_ALLOWED' },
    ]) {
      const result = await gqlField(UPDATE_ORGANIZATION, { input: { settings } }, admin.token);
      expect(result).toMatchObject({ __typename: 'ForbiddenError' });
    }
    // Other settings stay admin-level; owners may change the sensitive ones.
    const seats = await gqlField(
      UPDATE_ORGANIZATION,
      { input: { settings: { seatLimit: 50 } } },
      admin.token,
    );
    expect(seats.__typename).toBe('OrganizationPayload');
    const byOwner = await gqlField(
      UPDATE_ORGANIZATION,
      { input: { settings: { defaultRedirectUrl: 'https://app.example.com/join' } } },
      owner.token,
    );
    expect(byOwner.organization.settings.defaultRedirectUrl).toBe('https://app.example.com/join');
    const stored = await prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
    expect(stored.defaultRedirectUrl).toBe('https://app.example.com/join');
  });

  it('nobody, not even an owner or an API key, may point links at an origin off the allow-list', async () => {
    const { org, owner, key } = await setup();
    const byOwner = await gqlField(
      UPDATE_ORGANIZATION,
      { input: { settings: { defaultRedirectUrl: 'https://attacker.example/steal' } } },
      owner.token,
    );
    expect(byOwner).toMatchObject({ code: 'REDIRECT_URL_NOT_ALLOWED' });
    const byKey = await gqlField(
      UPDATE_ORGANIZATION,
      {
        input: {
          organization: orgRef(org.id),
          settings: { defaultRedirectUrl: 'https://attacker.example/steal' },
        },
      },
      key,
    );
    expect(byKey).toMatchObject({ code: 'REDIRECT_URL_NOT_ALLOWED' });
    const created = await gqlField(
      /* GraphQL */ `
        mutation Create($input: CreateOrganizationInput!) {
          createOrganization(input: $input) {
            __typename
            ... on Error {
              code
            }
          }
        }
      `,
      {
        input: {
          name: 'Evil',
          slug: `evil-${org.id.slice(0, 8)}`,
          settings: { defaultRedirectUrl: 'https://attacker.example/steal' },
        },
      },
      key,
    );
    expect(created).toMatchObject({ code: 'REDIRECT_URL_NOT_ALLOWED' });

    const email = randomEmail();
    const invitation = await invite(server, key, {
      organization: orgRef(org.id),
      email,
      redirectUrl: 'https://attacker.example/steal',
    });
    expect(invitation).toMatchObject({ code: 'REDIRECT_URL_NOT_ALLOWED' });
    expect(await prisma.invitation.count({ where: { organizationId: org.id, email } })).toBe(0);

    const signIn = await gqlField(
      SEND_SIGN_IN_LINK,
      {
        input: {
          organization: orgRef(org.id),
          email: owner.email,
          redirectUrl: 'https://attacker.example/steal',
        },
      },
      key,
    );
    expect(signIn).toMatchObject({ code: 'REDIRECT_URL_NOT_ALLOWED' });
    expect(await prisma.signInLink.count({ where: { memberId: owner.id } })).toBe(0);
  });

  it('a default stored before the allow-list existed is refused at send time, with a typed error', async () => {
    const { org, owner, key } = await setup();
    await prisma.organization.update({
      where: { id: org.id },
      data: { defaultRedirectUrl: 'https://attacker.example/steal' },
    });
    const invitation = await invite(server, key, {
      organization: orgRef(org.id),
      email: randomEmail(),
    });
    expect(invitation).toMatchObject({ code: 'REDIRECT_URL_NOT_ALLOWED' });
    const signIn = await gqlField(
      SEND_SIGN_IN_LINK,
      { input: { organization: orgRef(org.id), email: owner.email } },
      key,
    );
    expect(signIn).toMatchObject({ code: 'REDIRECT_URL_NOT_ALLOWED' });
    expect(await prisma.emailOutbox.count({ where: { organizationId: org.id } })).toBe(0);
  });

  it("an organization's own allowed origins narrow the configured ones, and must lie within them", async () => {
    const { org, owner, admin, key } = await setup();
    const outside = await gqlField(
      UPDATE_REDIRECT_ORIGINS,
      { input: { settings: { allowedRedirectOrigins: ['https://attacker.example'] } } },
      owner.token,
    );
    expect(outside).toMatchObject({ code: 'REDIRECT_URL_NOT_ALLOWED' });
    const byAdmin = await gqlField(
      UPDATE_REDIRECT_ORIGINS,
      { input: { settings: { allowedRedirectOrigins: ['https://app.example.com'] } } },
      admin.token,
    );
    expect(byAdmin.__typename).toBe('ForbiddenError');
    const narrowed = await gqlField(
      UPDATE_REDIRECT_ORIGINS,
      { input: { settings: { allowedRedirectOrigins: ['https://app.example.com/ignored-path'] } } },
      owner.token,
    );
    expect(narrowed.organization.settings.allowedRedirectOrigins).toEqual([
      'https://app.example.com',
    ]);
    // elsewhere.example.com is allowed by configuration, but no longer by this organization.
    const elsewhere = await invite(server, key, {
      organization: orgRef(org.id),
      email: randomEmail(),
      redirectUrl: 'https://elsewhere.example.com/in',
    });
    expect(elsewhere).toMatchObject({ code: 'REDIRECT_URL_NOT_ALLOWED' });
    const onOrigin = await invite(server, key, {
      organization: orgRef(org.id),
      email: randomEmail(),
      redirectUrl: 'https://app.example.com/welcome',
    });
    expect(onOrigin.__typename).toBe('InviteMemberPayload');
    // The default must stay on an allowed origin: narrowing the list past it is refused.
    const strands = await gqlField(
      UPDATE_REDIRECT_ORIGINS,
      {
        input: {
          settings: {
            allowedRedirectOrigins: ['https://elsewhere.example.com'],
          },
        },
      },
      owner.token,
    );
    expect(strands).toMatchObject({ code: 'REDIRECT_URL_NOT_ALLOWED' });
  });

  it('mail queued for an origin that is no longer allowed is not delivered, and not re-sent', async () => {
    const { org, owner, key } = await setup();
    const { invitationId, invitationGlobalId } = await invited(server, key, org.id, {
      redirectUrl: 'https://elsewhere.example.com/in',
    });
    const narrowed = await gqlField(
      UPDATE_REDIRECT_ORIGINS,
      { input: { settings: { allowedRedirectOrigins: ['https://app.example.com'] } } },
      owner.token,
    );
    expect(narrowed.__typename).toBe('OrganizationPayload');

    const sent: string[] = [];
    const transport: MailTransport = {
      kind: 'sink',
      async send(email) {
        sent.push(email.link ?? '');
        return { messageId: `m-${sent.length}` };
      },
      async close() {},
    };
    await createEmailWorker({ transport, batchSize: 100 }).runOnce();
    expect(sent.filter((link) => link.startsWith('https://elsewhere.example.com'))).toEqual([]);
    const mail = await latestEmail(invitationId);
    expect(mail).toMatchObject({ status: 'CANCELLED', secret: null });
    expect(mail!.lastError ?? '').not.toContain('token=');

    const resent = await gqlField(RESEND, { invitation: invitationGlobalId }, key);
    expect(resent).toMatchObject({ code: 'REDIRECT_URL_NOT_ALLOWED' });
  });
});

describe('2. re-issuing an invitation passes the grant check of a new invite', () => {
  it("an admin cannot revive a deactivated owner's expired invitation", async () => {
    const { org, admin, key } = await setup();
    const formerOwner = await newMember(org.id, ['owner']);
    await prisma.member.update({
      where: { id: formerOwner.id },
      data: { status: 'DEACTIVATED', deactivatedAt: new Date() },
    });
    // The backend re-invited the former owner as owner; the invitation then lapsed.
    const { invitationId, invitationGlobalId } = await invited(server, key, org.id, {
      email: formerOwner.email,
      roles: ['owner'],
    });
    await prisma.invitation.update({
      where: { id: invitationId },
      data: { expiresAt: new Date(Date.now() - 60_000) },
    });
    await expireInvitations();

    const resent = await gqlField(RESEND, { invitation: invitationGlobalId }, admin.token);
    expect(['ForbiddenError', 'RoleNotGrantableError']).toContain(resent.__typename);
    const invitation = await prisma.invitation.findUniqueOrThrow({ where: { id: invitationId } });
    expect(invitation.expiresAt.getTime()).toBeLessThan(Date.now());
    expect(invitation.sendCount).toBe(1);
    expect(await prisma.emailOutbox.count({ where: { invitationId } })).toBe(1);
    const member = await prisma.member.findUniqueOrThrow({ where: { id: formerOwner.id } });
    expect(member).toMatchObject({ status: 'DEACTIVATED', roles: ['owner'] });
  });

  it("reviving an invitation onto a former owner's row is refused, whatever the invitation grants", async () => {
    const { org, admin, key } = await setup();
    // Re-invited as a plain member; the invitation lapsed and the row went back to DEACTIVATED.
    const { invitationId, invitationGlobalId, memberId } = await invited(server, key, org.id);
    await prisma.invitation.update({
      where: { id: invitationId },
      data: { status: 'EXPIRED', expiredAt: new Date(), tokenHash: null, memberId: null },
    });
    // The row is an owner's (an owner restored its roles while it was deactivated).
    await prisma.member.update({
      where: { id: memberId },
      data: { status: 'DEACTIVATED', deactivatedAt: new Date(), roles: ['owner'] },
    });
    const resent = await gqlField(RESEND, { invitation: invitationGlobalId }, admin.token);
    expect(resent).toMatchObject({ __typename: 'RoleNotGrantableError' });
    const member = await prisma.member.findUniqueOrThrow({ where: { id: memberId } });
    expect(member).toMatchObject({ status: 'DEACTIVATED', roles: ['owner'] });
  });

  it('resending needs the right to grant the roles, even when the link is mailed', async () => {
    const { org, key } = await setup();
    const resender = await memberWith(org.id, ['invitation:read', 'invitation:resend']);
    const { invitationId, invitationGlobalId } = await invited(server, key, org.id, {
      roles: ['admin'],
    });
    const before = await prisma.invitation.findUniqueOrThrow({ where: { id: invitationId } });
    const resent = await gqlField(RESEND, { invitation: invitationGlobalId }, resender.token);
    expect(resent).toMatchObject({ __typename: 'RoleNotGrantableError' });
    const after = await prisma.invitation.findUniqueOrThrow({ where: { id: invitationId } });
    expect(after.tokenHash).toBe(before.tokenHash);
    expect(after.sendCount).toBe(before.sendCount);
  });
});

describe('3. nobody but an API key receives a link, and re-inviting hands nothing over', () => {
  it('invitation:create alone cannot take over a pending invitation with resendIfPending', async () => {
    const { org, key } = await setup();
    const inviter = await memberWith(org.id, [...READ, 'invitation:create']);
    const { email, invitationId } = await invited(server, key, org.id, {
      roles: ['member'],
      trustedMetadata: { plan: 'enterprise' },
    });
    const before = await prisma.invitation.findUniqueOrThrow({ where: { id: invitationId } });
    const hijack = await invite(server, inviter.token, {
      email,
      resendIfPending: true,
      notify: false,
    });
    expect(hijack.__typename).toBe('ForbiddenError');
    expect(hijack.acceptUrl).toBeUndefined();
    // Without notify: false it is still a resend, which needs invitation:resend.
    const resend = await invite(server, inviter.token, { email, resendIfPending: true });
    expect(resend.__typename).toBe('ForbiddenError');
    const after = await prisma.invitation.findUniqueOrThrow({ where: { id: invitationId } });
    expect(after.tokenHash).toBe(before.tokenHash);
  });

  it('a member session never receives a link: notify: false is for API keys', async () => {
    const { org, admin, key } = await setup();
    const fresh = await invite(server, admin.token, { email: randomEmail(), notify: false });
    expect(fresh).toMatchObject({
      __typename: 'ForbiddenError',
      message: expect.stringContaining('Only API keys may use notify: false'),
    });
    const many = await gqlField(
      INVITE_MANY,
      { input: { invitations: [{ email: randomEmail() }], notify: false } },
      admin.token,
    );
    expect(many.__typename).toBe('ForbiddenError');
    const manyItem = await gqlField(
      INVITE_MANY,
      { input: { invitations: [{ email: randomEmail(), notify: false }] } },
      admin.token,
    );
    expect(manyItem.__typename).toBe('ForbiddenError');
    // An invitation the backend delivers itself: resending it would hand the link to the caller.
    const { invitationGlobalId } = await invited(server, key, org.id, { notify: false });
    const resent = await gqlField(RESEND, { invitation: invitationGlobalId }, admin.token);
    expect(resent.__typename).toBe('ForbiddenError');
    expect(resent.acceptUrl).toBeUndefined();
    // The API key still gets its links.
    const byKey = await gqlField(RESEND, { invitation: invitationGlobalId }, key);
    expect(byKey.acceptUrl).toMatch(/token=ri_/);
  });

  it("re-inviting a deactivated member does not hand over the old row's roles or trusted metadata", async () => {
    const { org, admin } = await setup();
    const former = await newMember(org.id, ['admin']);
    await prisma.member.update({
      where: { id: former.id },
      data: {
        status: 'DEACTIVATED',
        deactivatedAt: new Date(),
        trustedMetadata: { plan: 'enterprise' },
      },
    });
    // A caller who could not grant admin may not rewrite (demote) that row by re-inviting it.
    const inviter = await memberWith(org.id, [...READ, 'invitation:create']);
    const refused = await invite(server, inviter.token, { email: former.email });
    expect(refused).toMatchObject({ __typename: 'RoleNotGrantableError', role: 'admin' });

    const reinvited = await invite(server, admin.token, { email: former.email });
    expect(reinvited.__typename).toBe('InviteMemberPayload');
    expect(reinvited.member.id).toBe(globalId('Member', former.id));
    const mail = await latestEmail(idOf(reinvited.invitation.id));
    const accepted = await accept(tokenOf(mail!.secret!));
    expect(accepted.member.roles).toEqual(['member']);
    const member = await prisma.member.findUniqueOrThrow({ where: { id: former.id } });
    expect(member).toMatchObject({ status: 'ACTIVE', roles: ['member'], trustedMetadata: {} });
  });
});

describe('4. acting on an owner, or on an invitation granting owner, is owner-level', () => {
  it('an admin cannot sign an owner out everywhere', async () => {
    const { org, owner, admin } = await setup();
    const result = await gqlField(
      REVOKE_SESSIONS,
      { member: globalId('Member', owner.id) },
      admin.token,
    );
    expect(result.__typename).toBe('ForbiddenError');
    expect((await server.gql(VIEWER, {}, owner.token)).data?.viewer?.kind).toBe('MEMBER');
    // An owner may; an admin may sign out another admin.
    const other = await newMember(org.id, ['admin']);
    const byAdmin = await gqlField(
      REVOKE_SESSIONS,
      { member: globalId('Member', other.id) },
      admin.token,
    );
    expect(byAdmin).toMatchObject({ revokedSessionCount: 1 });
  });

  it("an admin cannot change an owner's profile through updateMember", async () => {
    const { owner, admin } = await setup();
    const result = await gqlField(
      UPDATE_MEMBER,
      { input: { id: globalId('Member', owner.id), name: 'Mallory' } },
      admin.token,
    );
    expect(result.__typename).toBe('ForbiddenError');
  });

  it('an admin cannot rewrite, resend or revoke a pending owner invitation', async () => {
    const { org, admin, key } = await setup();
    const { email, invitationId, invitationGlobalId } = await invited(server, key, org.id, {
      roles: ['owner'],
    });
    const before = await prisma.invitation.findUniqueOrThrow({ where: { id: invitationId } });
    const rewritten = await invite(server, admin.token, {
      email,
      roles: ['member'],
      resendIfPending: true,
    });
    expect(rewritten).toMatchObject({ __typename: 'RoleNotGrantableError', role: 'owner' });
    const resent = await gqlField(RESEND, { invitation: invitationGlobalId }, admin.token);
    expect(resent.__typename).toBe('ForbiddenError');
    const revoked = await gqlField(REVOKE, { invitation: invitationGlobalId }, admin.token);
    expect(revoked.__typename).toBe('ForbiddenError');
    const after = await prisma.invitation.findUniqueOrThrow({ where: { id: invitationId } });
    expect(after).toMatchObject({
      status: 'PENDING',
      roles: ['owner'],
      tokenHash: before.tokenHash,
    });
  });
});

describe('6. accepting follows the policy and seat limit of today, not of the day it was sent', () => {
  it('refuses when the address domain is no longer allowed; the invitation stays pending', async () => {
    const { org, key } = await setup();
    const { token, invitationId } = await invited(server, key, org.id);
    await prisma.organization.update({
      where: { id: org.id },
      data: { invitePolicy: 'RESTRICTED_TO_DOMAINS', allowedEmailDomains: ['acme.test'] },
    });
    const result = await accept(token);
    expect(result).toMatchObject({
      __typename: 'DomainNotAllowedError',
      code: 'DOMAIN_NOT_ALLOWED',
    });
    const invitation = await prisma.invitation.findUniqueOrThrow({ where: { id: invitationId } });
    expect(invitation.status).toBe('PENDING');
    // Allowed again: the same link works.
    await prisma.organization.update({
      where: { id: org.id },
      data: { allowedEmailDomains: ['acme.test', 'example.com'] },
    });
    expect((await accept(token)).__typename).toBe('AcceptInvitationPayload');
  });

  it('refuses when invites were turned off', async () => {
    const { org, key } = await setup();
    const { token } = await invited(server, key, org.id);
    await prisma.organization.update({ where: { id: org.id }, data: { invitePolicy: 'DISABLED' } });
    expect(await accept(token)).toMatchObject({ __typename: 'InvitesDisabledError' });
  });

  it('refuses when the seat limit was lowered below the active members it would make', async () => {
    const { org, key } = await setup(); // owner and admin: two active members
    const { token } = await invited(server, key, org.id);
    await prisma.organization.update({ where: { id: org.id }, data: { seatLimit: 2 } });
    expect(await accept(token)).toMatchObject({
      __typename: 'SeatLimitReachedError',
      code: 'SEAT_LIMIT_REACHED',
    });
    await prisma.organization.update({ where: { id: org.id }, data: { seatLimit: 3 } });
    expect((await accept(token)).__typename).toBe('AcceptInvitationPayload');
  });
});

describe('REDIRECT_ORIGINS', () => {
  it('defaults to loopback outside production and to nothing in production', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).redirectOrigins).toEqual([
      'http://localhost:*',
      'http://127.0.0.1:*',
      'http://[::1]:*',
    ]);
    expect(loadConfig({ NODE_ENV: 'production' }).redirectOrigins).toEqual([]);
    expect(
      loadConfig({
        NODE_ENV: 'production',
        REDIRECT_ORIGINS: ' https://App.Example.com:443/ , http://localhost:* ',
      }).redirectOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:*']);
  });

  it('fails at start-up on an entry that is not an origin', () => {
    for (const value of ['app.example.com', 'https://app.example.com/path', 'ftp://x.test', '*']) {
      expect(() => loadConfig({ REDIRECT_ORIGINS: value })).toThrow(/REDIRECT_ORIGINS/);
    }
  });

  it('matches exact origins, and any port only where the entry says :*', () => {
    const saved = process.env.REDIRECT_ORIGINS;
    try {
      setRedirectOrigins(['https://app.example.com', 'http://localhost:*']);
      const open = { allowedRedirectOrigins: [] };
      expect(isRedirectAllowed('https://app.example.com/accept?x=1', open)).toBe(true);
      expect(isRedirectAllowed('https://app.example.com:443/accept', open)).toBe(true);
      expect(isRedirectAllowed('https://app.example.com:8443/accept', open)).toBe(false);
      expect(isRedirectAllowed('http://app.example.com/accept', open)).toBe(false);
      expect(isRedirectAllowed('https://evil.app.example.com/', open)).toBe(false);
      expect(isRedirectAllowed('https://app.example.com.evil.test/', open)).toBe(false);
      expect(isRedirectAllowed('https://user@app.example.com/', open)).toBe(true);
      expect(isRedirectAllowed('http://localhost:3000/x', open)).toBe(true);
      expect(isRedirectAllowed('http://localhost/x', open)).toBe(true);
      expect(isRedirectAllowed('javascript:alert(1)', open)).toBe(false);
      expect(
        isRedirectAllowed('http://localhost:3000/x', {
          allowedRedirectOrigins: ['https://app.example.com'],
        }),
      ).toBe(false);
    } finally {
      setRedirectOrigins(redirectOriginsFromEnv(saved, 'test'));
    }
  });
});
