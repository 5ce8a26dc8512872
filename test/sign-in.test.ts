// Sign-in links: sending answers the same for members and strangers; a link works once, for 15
// minutes, until a newer link replaces it; redeeming it gives a session.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { looksLike } from '../src/auth/tokens.ts';
import { prisma } from '../src/db.ts';
import { InvalidTokenError } from '../src/errors.ts';
import { storedRateLimitKey } from '../src/services/rate-limits.ts';
import { SIGN_IN_EMAIL_LIMIT, SIGN_IN_LINKS_PER_EMAIL_PER_HOUR } from '../src/services/sign-in.ts';
import { globalId, newApiKey, newMember, newOrganization } from './helpers/fixtures.ts';
import { emailsTo, randomEmail, tokenOf, type Result } from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';

const server = useTestServer();

const SEND = /* GraphQL */ `
  mutation Send($input: SendSignInLinkInput!) {
    sendSignInLink(input: $input) {
      __typename
      ... on SendSignInLinkPayload {
        accepted
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

const REDEEM = /* GraphQL */ `
  mutation Redeem($token: String!) {
    redeemSignInLink(token: $token) {
      __typename
      ... on RedeemSignInLinkPayload {
        session {
          id
          token
          expiresAt
        }
        member {
          id
          email
          status
        }
        organization {
          id
          slug
        }
      }
      ... on Error {
        message
        code
      }
    }
  }
