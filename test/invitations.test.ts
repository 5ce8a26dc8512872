// Inviting: inviteMember and inviteMembers, each success and each typed error, the email queued
// in the outbox (or not), and the accept link.
import { describe, expect, it } from 'vitest';
import { looksLike } from '../src/auth/tokens.ts';
import { prisma } from '../src/db.ts';
import {
  EMAIL_INVITE_LIMIT,
  INVITES_PER_EMAIL_PER_HOUR,
  INVITES_PER_ORGANIZATION_PER_HOUR,
  ORGANIZATION_INVITE_LIMIT,
} from '../src/services/invitations.ts';
import { storedRateLimitKey } from '../src/services/rate-limits.ts';
import { globalId, newApiKey, newMember, newOrganization } from './helpers/fixtures.ts';
import {
  emailsTo,
  idOf,
  invite,
  INVITE,
  INVITE_RESULT_FIELDS,
  invited,
  latestEmail,
  orgRef,
  randomEmail,
  tokenOf,
} from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';

const server = useTestServer();

const MINUTE = 60_000;

describe('inviteMember', () => {
  it('creates a PENDING invitation and an INVITED member and queues the email in the outbox', async () => {
    const key = await newApiKey();
    const org = await newOrganization({ name: 'Acme' });
    const email = randomEmail('Ada');
    const result = await invite(server, key, {
      organization: orgRef(org.id),
      email,
      name: 'Ada',
      roles: ['admin'],
      locale: 'FR',
      untrustedMetadata: { team: 'core' },
      trustedMetadata: { plan: 'gold' },
    });
    expect(result).toMatchObject({
      __typename: 'InviteMemberPayload',
      acceptUrl: null,
      invitation: {
        email,
        name: 'Ada',
        roles: ['admin'],
        status: 'PENDING',
        locale: 'FR',
        notify: true,
        sendCount: 1,
        invitedByApiKey: true,
        invitedBy: null,
        trustedMetadata: { plan: 'gold' },
        untrustedMetadata: { team: 'core' },
        redirectUrl: 'https://app.example.com/accept',
        delivery: { status: 'QUEUED', attempts: 0 },
      },
      member: { email, name: 'Ada', status: 'INVITED', roles: ['admin'] },
      organization: { id: globalId('Organization', org.id), slug: org.slug },
    });
    expect(result.invitation.member.id).toBe(result.member.id);

    const emails = await emailsTo(email);
    expect(emails).toHaveLength(1);
    const [mail] = emails;
    expect(mail).toMatchObject({
      kind: 'INVITATION',
      status: 'QUEUED',
      locale: 'fr',
      organizationId: org.id,
      invitationId: idOf(result.invitation.id),
      payload: {
        organizationName: 'Acme',
        inviterName: null,
        inviterEmail: null,
        roles: ['admin'],
        recipientName: 'Ada',
        expiresAt: result.invitation.expiresAt,
      },
    });
    // The link is the redirect URL with the token as a query parameter.
    const link = new URL(mail!.secret!);
    expect(`${link.origin}${link.pathname}`).toBe('https://app.example.com/accept');
    expect(looksLike('invitation', link.searchParams.get('token')!)).toBe(true);
    // The token is stored only as a hash: no column holds it.
    const row = await prisma.invitation.findUniqueOrThrow({
      where: { id: idOf(result.invitation.id) },
    });
    expect(JSON.stringify(row)).not.toContain(link.searchParams.get('token'));

    const audit = await prisma.auditEvent.findFirst({
      where: { organizationId: org.id, action: 'member.invited' },
    });
    expect(audit).toMatchObject({ actorType: 'API_KEY', targetId: idOf(result.member.id) });
  });

  it('lets a member session with invitation:create invite as itself, inside its own organization', async () => {
    const org = await newOrganization({ name: 'Beta' });
    const admin = await newMember(org.id, ['admin'], randomEmail('admin'));
    const email = randomEmail();
    const result = await invite(server, admin.token, { email });
    expect(result).toMatchObject({
      __typename: 'InviteMemberPayload',
      invitation: {
        roles: ['member'],
        invitedByApiKey: false,
        invitedBy: { id: globalId('Member', admin.id) },
      },
      member: { status: 'INVITED' },
    });
    const [mail] = await emailsTo(email);
    expect(mail!.payload).toMatchObject({
      organizationName: 'Beta',
      inviterEmail: admin.email,
      inviterName: admin.email.split('@')[0],
    });
  });

  it('returns the accept link and queues no email with notify: false', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const email = randomEmail();
    const result = await invite(server, key, {
      organization: orgRef(org.id),
      email,
      notify: false,
      redirectUrl: 'https://app.example.com/join?next=%2Fhome',
    });
    expect(result.__typename).toBe('InviteMemberPayload');
    expect(result.invitation).toMatchObject({ notify: false, lastSentAt: null, delivery: null });
    const link = new URL(result.acceptUrl);
    expect(link.pathname).toBe('/join');
    expect(link.searchParams.get('next')).toBe('/home');
    expect(looksLike('invitation', link.searchParams.get('token')!)).toBe(true);
    expect(await emailsTo(email)).toHaveLength(0);
  });

  it('takes the expiry from the input, else the organization default, else seven days', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const expiryOf = async (input: Record<string, unknown>) => {
      const before = Date.now();
      const result = await invite(server, key, {
        organization: orgRef(org.id),
        email: randomEmail(),
        ...input,
      });
      return (new Date(result.invitation.expiresAt).getTime() - before) / MINUTE;
    };
    expect(await expiryOf({ expirationMinutes: 30 })).toBeCloseTo(30, 0);
    expect(await expiryOf({})).toBeCloseTo(10080, 0);
    await prisma.organization.update({
      where: { id: org.id },
      data: { defaultInviteExpirationMinutes: 120 },
    });
    expect(await expiryOf({})).toBeCloseTo(120, 0);
  });

  it('compares emails case-insensitively: a different case of a pending address is AlreadyInvitedError', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const email = randomEmail('Grace');
    await invite(server, key, { organization: orgRef(org.id), email });
    const again = await invite(server, key, {
      organization: orgRef(org.id),
      email: email.toUpperCase(),
    });
    expect(again).toMatchObject({ __typename: 'AlreadyInvitedError', email: email.toUpperCase() });
    expect(await prisma.invitation.count({ where: { organizationId: org.id } })).toBe(1);
  });

  it('answers AlreadyMemberError for an ACTIVE member, whatever the case of the address', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const member = await newMember(org.id, ['member'], randomEmail('active'));
    const result = await invite(server, key, {
      organization: orgRef(org.id),
      email: member.email.toUpperCase(),
    });
    expect(result.__typename).toBe('AlreadyMemberError');
  });

  it('re-sends a pending invitation with resendIfPending: new token, renewed expiry, fields updated', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const first = await invited(server, key, org.id, { expirationMinutes: 10 });
    const again = await invite(server, key, {
      organization: orgRef(org.id),
      email: first.email.toUpperCase(),
      resendIfPending: true,
      roles: ['admin'],
      name: 'Renamed',
      expirationMinutes: 60,
    });
    expect(again).toMatchObject({
      __typename: 'InviteMemberPayload',
      invitation: {
        id: first.invitationGlobalId,
        roles: ['admin'],
        name: 'Renamed',
        sendCount: 2,
        status: 'PENDING',
      },
      member: {
        id: globalId('Member', first.memberId),
        roles: ['admin'],
        name: 'Renamed',
        status: 'INVITED',
      },
    });
    expect(new Date(again.invitation.expiresAt).getTime() - Date.now()).toBeGreaterThan(
      50 * MINUTE,
    );
    const emails = await prisma.emailOutbox.findMany({
      where: { invitationId: first.invitationId },
      orderBy: { createdAt: 'asc' },
    });
    expect(emails.map((mail) => mail.status).sort()).toEqual(['CANCELLED', 'QUEUED']);
    const live = emails.find((mail) => mail.status === 'QUEUED')!;
    expect(tokenOf(live.secret!)).not.toBe(first.token);
    // The old token died with the resend.
    const preview = await server.gql(
      `query($token: String!) { invitationByToken(token: $token) { __typename } }`,
      { token: first.token },
    );
    expect(preview.data!.invitationByToken.__typename).toBe('InvalidTokenError');
  });

  it('re-invites a DEACTIVATED member by reusing its row, with the new roles', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const email = randomEmail('former');
    const former = await prisma.member.create({
      data: {
        organizationId: org.id,
        email,
        emailNormalized: email,
        status: 'DEACTIVATED',
        roles: ['admin'],
        deactivatedAt: new Date(),
      },
    });
    const result = await invite(server, key, {
      organization: orgRef(org.id),
      email,
      roles: ['member'],
    });
    expect(result).toMatchObject({
      __typename: 'InviteMemberPayload',
      member: { id: globalId('Member', former.id), status: 'INVITED', roles: ['member'] },
    });
    expect(await prisma.member.count({ where: { organizationId: org.id } })).toBe(1);
  });

  it('writes down the expiry of a pending invitation past its time and invites afresh', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const stale = await invited(server, key, org.id);
    await prisma.invitation.update({
      where: { id: stale.invitationId },
      data: { expiresAt: new Date(Date.now() - MINUTE) },
    });
    const fresh = await invite(server, key, { organization: orgRef(org.id), email: stale.email });
    expect(fresh.__typename).toBe('InviteMemberPayload');
    expect(fresh.invitation.id).not.toBe(stale.invitationGlobalId);
    expect(fresh.member.id).toBe(globalId('Member', stale.memberId));
    const old = await prisma.invitation.findUniqueOrThrow({ where: { id: stale.invitationId } });
    expect(old).toMatchObject({ status: 'EXPIRED', tokenHash: null });
    // In the audit trail as the sweep would have written it.
    expect(
      await prisma.auditEvent.findFirst({
        where: { action: 'invitation.expired', targetId: stale.invitationId },
      }),
    ).toMatchObject({ actorType: 'SYSTEM', organizationId: org.id });
  });

  it('records invitedByMemberId from an API key, and requires an ACTIVE member of the organization', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const other = await newOrganization();
    const inviter = await newMember(org.id, ['admin']);
    const outsider = await newMember(other.id, ['admin']);
    const ok = await invite(server, key, {
      organization: orgRef(org.id),
      email: randomEmail(),
      invitedByMemberId: globalId('Member', inviter.id),
    });
    expect(ok.invitation).toMatchObject({
      invitedByApiKey: true,
      invitedBy: { id: globalId('Member', inviter.id) },
    });

    const foreign = await invite(server, key, {
      organization: orgRef(org.id),
      email: randomEmail(),
      invitedByMemberId: globalId('Member', outsider.id),
    });
    expect(foreign.__typename).toBe('NotFoundError');

    await prisma.member.update({ where: { id: inviter.id }, data: { status: 'DEACTIVATED' } });
    const inactive = await invite(server, key, {
      organization: orgRef(org.id),
      email: randomEmail(),
      invitedByMemberId: globalId('Member', inviter.id),
    });
    expect(inactive).toMatchObject({
      __typename: 'ValidationError',
      field: 'input.invitedByMemberId',
    });
  });

  it('gives restricted access only with roles exactly ["member"]', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const ok = await invite(server, key, {
      organization: orgRef(org.id),
      email: randomEmail(),
      restrictedResourceIds: ['site-1', 'site-2'],
    });
    expect(ok).toMatchObject({
      invitation: { hasRestrictedAccess: true, restrictedResourceIds: ['site-1', 'site-2'] },
      member: { hasRestrictedAccess: true, restrictedResourceIds: ['site-1', 'site-2'] },
    });
    const refused = await invite(server, key, {
      organization: orgRef(org.id),
      email: randomEmail(),
      roles: ['admin'],
      restrictedResourceIds: ['site-1'],
    });
    expect(refused).toMatchObject({
      __typename: 'ValidationError',
      field: 'input.restrictedResourceIds',
    });
  });

  describe('typed errors', () => {
    it.each([
      ['expirationMinutes', { expirationMinutes: 4 }, 'input.expirationMinutes'],
      ['expirationMinutes', { expirationMinutes: 10081 }, 'input.expirationMinutes'],
      ['redirectUrl', { redirectUrl: 'javascript:alert(1)' }, 'input.redirectUrl'],
      ['templateId', { templateId: '../../etc/passwd' }, 'input.templateId'],
      ['roles', { roles: [] }, 'input.roles'],
    ])('ValidationError naming the field for a bad %s', async (_name, input, field) => {
      const key = await newApiKey();
      const org = await newOrganization();
      const result = await invite(server, key, {
        organization: orgRef(org.id),
        email: randomEmail(),
        ...input,
      });
      expect(result).toMatchObject({ __typename: 'ValidationError', field });
    });

    it('a malformed address is refused by the EmailAddress scalar, before anything is written', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      const res = await server.gql(
        INVITE,
        { input: { organization: orgRef(org.id), email: 'not-an-email' } },
        key,
      );
      expect(res.data).toBeUndefined();
      expect(res.errors?.[0]?.message).toMatch(/at "input.email"; EmailAddress/);
      expect(await prisma.invitation.count({ where: { organizationId: org.id } })).toBe(0);
    });

    it('ValidationError when an API key names no organization', async () => {
      const key = await newApiKey();
      const result = await invite(server, key, { email: randomEmail() });
      expect(result).toMatchObject({ __typename: 'ValidationError', field: 'input.organization' });
    });

    it('NotFoundError for an organization that does not exist', async () => {
      const key = await newApiKey();
      const result = await invite(server, key, {
        organization: { slug: 'no-such-org' },
        email: randomEmail(),
      });
      expect(result.__typename).toBe('NotFoundError');
    });

    it('ForbiddenError for anonymous callers, plain members, and other organizations', async () => {
      const org = await newOrganization();
      const other = await newOrganization();
      const plain = await newMember(org.id, ['member']);
      const outsider = await newMember(other.id, ['owner']);
      const input = { organization: orgRef(org.id), email: randomEmail() };
      expect(
        (
          await server.gql(
            `mutation($input: InviteMemberInput!) { inviteMember(input: $input) { __typename } }`,
            { input },
          )
        ).data!.inviteMember.__typename,
      ).toBe('ForbiddenError');
      expect((await invite(server, plain.token, input)).__typename).toBe('ForbiddenError');
      expect((await invite(server, outsider.token, input)).__typename).toBe('ForbiddenError');
      expect(await prisma.invitation.count({ where: { organizationId: org.id } })).toBe(0);
    });

    it('ForbiddenError for trustedMetadata or invitedByMemberId from a member session', async () => {
      const org = await newOrganization();
      const owner = await newMember(org.id, ['owner']);
      const trusted = await invite(server, owner.token, {
        email: randomEmail(),
        trustedMetadata: { plan: 'x' },
      });
      expect(trusted.__typename).toBe('ForbiddenError');
      const onBehalf = await invite(server, owner.token, {
        email: randomEmail(),
        invitedByMemberId: globalId('Member', owner.id),
      });
      expect(onBehalf.__typename).toBe('ForbiddenError');
    });

    it('DomainNotAllowedError outside the allowed domains (case-insensitive, no subdomains)', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      await prisma.organization.update({
        where: { id: org.id },
        data: { invitePolicy: 'RESTRICTED_TO_DOMAINS', allowedEmailDomains: ['example.com'] },
      });
      const inviteAt = (email: string) =>
        invite(server, key, { organization: orgRef(org.id), email });
      expect((await inviteAt(`Someone-${Date.now()}@EXAMPLE.com`)).__typename).toBe(
        'InviteMemberPayload',
      );
      expect(await inviteAt('someone@sub.example.com')).toMatchObject({
        __typename: 'DomainNotAllowedError',
        domain: 'sub.example.com',
        allowedDomains: ['example.com'],
      });
      expect((await inviteAt('someone@example.org')).__typename).toBe('DomainNotAllowedError');
    });

    it('InvitesDisabledError when the policy is DISABLED', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      await prisma.organization.update({
        where: { id: org.id },
        data: { invitePolicy: 'DISABLED' },
      });
      const result = await invite(server, key, {
        organization: orgRef(org.id),
        email: randomEmail(),
      });
      expect(result.__typename).toBe('InvitesDisabledError');
    });

    it('SeatLimitReachedError counting active members and pending invitations; nothing is written', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      await prisma.organization.update({ where: { id: org.id }, data: { seatLimit: 2 } });
      await newMember(org.id, ['owner']);
      await invited(server, key, org.id);
      const email = randomEmail('no-seat');
      const result = await invite(server, key, { organization: orgRef(org.id), email });
      expect(result).toMatchObject({ __typename: 'SeatLimitReachedError', seatLimit: 2 });
      // The transaction rolled back: no member, no invitation, no email.
      expect(await prisma.member.count({ where: { emailNormalized: email } })).toBe(0);
      expect(await prisma.invitation.count({ where: { emailNormalized: email } })).toBe(0);
      expect(await emailsTo(email)).toHaveLength(0);
    });

    it('PendingInvitationLimitError at the cap on pending invitations', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      await prisma.organization.update({
        where: { id: org.id },
        data: { pendingInvitationLimit: 1 },
      });
      await invited(server, key, org.id);
      const result = await invite(server, key, {
        organization: orgRef(org.id),
        email: randomEmail(),
      });
      expect(result).toMatchObject({ __typename: 'PendingInvitationLimitError', limit: 1 });
    });

    it('UnknownRoleError for a role the organization does not have', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      const result = await invite(server, key, {
        organization: orgRef(org.id),
        email: randomEmail(),
        roles: ['wizard'],
      });
      expect(result).toMatchObject({ __typename: 'UnknownRoleError', role: 'wizard' });
    });

    it('RoleNotGrantableError: only owners grant owner, and no one grants permissions they lack', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      await prisma.customRole.create({
        data: {
          organizationId: org.id,
          key: 'deleter',
          name: 'Deleter',
          permissions: ['organization:delete'],
        },
      });
      const admin = await newMember(org.id, ['admin']);
      const owner = await newMember(org.id, ['owner']);
      expect(
        await invite(server, admin.token, { email: randomEmail(), roles: ['owner'] }),
      ).toMatchObject({
        __typename: 'RoleNotGrantableError',
        role: 'owner',
      });
      expect(
        await invite(server, admin.token, { email: randomEmail(), roles: ['deleter'] }),
      ).toMatchObject({
        __typename: 'RoleNotGrantableError',
        role: 'deleter',
      });
      expect(
        (await invite(server, admin.token, { email: randomEmail(), roles: ['admin'] })).__typename,
      ).toBe('InviteMemberPayload');
      expect(
        (await invite(server, owner.token, { email: randomEmail(), roles: ['owner'] })).__typename,
      ).toBe('InviteMemberPayload');
      const byKey = await invite(server, key, {
        organization: orgRef(org.id),
        email: randomEmail(),
        roles: ['owner', 'deleter'],
      });
      expect(byKey.__typename).toBe('InviteMemberPayload');
    });

    it('NoRedirectUrlError with neither a redirectUrl nor an organization default', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      await prisma.organization.update({
        where: { id: org.id },
        data: { defaultRedirectUrl: null },
      });
      const result = await invite(server, key, {
        organization: orgRef(org.id),
        email: randomEmail(),
      });
      expect(result.__typename).toBe('NoRedirectUrlError');
      const given = await invite(server, key, {
        organization: orgRef(org.id),
        email: randomEmail(),
        redirectUrl: 'https://elsewhere.example.com/in',
      });
      expect(given.invitation.redirectUrl).toBe('https://elsewhere.example.com/in');
    });

    it('RateLimitedError once an address or an organization used its hourly allowance', async () => {
      const key = await newApiKey();
      const org = await newOrganization();
      const email = randomEmail();
      const expire = new Date(Date.now() + 3_600_000);
      await prisma.rateLimit.create({
        data: {
          key: storedRateLimitKey(EMAIL_INVITE_LIMIT, `${org.id}:${email}`),
          points: INVITES_PER_EMAIL_PER_HOUR,
          expire,
        },
      });
      const perEmail = await invite(server, key, {
        organization: orgRef(org.id),
        email: email.toUpperCase(),
      });
      expect(perEmail.__typename).toBe('RateLimitedError');
      expect(perEmail.retryAfterSeconds).toBeGreaterThan(0);

      const busy = await newOrganization();
      await prisma.rateLimit.create({
        data: {
          key: storedRateLimitKey(ORGANIZATION_INVITE_LIMIT, busy.id),
          points: INVITES_PER_ORGANIZATION_PER_HOUR,
          expire,
        },
      });
      const perOrganization = await invite(server, key, {
        organization: orgRef(busy.id),
        email: randomEmail(),
      });
      expect(perOrganization.__typename).toBe('RateLimitedError');
      expect(await prisma.invitation.count({ where: { organizationId: busy.id } })).toBe(0);
    });
  });
});