`;

/** Sends as a backend: sendSignInLink takes an API key. */
let backendKey: string | undefined;
async function send(input: Record<string, unknown>, token?: string | null): Promise<Result> {
  backendKey ??= await newApiKey();
  const res = await server.gql(
    SEND,
    { input },
    token === undefined ? backendKey : (token ?? undefined),
  );
  expect(res.errors).toBeUndefined();
  return res.data!.sendSignInLink;
}

async function redeem(token: string): Promise<Result> {
  const res = await server.gql(REDEEM, { token });
  expect(res.errors).toBeUndefined();
  return res.data!.redeemSignInLink;
}

async function linkMailsTo(address: string) {
  return (await emailsTo(address)).filter((mail) => mail.kind === 'SIGN_IN_LINK');
}

const SUCCESS = { __typename: 'SendSignInLinkPayload', accepted: true };
const INVALID = {
  __typename: 'InvalidTokenError',
  message: new InvalidTokenError().message,
  code: 'INVALID_TOKEN',
};

describe('sendSignInLink', () => {
  it('mails an ACTIVE member a link with a sign-in token on the redirect URL (email compared case-insensitively)', async () => {
    const org = await newOrganization({ name: 'Zeta' });
    const member = await newMember(org.id, ['member'], randomEmail('Member'));
    expect(
      await send({
        organization: { slug: org.slug },
        email: member.email.toUpperCase(),
        locale: 'FR',
      }),
    ).toEqual(SUCCESS);
    const [mail, ...rest] = await linkMailsTo(member.email);
    expect(rest).toHaveLength(0);
    expect(mail).toMatchObject({
      status: 'QUEUED',
      locale: 'fr',
      organizationId: org.id,
      payload: { organizationName: 'Zeta' },
    });
    const link = new URL(mail!.secret!);
    expect(`${link.origin}${link.pathname}`).toBe('https://app.example.com/accept');
    expect(looksLike('signIn', link.searchParams.get('token')!)).toBe(true);
    const row = await prisma.signInLink.findUniqueOrThrow({ where: { id: mail!.signInLinkId! } });
    expect(row.memberId).toBe(member.id);
    const minutes = (row.expiresAt.getTime() - row.createdAt.getTime()) / 60_000;
    expect(minutes).toBeCloseTo(15, 0);
  });

  it('answers the same, and sends nothing, for unknown addresses, non-active members and unknown organizations', async () => {
    const org = await newOrganization();
    const invitedEmail = randomEmail('invited');
    await prisma.member.create({
      data: {
        organizationId: org.id,
        email: invitedEmail,
        emailNormalized: invitedEmail,
        status: 'INVITED',
      },
    });
    const former = await newMember(org.id, ['member']);
    await prisma.member.update({ where: { id: former.id }, data: { status: 'DEACTIVATED' } });
    const stranger = randomEmail('stranger');
    for (const email of [stranger, invitedEmail, former.email]) {
      expect(await send({ organization: { slug: org.slug }, email })).toEqual(SUCCESS);
      expect(await linkMailsTo(email)).toHaveLength(0);
    }
    expect(await send({ organization: { slug: 'no-such-org' }, email: stranger })).toEqual(SUCCESS);
    expect(await prisma.signInLink.count({ where: { organizationId: org.id } })).toBe(0);
  });

  it('kills the earlier unused link when a new one is sent', async () => {
    const org = await newOrganization();
    const member = await newMember(org.id, ['member']);
    await send({ organization: { slug: org.slug }, email: member.email });
    await send({ organization: { slug: org.slug }, email: member.email });
    const mails = await linkMailsTo(member.email);
    expect(mails.map((mail) => mail.status).sort()).toEqual(['CANCELLED', 'QUEUED']);
    const cancelled = mails.find((mail) => mail.status === 'CANCELLED')!;
    const live = mails.find((mail) => mail.status === 'QUEUED')!;
    expect(cancelled.secret).toBeNull();
    const earlier = await prisma.signInLink.findUniqueOrThrow({
      where: { id: cancelled.signInLinkId! },
    });
    expect(earlier.tokenHash).toBeNull();
    expect((await redeem(tokenOf(live.secret!))).__typename).toBe('RedeemSignInLinkPayload');
  });

  it('is refused to anonymous callers and member sessions (API keys only), which send nothing', async () => {
    const org = await newOrganization();
    const member = await newMember(org.id, ['member']);
    const anonymous = await send({ organization: { slug: org.slug }, email: member.email }, null);
    expect(anonymous.__typename).toBe('ForbiddenError');
    const asMember = await send(
      { organization: { slug: org.slug }, email: member.email },
      member.token,
    );
    expect(asMember.__typename).toBe('ForbiddenError');
    expect(await linkMailsTo(member.email)).toHaveLength(0);
  });

  it('sends the link to the redirect URL the backend names, query string kept', async () => {
    const org = await newOrganization();
    const member = await newMember(org.id, ['member']);
    expect(
      await send({
        organization: { slug: org.slug },
        email: member.email,
        redirectUrl: 'https://other.example/signin?x=1',
      }),
    ).toEqual(SUCCESS);
    const [mail] = await linkMailsTo(member.email);
    const link = new URL(mail!.secret!);
    expect(`${link.origin}${link.pathname}`).toBe('https://other.example/signin');
    expect(link.searchParams.get('x')).toBe('1');
    expect(looksLike('signIn', link.searchParams.get('token')!)).toBe(true);
  });

  it('refuses a malformed address (EmailAddress); NoRedirectUrlError without any redirect URL', async () => {
    const org = await newOrganization();
    const malformed = await server.gql(
      SEND,
      { input: { organization: { slug: org.slug }, email: 'nope' } },
      await newApiKey(),
    );
    expect(malformed.errors?.[0]?.message).toMatch(/at "input.email"; EmailAddress/);
    await prisma.organization.update({ where: { id: org.id }, data: { defaultRedirectUrl: null } });
    const member = await newMember(org.id, ['member']);
    expect((await send({ organization: { slug: org.slug }, email: member.email })).__typename).toBe(
      'NoRedirectUrlError',
    );
  });

  it('RateLimitedError once the address used its hourly allowance, member or not', async () => {
    const org = await newOrganization();
    const member = await newMember(org.id, ['member']);
    for (const email of [member.email, randomEmail('nobody')]) {
      await prisma.rateLimit.create({
        data: {
          key: storedRateLimitKey(SIGN_IN_EMAIL_LIMIT, email.toLowerCase()),
          points: SIGN_IN_LINKS_PER_EMAIL_PER_HOUR,
          expire: new Date(Date.now() + 3_600_000),
        },
      });
      expect((await send({ organization: { slug: org.slug }, email })).__typename).toBe(
        'RateLimitedError',
      );
    }
    expect(await linkMailsTo(member.email)).toHaveLength(0);
  });
});

describe('redeemSignInLink', () => {
  async function linkFor(organization: { slug: string }, email: string): Promise<string> {
    await send({ organization: { slug: organization.slug }, email });
    const mails = await linkMailsTo(email);
    const live = mails.find((mail) => mail.status === 'QUEUED')!;
    return tokenOf(live.secret!);
  }

  it('gives a working session once; the link is then dead', async () => {
    const org = await newOrganization();
    const member = await newMember(org.id, ['admin']);
    const token = await linkFor(org, member.email);
    const result = await redeem(token);
    expect(result).toMatchObject({
      __typename: 'RedeemSignInLinkPayload',
      member: { id: globalId('Member', member.id), email: member.email, status: 'ACTIVE' },
      organization: { id: globalId('Organization', org.id), slug: org.slug },
    });
    const me = await server.gql(
      `{ organization { __typename ... on Organization { slug } } }`,
      {},
      result.session.token,
    );
    expect(me.data!.organization).toEqual({ __typename: 'Organization', slug: org.slug });
    expect(await redeem(token)).toEqual(INVALID);
    const link = await prisma.signInLink.findFirstOrThrow({ where: { memberId: member.id } });
    expect(link).toMatchObject({ tokenHash: null });
    expect(link.usedAt).toBeTruthy();
    expect(
      await prisma.auditEvent.findFirst({
        where: { organizationId: org.id, action: 'member.signed_in' },
      }),
    ).toMatchObject({ actorType: 'MEMBER', actorId: member.id });
  });

  it('gives the same InvalidTokenError for expired, superseded, made-up and malformed tokens, and for deactivated members', async () => {
    const org = await newOrganization();
    const expiredMember = await newMember(org.id, ['member']);
    const expired = await linkFor(org, expiredMember.email);
    await prisma.signInLink.updateMany({
      where: { memberId: expiredMember.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const supersededMember = await newMember(org.id, ['member']);
    const superseded = await linkFor(org, supersededMember.email);
    await linkFor(org, supersededMember.email);
    const leaver = await newMember(org.id, ['member']);
    const leaverToken = await linkFor(org, leaver.email);
    await prisma.member.update({ where: { id: leaver.id }, data: { status: 'DEACTIVATED' } });
    const madeUp = `rl_${crypto.randomBytes(32).toString('base64url')}`;
    for (const token of [expired, superseded, leaverToken, madeUp, 'rl_short', '']) {
      expect(await redeem(token)).toEqual(INVALID);
    }
    expect(
      await prisma.memberSession.count({ where: { memberId: leaver.id, revokedAt: null } }),
    ).toBe(1);
  });

  it('does not accept an invitation token, nor a sign-in token as an invitation', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const member = await newMember(org.id, ['member']);
    const signInToken = await linkFor(org, member.email);
    const res = await server.gql(
      `mutation($token: String!) { acceptInvitation(token: $token) { __typename } }`,
      { token: signInToken },
      key,
    );
    expect(res.data!.acceptInvitation.__typename).toBe('InvalidTokenError');
    expect((await redeem(signInToken)).__typename).toBe('RedeemSignInLinkPayload');
  });
});

describe('sign-in links and "sign out everywhere"', () => {
  const DEACTIVATE = /* GraphQL */ `
    mutation ($member: ID!) {
      deactivateMember(id: $member) {
        __typename
      }
    }
  `;
  const REACTIVATE = /* GraphQL */ `
    mutation ($member: ID!) {
      reactivateMember(id: $member) {
        __typename
      }
    }
  `;
  const REVOKE_ALL = /* GraphQL */ `
    mutation ($member: ID!) {
      revokeMemberSessions(id: $member) {
        __typename
      }
    }
  `;

  it('deactivating a member kills its unused sign-in link and unsent mail, for good (even after reactivation)', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const member = await newMember(org.id, ['member']);
    expect(await send({ organization: { slug: org.slug }, email: member.email })).toEqual(SUCCESS);
    const [mail] = await linkMailsTo(member.email);
    const token = tokenOf(mail!.secret!);

    const off = await server.gql(DEACTIVATE, { member: globalId('Member', member.id) }, key);
    expect(off.data!.deactivateMember.__typename).toBe('DeactivateMemberPayload');
    expect((await linkMailsTo(member.email))[0]).toMatchObject({
      status: 'CANCELLED',
      secret: null,
    });
    const on = await server.gql(REACTIVATE, { member: globalId('Member', member.id) }, key);
    expect(on.data!.reactivateMember.__typename).toBe('ReactivateMemberPayload');
    expect(await redeem(token)).toEqual(INVALID);
  });

  it('revokeMemberSessions kills unused sign-in links too', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const member = await newMember(org.id, ['member']);
    await send({ organization: { slug: org.slug }, email: member.email });
    const [mail] = await linkMailsTo(member.email);
    const res = await server.gql(REVOKE_ALL, { member: globalId('Member', member.id) }, key);
    expect(res.errors).toBeUndefined();
    expect(await redeem(tokenOf(mail!.secret!))).toEqual(INVALID);
  });
});