describe('inviteMembers', () => {
  const BULK = /* GraphQL */ `
    mutation Bulk($input: InviteMembersInput!) {
      inviteMembers(input: $input) {
        __typename
        ... on InviteMembersPayload {
          results {
            ...InviteResultFields
          }
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
    ${INVITE_RESULT_FIELDS}
  `;

  it('returns one result per invitation, in order; a bad one does not stop the others', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const first = randomEmail('first');
    const last = randomEmail('last');
    const invalidTerms = randomEmail('invalid-terms');
    const res = await server.gql(
      BULK,
      {
        input: {
          organization: orgRef(org.id),
          roles: ['admin'],
          locale: 'ES',
          invitations: [
            { email: first },
            { email: invalidTerms, expirationMinutes: 1 },
            { email: first.toUpperCase() },
            { email: last, roles: ['member'], locale: 'PT_BR' },
          ],
        },
      },
      key,
    );
    expect(res.errors).toBeUndefined();
    const { results } = res.data!.inviteMembers;
    expect(results.map((result: { __typename: string }) => result.__typename)).toEqual([
      'InviteMemberPayload',
      'ValidationError',
      'AlreadyInvitedError',
      'InviteMemberPayload',
    ]);
    expect(results[0].invitation).toMatchObject({ roles: ['admin'], locale: 'ES' });
    expect(results[1].field).toBe('input.invitations.1.expirationMinutes');
    expect(results[3].invitation).toMatchObject({ roles: ['member'], locale: 'PT_BR' });
    expect((await emailsTo(first)).map((mail) => mail.locale)).toEqual(['es']);
    expect((await emailsTo(last)).map((mail) => mail.locale)).toEqual(['pt_br']);
  });

  it('refuses more than 100 invitations with ValidationError', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const invitations = Array.from({ length: 101 }, () => ({ email: randomEmail() }));
    const res = await server.gql(
      BULK,
      { input: { organization: orgRef(org.id), invitations } },
      key,
    );
    expect(res.data!.inviteMembers).toMatchObject({
      __typename: 'ValidationError',
      field: 'input.invitations',
    });
    expect(await prisma.invitation.count({ where: { organizationId: org.id } })).toBe(0);
  });

  it('is forbidden without invitation:create', async () => {
    const org = await newOrganization();
    const plain = await newMember(org.id, ['member']);
    const res = await server.gql(
      BULK,
      { input: { invitations: [{ email: randomEmail() }] } },
      plain.token,
    );
    expect(res.data!.inviteMembers.__typename).toBe('ForbiddenError');
  });

  it('applies each error per item: the seat limit stops the batch where the seats run out', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    await prisma.organization.update({ where: { id: org.id }, data: { seatLimit: 2 } });
    const invitations = [randomEmail(), randomEmail(), randomEmail()].map((email) => ({ email }));
    const res = await server.gql(
      BULK,
      { input: { organization: orgRef(org.id), invitations } },
      key,
    );
    expect(
      res.data!.inviteMembers.results.map((result: { __typename: string }) => result.__typename),
    ).toEqual(['InviteMemberPayload', 'InviteMemberPayload', 'SeatLimitReachedError']);
    expect(await emailsTo(invitations[2]!.email)).toHaveLength(0);
  });
});

describe('the accept link', () => {
  it('adds the token to the redirect URL as a query parameter, keeping its own parameters', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const { invitationId } = await invited(server, key, org.id, {
      redirectUrl: 'https://app.example.com/invite?tenant=acme&token=stale#top',
    });
    const link = new URL((await latestEmail(invitationId))!.secret!);
    expect(link.host).toBe('app.example.com');
    expect(link.pathname).toBe('/invite');
    expect(link.searchParams.get('tenant')).toBe('acme');
    expect(link.searchParams.getAll('token')).toHaveLength(1);
    expect(looksLike('invitation', link.searchParams.get('token')!)).toBe(true);
  });

  it('never takes its host from the request', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const email = randomEmail();
    const res = await server.yoga.fetch('http://attacker.example/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${key}`,
        host: 'attacker.example',
        'x-forwarded-host': 'attacker.example',
      },
      body: JSON.stringify({
        query: `mutation($input: InviteMemberInput!) { inviteMember(input: $input) { __typename } }`,
        variables: { input: { organization: orgRef(org.id), email } },
      }),
    });
    expect(
      ((await res.json()) as { data: { inviteMember: { __typename: string } } }).data.inviteMember
        .__typename,
    ).toBe('InviteMemberPayload');
    const [mail] = await emailsTo(email);
    expect(new URL(mail!.secret!).host).toBe('app.example.com');
  });
});
