// Members: reading (by id, by email, the organization's connection), updating, deactivating and
// reactivating, self-service, sessions, the viewer and isAuthorized.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import { globalId, newApiKey, newMember, newOrganization } from './helpers/fixtures.ts';
import { ACCEPT, invited } from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';
import { statementsDuring } from './helpers/statements.ts';

const server = useTestServer();

function randomEmail(prefix = 'person'): string {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}@example.com`;
}

/** A member in a given status, without a session (INVITED and DEACTIVATED members have none). */
async function memberWithStatus(
  organizationId: string,
  status: 'INVITED' | 'ACTIVE' | 'DEACTIVATED',
  roles: string[] = ['member'],
  email = randomEmail(),
) {
  return prisma.member.create({
    data: {
      organizationId,
      email,
      emailNormalized: email.toLowerCase(),
      status,
      roles,
      deactivatedAt: status === 'DEACTIVATED' ? new Date() : null,
    },
  });
}

async function pendingInvitation(organizationId: string, roles: string[] = ['member']) {
  const email = randomEmail('invitee');
  return prisma.invitation.create({
    data: {
      organizationId,
      email,
      emailNormalized: email,
      roles,
      tokenHash: crypto.randomBytes(32).toString('hex'),
      expiresAt: new Date(Date.now() + 86_400_000),
      redirectUrl: 'https://app.example.com/accept',
    },
  });
}

const VIEWER = /* GraphQL */ `
  query {
    viewer {
      kind
      sessionId
    }
  }
`;

/** Whether a session token still authenticates. */
async function tokenWorks(token: string): Promise<boolean> {
  const res = await server.gql(VIEWER, {}, token);
  return res.status === 200 && res.data?.viewer?.kind === 'MEMBER';
}

const MEMBER = /* GraphQL */ `
  query Member($id: ID!) {
    member(id: $id) {
      __typename
      ... on Member {
        id
        email
        name
        status
        roles
        organization {
          slug
        }
      }
      ... on Error {
        message
      }
    }
  }
`;

describe('member query', () => {
  it('returns a member by global id to an API key and to a member of its organization', async () => {
    const org = await newOrganization();
    const target = await newMember(org.id, ['admin']);
    const reader = await newMember(org.id, ['member']);
    for (const token of [await newApiKey(), reader.token]) {
      const res = await server.gql(MEMBER, { id: globalId('Member', target.id) }, token);
      expect(res.data!.member).toMatchObject({
        __typename: 'Member',
        id: globalId('Member', target.id),
        email: target.email,
        status: 'ACTIVE',
        roles: ['admin'],
        organization: { slug: org.slug },
      });
    }
  });

  it('answers NotFoundError to an API key for an id that names no member', async () => {
    const key = await newApiKey();
    for (const id of [
      globalId('Member', crypto.randomUUID()),
      globalId('Member', 'not-a-uuid'),
      globalId('Organization', (await newOrganization()).id),
    ]) {
      const res = await server.gql(MEMBER, { id }, key);
      expect(res.data!.member.__typename).toBe('NotFoundError');
    }
  });

  it('answers ForbiddenError to a session for members of other organizations and unknown ids', async () => {
    const mine = await newOrganization();
    const other = await newOrganization();
    const reader = await newMember(mine.id, ['owner']);
    const stranger = await newMember(other.id, ['member']);
    for (const id of [globalId('Member', stranger.id), globalId('Member', crypto.randomUUID())]) {
      const res = await server.gql(MEMBER, { id }, reader.token);
      expect(res.data!.member.__typename).toBe('ForbiddenError');
    }
  });

  it('lets a member read itself even when its roles lack member:read', async () => {
    const org = await newOrganization();
    await prisma.customRole.create({
      data: { organizationId: org.id, key: 'inviter', name: 'Inviter', permissions: [] },
    });
    const self = await newMember(org.id, ['inviter']);
    const other = await newMember(org.id, ['member']);
    const own = await server.gql(
      `query($id: ID!) { member(id: $id) { __typename ... on Member { email } } }`,
      { id: globalId('Member', self.id) },
      self.token,
    );
    expect(own.data!.member).toEqual({ __typename: 'Member', email: self.email });
    const theirs = await server.gql(MEMBER, { id: globalId('Member', other.id) }, self.token);
    expect(theirs.data!.member.__typename).toBe('ForbiddenError');
  });

  it('answers ForbiddenError to anonymous callers', async () => {
    const org = await newOrganization();
    const target = await newMember(org.id, ['member']);
    const res = await server.gql(MEMBER, { id: globalId('Member', target.id) });
    expect(res.data!.member.__typename).toBe('ForbiddenError');
  });
});

describe('memberByEmail', () => {
  const QUERY = /* GraphQL */ `
    query ByEmail($organization: OrganizationRef, $email: EmailAddress!) {
      memberByEmail(organization: $organization, email: $email) {
        __typename
        ... on Member {
          id
          email
        }
      }
    }
  `;

  it('finds a member by email case-insensitively, in the named or own organization', async () => {
    const org = await newOrganization();
    const target = await newMember(org.id, ['member'], randomEmail('Mixed.Case'));
    const key = await newApiKey();
    const byKey = await server.gql(
      QUERY,
      { organization: { slug: org.slug }, email: target.email.toUpperCase() },
      key,
    );
    expect(byKey.data!.memberByEmail).toMatchObject({
      __typename: 'Member',
      id: globalId('Member', target.id),
      email: target.email,
    });
    const bySession = await server.gql(QUERY, { email: target.email.toLowerCase() }, target.token);
    expect(bySession.data!.memberByEmail.__typename).toBe('Member');
  });

  it('answers NotFoundError when nobody has the email', async () => {
    const org = await newOrganization();
    const res = await server.gql(
      QUERY,
      { organization: { slug: org.slug }, email: 'nobody@example.com' },
      await newApiKey(),
    );
    expect(res.data!.memberByEmail.__typename).toBe('NotFoundError');
  });
});

describe('Organization.members', () => {
  const MEMBERS = /* GraphQL */ `
    query Members(
      $by: OrganizationRef
      $first: Int
      $after: String
      $status: [MemberStatus!]
      $role: String
      $email: String
    ) {
      organization(by: $by) {
        __typename
        ... on Organization {
          members(
            first: $first
            after: $after
            status: $status
            role: $role
            emailContains: $email
          ) {
            totalCount
            pageInfo {
              hasNextPage
              endCursor
            }
            edges {
              node {
                email
                status
                roles
              }
            }
          }
        }
      }
    }
  `;

  async function listEmails(
    token: string,
    orgSlug: string,
    filters: Record<string, unknown> = {},
  ): Promise<{ emails: string[]; totalCount: number }> {
    const res = await server.gql(MEMBERS, { by: { slug: orgSlug }, ...filters }, token);
    expect(res.errors).toBeUndefined();
    const members = res.data!.organization.members;
    return {
      emails: members.edges.map((edge: { node: { email: string } }) => edge.node.email),
      totalCount: members.totalCount,
    };
  }

  it('lists newest first and filters by status, role and email, with totalCount', async () => {
    const org = await newOrganization();
    const key = await newApiKey();
    const first = await memberWithStatus(org.id, 'ACTIVE', ['owner'], randomEmail('alice'));
    const second = await memberWithStatus(org.id, 'INVITED', ['member'], randomEmail('bob'));
    const third = await memberWithStatus(org.id, 'DEACTIVATED', ['admin'], randomEmail('carol'));
    const fourth = await memberWithStatus(org.id, 'ACTIVE', ['admin'], randomEmail('ALICIA'));

    expect(await listEmails(key, org.slug)).toEqual({
      emails: [fourth.email, third.email, second.email, first.email],
      totalCount: 4,
    });
    expect(await listEmails(key, org.slug, { status: ['ACTIVE', 'INVITED'] })).toEqual({
      emails: [fourth.email, second.email, first.email],
      totalCount: 3,
    });
    expect(await listEmails(key, org.slug, { role: 'admin' })).toEqual({
      emails: [fourth.email, third.email],
      totalCount: 2,
    });
    expect(await listEmails(key, org.slug, { email: 'ALI' })).toEqual({
      emails: [fourth.email, first.email],
      totalCount: 2,
    });
    expect(await listEmails(key, org.slug, { role: 'admin', status: ['ACTIVE'] })).toEqual({
      emails: [fourth.email],
      totalCount: 1,
    });
  });

  it('pages with cursors', async () => {
    const org = await newOrganization();
    const key = await newApiKey();
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await memberWithStatus(org.id, 'ACTIVE'));
    // The connection's order: newest first, ties (members created in the same millisecond) by id.
    const newestFirst = [...created]
      .sort(
        (a, b) =>
          b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
      )
      .map((member) => member.email);
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 3; page++) {
      const res = await server.gql(MEMBERS, { by: { slug: org.slug }, first: 2, after }, key);
      const members = res.data!.organization.members;
      seen.push(...members.edges.map((edge: { node: { email: string } }) => edge.node.email));
      expect(members.pageInfo.hasNextPage).toBe(page < 2);
      after = members.pageInfo.endCursor;
    }
    expect(seen).toEqual(newestFirst);
  });

  it('refuses a member whose roles lack member:read', async () => {
    const org = await newOrganization();
    await prisma.customRole.create({
      data: {
        organizationId: org.id,
        key: 'org-reader',
        name: 'Org reader',
        permissions: ['organization:read'],
      },
    });
    const reader = await newMember(org.id, ['org-reader']);
    const res = await server.gql(MEMBERS, {}, reader.token);
    // The field has no result union: it reads null, the refusal is a GraphQL error at its path,
    // no member leaks, and the organization above it is still answered.
    expect(res.data!.organization).toMatchObject({ __typename: 'Organization', members: null });
    expect(res.errors).toHaveLength(1);
    expect((res.errors![0] as { extensions?: { code?: string } }).extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect((res.errors![0] as { path?: unknown }).path).toEqual(['organization', 'members']);
  });

  it('runs the same number of SQL statements whatever the number of members (no N+1)', async () => {
    const key = await newApiKey();
    const QUERY = /* GraphQL */ `
      query Members($by: OrganizationRef) {
        organization(by: $by) {
          ... on Organization {
            members(first: 100) {
              totalCount
              edges {
                node {
                  email
                  roles
                  organization {
                    slug
                  }
                  invitedBy {
                    email
                  }
                }
              }
            }
            roles {
              key
            }
          }
        }
      }
    `;
    async function statementsFor(memberCount: number): Promise<number> {
      const org = await newOrganization();
      const inviter = await memberWithStatus(org.id, 'ACTIVE', ['owner']);
      for (let i = 0; i < memberCount; i++) {
        const email = randomEmail();
        await prisma.member.create({
          data: {
            organizationId: org.id,
            email,
            emailNormalized: email,
            status: 'ACTIVE',
            roles: ['member'],
            invitedByMemberId: inviter.id,
          },
        });
      }
      // Warm the API key's lastUsedAt so the count does not include its touch.
      await server.gql('{ viewer { kind } }', {}, key);
      return statementsDuring(async () => {
        const res = await server.gql(QUERY, { by: { slug: org.slug } }, key);
        expect(res.data!.organization.members.totalCount).toBe(memberCount + 1);
      });
    }
    const few = await statementsFor(2);
    const many = await statementsFor(40);
    expect(few).toBeGreaterThan(0);
    expect(many).toBe(few);
  });
});

const UPDATE = /* GraphQL */ `
  mutation Update($input: UpdateMemberInput!) {
    updateMember(input: $input) {
      __typename
      ... on UpdateMemberPayload {
        member {
          name
          roles
          trustedMetadata
          untrustedMetadata
          hasRestrictedAccess
          restrictedResourceIds
        }
      }
      ... on Error {
        message
      }
      ... on ValidationError {
        field
      }
      ... on RoleNotGrantableError {
        role: roleKey
      }
      ... on UnknownRoleError {
        role: roleKey
      }
    }
  }
`;

describe('updateMember', () => {
  it('changes name, roles and both metadata with an API key, and records member.updated', async () => {
    const org = await newOrganization();
    await newMember(org.id, ['owner']);
    const target = await newMember(org.id, ['member']);
    const res = await server.gql(
      UPDATE,
      {
        input: {
          id: globalId('Member', target.id),
          name: 'New Name',
          roles: ['admin'],
          trustedMetadata: { plan: 'pro' },
          untrustedMetadata: { theme: 'dark' },
        },
      },
      await newApiKey(),
    );
    expect(res.data!.updateMember).toMatchObject({
      __typename: 'UpdateMemberPayload',
      member: {
        name: 'New Name',
        roles: ['admin'],
        trustedMetadata: { plan: 'pro' },
        untrustedMetadata: { theme: 'dark' },
      },
    });
    const audit = await prisma.auditEvent.findFirst({
      where: { organizationId: org.id, action: 'member.updated', targetId: target.id },
    });
    expect(audit?.data).toMatchObject({ rolesBefore: ['member'], rolesAfter: ['admin'] });
  });

  it("changes an INVITED member's terms so that accepting keeps them, and its invitation shows them", async () => {
    const org = await newOrganization();
    const key = await newApiKey();
    const owner = await newMember(org.id, ['owner']);
    await prisma.customRole.create({
      data: { organizationId: org.id, key: 'support', name: 'Support', permissions: [] },
    });
    const invitee = await invited(server, key, org.id, { roles: ['owner'], notify: false });
    const res = await server.gql(
      UPDATE,
      {
        input: {
          id: globalId('Member', invitee.memberId),
          roles: ['member', 'support'],
          untrustedMetadata: { team: 'blue' },
        },
      },
      owner.token,
    );
    expect(res.data!.updateMember.__typename).toBe('UpdateMemberPayload');
    const invitation = await prisma.invitation.findUniqueOrThrow({
      where: { id: invitee.invitationId },
    });
    expect(invitation.roles).toEqual(['member', 'support']);
    // The role is held (through the pending invitation), so it cannot be deleted under it.
    const deleteRole = await server.gql(
      `mutation { deleteRole(key: "support") { __typename } }`,
      {},
      owner.token,
    );
    expect(deleteRole.data!.deleteRole.__typename).toBe('ConflictError');
    const accepted = await server.gql(ACCEPT, { token: invitee.token });
    expect(accepted.data!.acceptInvitation.member).toMatchObject({
      roles: ['member', 'support'],
      status: 'ACTIVE',
    });
    const member = await prisma.member.findUniqueOrThrow({ where: { id: invitee.memberId } });
    expect(member.untrustedMetadata).toEqual({ team: 'blue' });
  });

  it('lets an owner grant owner and an admin grant admin', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const admin = await newMember(org.id, ['admin']);
    const a = await newMember(org.id, ['member']);
    const b = await newMember(org.id, ['member']);
    const byOwner = await server.gql(
      UPDATE,
      { input: { id: globalId('Member', a.id), roles: ['owner'] } },
      owner.token,
    );
    expect(byOwner.data!.updateMember.member.roles).toEqual(['owner']);
    const byAdmin = await server.gql(
      UPDATE,
      { input: { id: globalId('Member', b.id), roles: ['admin', 'member'] } },
      admin.token,
    );
    expect(byAdmin.data!.updateMember.member.roles).toEqual(['admin', 'member']);
  });

  it('answers UnknownRoleError for a role the organization does not have', async () => {
    const org = await newOrganization();
    const target = await newMember(org.id, ['member']);
    const res = await server.gql(
      UPDATE,
      { input: { id: globalId('Member', target.id), roles: ['member', 'wizard'] } },
      await newApiKey(),
    );
    expect(res.data!.updateMember).toMatchObject({
      __typename: 'UnknownRoleError',
      role: 'wizard',
    });
  });

  it('answers RoleNotGrantableError when an admin grants owner, touches an owner, or grants more than it holds', async () => {
    const org = await newOrganization();
    await newMember(org.id, ['owner']);
    const owner2 = await newMember(org.id, ['owner']);
    const admin = await newMember(org.id, ['admin']);
    const target = await newMember(org.id, ['member']);
    await prisma.customRole.create({
      data: {
        organizationId: org.id,
        key: 'destroyer',
        name: 'Destroyer',
        permissions: ['organization:delete'],
      },
    });
    const cases = [
      { member: target.id, roles: ['owner'], role: 'owner' },
      { member: target.id, roles: ['member', 'destroyer'], role: 'destroyer' },
    ];
    for (const { member, roles, role } of cases) {
      const res = await server.gql(
        UPDATE,
        { input: { id: globalId('Member', member), roles } },
        admin.token,
      );
      expect(res.data!.updateMember).toMatchObject({ __typename: 'RoleNotGrantableError', role });
    }
    // Anything done to an owner is owner-level: refused before any role is looked at.
    for (const roles of [['admin'], ['owner', 'admin']]) {
      const res = await server.gql(
        UPDATE,
        { input: { id: globalId('Member', owner2.id), roles } },
        admin.token,
      );
      expect(res.data!.updateMember).toMatchObject({
        __typename: 'ForbiddenError',
        message: expect.stringContaining('needs an owner'),
      });
    }
    const unchanged = await prisma.member.findUniqueOrThrow({ where: { id: owner2.id } });
    expect(unchanged.roles).toEqual(['owner']);
  });

  it('answers LastOwnerError when the only active owner would lose owner', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    // A deactivated owner does not count.
    await memberWithStatus(org.id, 'DEACTIVATED', ['owner']);
    for (const token of [await newApiKey(), owner.token]) {
      const res = await server.gql(
        UPDATE,
        { input: { id: globalId('Member', owner.id), roles: ['admin'] } },
        token,
      );
      expect(res.data!.updateMember.__typename).toBe('LastOwnerError');
    }
    // With a second active owner, the first may step down.
    await newMember(org.id, ['owner']);
    const res = await server.gql(
      UPDATE,
      { input: { id: globalId('Member', owner.id), roles: ['admin'] } },
      owner.token,
    );
    expect(res.data!.updateMember.member.roles).toEqual(['admin']);
  });

  it('restricts a plain member to resource ids and lifts the restriction with null', async () => {
    const org = await newOrganization();
    const target = await newMember(org.id, ['member']);
    const key = await newApiKey();
    const id = globalId('Member', target.id);
    const restricted = await server.gql(
      UPDATE,
      { input: { id: id, restrictedResourceIds: ['site-1', 'site-2'] } },
      key,
    );
    expect(restricted.data!.updateMember.member).toMatchObject({
      hasRestrictedAccess: true,
      restrictedResourceIds: ['site-1', 'site-2'],
    });
    // Still restricted: a role change alone is refused...
    const promote = await server.gql(UPDATE, { input: { id: id, roles: ['admin'] } }, key);
    expect(promote.data!.updateMember).toMatchObject({
      __typename: 'ValidationError',
      field: 'input.roles',
    });
    // ...but lifting the restriction in the same change is fine.
    const lifted = await server.gql(
      UPDATE,
      { input: { id: id, roles: ['admin'], restrictedResourceIds: null } },
      key,
    );
    expect(lifted.data!.updateMember.member).toMatchObject({
      roles: ['admin'],
      hasRestrictedAccess: false,
      restrictedResourceIds: [],
    });
  });

  it('answers ValidationError for restricted access on other roles, no roles, or a blank name', async () => {
    const org = await newOrganization();
    const admin = await newMember(org.id, ['admin']);
    const key = await newApiKey();
    const cases = [
      [{ restrictedResourceIds: ['site-1'] }, 'input.restrictedResourceIds'],
      [{ roles: [] }, 'input.roles'],
      [{ name: '   ' }, 'input.name'],
    ] as const;
    for (const [change, field] of cases) {
      const res = await server.gql(
        UPDATE,
        { input: { id: globalId('Member', admin.id), ...change } },
        key,
      );
      expect(res.data!.updateMember).toMatchObject({ __typename: 'ValidationError', field });
    }
  });

  it('answers ForbiddenError to plain members, outsiders, and sessions writing trustedMetadata', async () => {
    const org = await newOrganization();
    const other = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const member = await newMember(org.id, ['member']);
    const outsider = await newMember(other.id, ['owner']);
    const target = await newMember(org.id, ['member']);
    const id = globalId('Member', target.id);
    for (const token of [member.token, outsider.token]) {
      const res = await server.gql(UPDATE, { input: { id: id, name: 'x' } }, token);
      expect(res.data!.updateMember.__typename).toBe('ForbiddenError');
    }
    const trusted = await server.gql(
      UPDATE,
      { input: { id: id, trustedMetadata: { plan: 'free' } } },
      owner.token,
    );
    expect(trusted.data!.updateMember).toMatchObject({
      __typename: 'ForbiddenError',
      message: 'Only API keys may write trustedMetadata',
    });
    const unchanged = await prisma.member.findUniqueOrThrow({ where: { id: target.id } });
    expect(unchanged.trustedMetadata).toEqual({});
  });

  it('answers NotFoundError to an API key for an unknown member', async () => {
    const res = await server.gql(
      UPDATE,
      { input: { id: globalId('Member', crypto.randomUUID()), name: 'x' } },
      await newApiKey(),
    );
    expect(res.data!.updateMember.__typename).toBe('NotFoundError');
  });
});

const DEACTIVATE = /* GraphQL */ `
  mutation Deactivate($member: ID!) {
    deactivateMember(id: $member) {
      __typename
      ... on DeactivateMemberPayload {
        member {
          status
          deactivatedAt
        }
      }
      ... on Error {
        message
      }
    }
  }
`;

const REACTIVATE = /* GraphQL */ `
  mutation Reactivate($member: ID!) {
    reactivateMember(id: $member) {
      __typename
      ... on ReactivateMemberPayload {
        member {
          status
          deactivatedAt
        }
      }
      ... on SeatLimitReachedError {
        seatLimit
      }
      ... on Error {
        message
      }
    }
  }
`;

describe('deactivateMember', () => {
  it('deactivates an active member and revokes all its sessions', async () => {
    const org = await newOrganization();
    const admin = await newMember(org.id, ['admin']);
    const target = await newMember(org.id, ['member']);
    expect(await tokenWorks(target.token)).toBe(true);
    const res = await server.gql(
      DEACTIVATE,
      { member: globalId('Member', target.id) },
      admin.token,
    );
    expect(res.data!.deactivateMember.__typename).toBe('DeactivateMemberPayload');
    expect(res.data!.deactivateMember.member.status).toBe('DEACTIVATED');
    expect(res.data!.deactivateMember.member.deactivatedAt).toBeTruthy();
    const sessions = await prisma.memberSession.findMany({ where: { memberId: target.id } });
    expect(sessions.every((session) => session.revokedAt !== null)).toBe(true);
    expect(await tokenWorks(target.token)).toBe(false);
    const audit = await prisma.auditEvent.count({
      where: { action: 'member.deactivated', targetId: target.id },
    });
    expect(audit).toBe(1);
  });

  it('answers LastOwnerError for the only active owner', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const res = await server.gql(
      DEACTIVATE,
      { member: globalId('Member', owner.id) },
      await newApiKey(),
    );
    expect(res.data!.deactivateMember.__typename).toBe('LastOwnerError');
  });

  it('answers ValidationError for an invited member (pointing to revokeInvitation) and for a deactivated one', async () => {
    const org = await newOrganization();
    const key = await newApiKey();
    const invited = await memberWithStatus(org.id, 'INVITED');
    const res = await server.gql(DEACTIVATE, { member: globalId('Member', invited.id) }, key);
    expect(res.data!.deactivateMember.__typename).toBe('ValidationError');
    expect(res.data!.deactivateMember.message).toMatch(/revokeInvitation/);
    const gone = await memberWithStatus(org.id, 'DEACTIVATED');
    const again = await server.gql(DEACTIVATE, { member: globalId('Member', gone.id) }, key);
    expect(again.data!.deactivateMember.__typename).toBe('ValidationError');
  });

  it('answers ForbiddenError to plain members and to an admin deactivating an owner', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    await newMember(org.id, ['owner']);
    const admin = await newMember(org.id, ['admin']);
    const member = await newMember(org.id, ['member']);
    const target = await newMember(org.id, ['member']);
    const byMember = await server.gql(
      DEACTIVATE,
      { member: globalId('Member', target.id) },
      member.token,
    );
    expect(byMember.data!.deactivateMember.__typename).toBe('ForbiddenError');
    const byAdmin = await server.gql(
      DEACTIVATE,
      { member: globalId('Member', owner.id) },
      admin.token,
    );
    expect(byAdmin.data!.deactivateMember).toMatchObject({
      __typename: 'ForbiddenError',
      message: expect.stringContaining('needs an owner'),
    });
  });

  it('answers ForbiddenError to an admin deactivating a member whose role it could not grant', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const admin = await newMember(org.id, ['admin']);
    await prisma.customRole.create({
      data: {
        organizationId: org.id,
        key: 'closer',
        name: 'Closer',
        permissions: ['organization:delete'],
      },
    });
    const closer = await newMember(org.id, ['closer']);
    const byAdmin = await server.gql(
      DEACTIVATE,
      { member: globalId('Member', closer.id) },
      admin.token,
    );
    expect(byAdmin.data!.deactivateMember).toMatchObject({
      __typename: 'ForbiddenError',
      message: expect.stringMatching(/closer/),
    });
    expect((await prisma.member.findUniqueOrThrow({ where: { id: closer.id } })).status).toBe(
      'ACTIVE',
    );
    const byOwner = await server.gql(
      DEACTIVATE,
      { member: globalId('Member', closer.id) },
      owner.token,
    );
    expect(byOwner.data!.deactivateMember.__typename).toBe('DeactivateMemberPayload');
  });

  it('answers NotFoundError to an API key for an unknown member', async () => {
    const res = await server.gql(
      DEACTIVATE,
      { member: globalId('Member', crypto.randomUUID()) },
      await newApiKey(),
    );
    expect(res.data!.deactivateMember.__typename).toBe('NotFoundError');
  });
});

describe('reactivateMember', () => {
  it('reactivates a deactivated member', async () => {
    const org = await newOrganization();
    const admin = await newMember(org.id, ['admin']);
    const gone = await memberWithStatus(org.id, 'DEACTIVATED');
    const res = await server.gql(REACTIVATE, { member: globalId('Member', gone.id) }, admin.token);
    expect(res.data!.reactivateMember).toEqual({
      __typename: 'ReactivateMemberPayload',
      member: { status: 'ACTIVE', deactivatedAt: null },
    });
  });

  it('answers SeatLimitReachedError when active members plus pending invitations fill the seats', async () => {
    const org = await newOrganization();
    const key = await newApiKey();
    await newMember(org.id, ['owner']);
    await pendingInvitation(org.id);
    // An expired-but-not-yet-swept invitation holds no seat.
    await prisma.invitation.update({
      where: { id: (await pendingInvitation(org.id)).id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    await prisma.organization.update({ where: { id: org.id }, data: { seatLimit: 2 } });
    const gone = await memberWithStatus(org.id, 'DEACTIVATED');
    const full = await server.gql(REACTIVATE, { member: globalId('Member', gone.id) }, key);
    expect(full.data!.reactivateMember).toMatchObject({
      __typename: 'SeatLimitReachedError',
      seatLimit: 2,
    });
    await prisma.organization.update({ where: { id: org.id }, data: { seatLimit: 3 } });
    const fits = await server.gql(REACTIVATE, { member: globalId('Member', gone.id) }, key);
    expect(fits.data!.reactivateMember.__typename).toBe('ReactivateMemberPayload');
  });

  it('answers ValidationError for a member that is not deactivated', async () => {
    const org = await newOrganization();
    const active = await newMember(org.id, ['member']);
    const res = await server.gql(
      REACTIVATE,
      { member: globalId('Member', active.id) },
      await newApiKey(),
    );
    expect(res.data!.reactivateMember.__typename).toBe('ValidationError');
  });

  it('answers ForbiddenError to plain members and to an admin reactivating an owner', async () => {
    const org = await newOrganization();
    const admin = await newMember(org.id, ['admin']);
    const member = await newMember(org.id, ['member']);
    const gone = await memberWithStatus(org.id, 'DEACTIVATED');
    const goneOwner = await memberWithStatus(org.id, 'DEACTIVATED', ['owner']);
    const byMember = await server.gql(
      REACTIVATE,
      { member: globalId('Member', gone.id) },
      member.token,
    );
    expect(byMember.data!.reactivateMember.__typename).toBe('ForbiddenError');
    const byAdmin = await server.gql(
      REACTIVATE,
      { member: globalId('Member', goneOwner.id) },
      admin.token,
    );
    expect(byAdmin.data!.reactivateMember.__typename).toBe('ForbiddenError');
  });

  it('answers ForbiddenError to an admin reactivating a member whose role it could not grant', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const admin = await newMember(org.id, ['admin']);
    await prisma.customRole.create({
      data: {
        organizationId: org.id,
        key: 'closer',
        name: 'Closer',
        permissions: ['organization:delete'],
      },
    });
    const gone = await memberWithStatus(org.id, 'DEACTIVATED', ['closer']);
    const byAdmin = await server.gql(
      REACTIVATE,
      { member: globalId('Member', gone.id) },
      admin.token,
    );
    expect(byAdmin.data!.reactivateMember.__typename).toBe('ForbiddenError');
    expect((await prisma.member.findUniqueOrThrow({ where: { id: gone.id } })).status).toBe(
      'DEACTIVATED',
    );
    const byOwner = await server.gql(
      REACTIVATE,
      { member: globalId('Member', gone.id) },
      owner.token,
    );
    expect(byOwner.data!.reactivateMember.__typename).toBe('ReactivateMemberPayload');
  });

  it('answers NotFoundError to an API key for an unknown member', async () => {
    const res = await server.gql(
      REACTIVATE,
      { member: globalId('Member', crypto.randomUUID()) },
      await newApiKey(),
    );
    expect(res.data!.reactivateMember.__typename).toBe('NotFoundError');
  });

  describe.skipIf(!process.env.TEST_DATABASE_URL)('on a real PostgreSQL', () => {
    it('lets exactly as many concurrent reactivations through as there are free seats', async () => {
      const org = await newOrganization();
      const key = await newApiKey();
      await newMember(org.id, ['owner']);
      await prisma.organization.update({ where: { id: org.id }, data: { seatLimit: 3 } });
      const gone = [];
      for (let i = 0; i < 8; i++) gone.push(await memberWithStatus(org.id, 'DEACTIVATED'));
      const results = await Promise.all(
        gone.map((member) =>
          server.gql(REACTIVATE, { member: globalId('Member', member.id) }, key),
        ),
      );
      const typenames = results.map((res) => res.data!.reactivateMember.__typename);
      expect(typenames.filter((name) => name === 'ReactivateMemberPayload')).toHaveLength(2);
      expect(typenames.filter((name) => name === 'SeatLimitReachedError')).toHaveLength(6);
      expect(
        await prisma.member.count({ where: { organizationId: org.id, status: 'ACTIVE' } }),
      ).toBe(3);
    });

    it('keeps one active owner when every owner is demoted at once', async () => {
      const org = await newOrganization();
      const key = await newApiKey();
      const owners = [];
      for (let i = 0; i < 5; i++) owners.push(await newMember(org.id, ['owner']));
      const results = await Promise.all(
        owners.map((owner) =>
          server.gql(
            UPDATE,
            { input: { id: globalId('Member', owner.id), roles: ['admin'] } },
            key,
          ),
        ),
      );
      const typenames = results.map((res) => res.data!.updateMember.__typename);
      expect(typenames.filter((name) => name === 'LastOwnerError')).toHaveLength(1);
      expect(
        await prisma.member.count({
          where: { organizationId: org.id, status: 'ACTIVE', roles: { has: 'owner' } },
        }),
      ).toBe(1);
    });
  });
});

describe('updateSelf', () => {
  const UPDATE_SELF = /* GraphQL */ `
    mutation UpdateSelf($input: UpdateSelfInput!) {
      updateSelf(input: $input) {
        __typename
        ... on UpdateSelfPayload {
          member {
            id
            name
            untrustedMetadata
            trustedMetadata
          }
        }
        ... on ValidationError {
          field
        }
      }
    }
  `;

  it("changes the calling member's name and untrusted metadata", async () => {
    const org = await newOrganization();
    const self = await newMember(org.id, ['member']);
    const res = await server.gql(
      UPDATE_SELF,
      { input: { name: 'Me Myself', untrustedMetadata: { avatar: 'cat.png' } } },
      self.token,
    );
    expect(res.data!.updateSelf).toEqual({
      __typename: 'UpdateSelfPayload',
      member: {
        id: globalId('Member', self.id),
        name: 'Me Myself',
        untrustedMetadata: { avatar: 'cat.png' },
        trustedMetadata: {},
      },
    });
  });

  it('answers ValidationError for a blank name', async () => {
    const org = await newOrganization();
    const self = await newMember(org.id, ['member']);
    const res = await server.gql(UPDATE_SELF, { input: { name: '' } }, self.token);
    expect(res.data!.updateSelf).toEqual({ __typename: 'ValidationError', field: 'input.name' });
  });

  it('answers ForbiddenError to API keys and anonymous callers, who have no self', async () => {
    for (const token of [await newApiKey(), undefined]) {
      const res = await server.gql(UPDATE_SELF, { input: { name: 'x' } }, token);
      expect(res.data!.updateSelf.__typename).toBe('ForbiddenError');
    }
  });
});

describe('sessions', () => {
  const REVOKE_SESSION = /* GraphQL */ `
    mutation Revoke($id: ID) {
      revokeSession(id: $id) {
        __typename
        ... on RevokeSessionPayload {
          revokedSessionId
        }
      }
    }
  `;
  const REVOKE_MEMBER_SESSIONS = /* GraphQL */ `
    mutation RevokeAll($member: ID!) {
      revokeMemberSessions(id: $member) {
        __typename
        ... on RevokeMemberSessionsPayload {
          revokedSessionCount
          member {
            email
          }
        }
      }
    }
  `;

  async function secondSession(memberId: string) {
    const { issueSession } = await import('../src/services/sessions.ts');
    return prisma.$transaction((tx) => issueSession(tx, memberId));
  }

  it('revokeSession without an id signs the current session out', async () => {
    const org = await newOrganization();
    const self = await newMember(org.id, ['member']);
    const other = await secondSession(self.id);
    const res = await server.gql(REVOKE_SESSION, {}, self.token);
    expect(res.data!.revokeSession).toEqual({
      __typename: 'RevokeSessionPayload',
      revokedSessionId: self.sessionId,
    });
    expect(await tokenWorks(self.token)).toBe(false);
    expect(await tokenWorks(other.token)).toBe(true);
  });

  it('revokeSession with an id revokes another session of the same member', async () => {
    const org = await newOrganization();
    const self = await newMember(org.id, ['member']);
    const other = await secondSession(self.id);
    const viewer = await server.gql(VIEWER, {}, other.token);
    expect(viewer.data!.viewer.sessionId).toBe(other.id);
    const res = await server.gql(REVOKE_SESSION, { id: other.id }, self.token);
    expect(res.data!.revokeSession.revokedSessionId).toBe(other.id);
    expect(await tokenWorks(other.token)).toBe(false);
    expect(await tokenWorks(self.token)).toBe(true);
  });

  it("revokeSession answers NotFoundError for another member's session or an unknown id", async () => {
    const org = await newOrganization();
    const self = await newMember(org.id, ['owner']);
    const colleague = await newMember(org.id, ['member']);
    for (const id of [colleague.sessionId, crypto.randomUUID(), 'nonsense']) {
      const res = await server.gql(REVOKE_SESSION, { id }, self.token);
      expect(res.data!.revokeSession.__typename).toBe('NotFoundError');
    }
    expect(await tokenWorks(colleague.token)).toBe(true);
  });

  it('revokeSession answers ForbiddenError to API keys and anonymous callers', async () => {
    for (const token of [await newApiKey(), undefined]) {
      const res = await server.gql(REVOKE_SESSION, {}, token);
      expect(res.data!.revokeSession.__typename).toBe('ForbiddenError');
    }
  });

  it('revokeMemberSessions signs a member out everywhere', async () => {
    const org = await newOrganization();
    const admin = await newMember(org.id, ['admin']);
    const target = await newMember(org.id, ['member']);
    const other = await secondSession(target.id);
    const res = await server.gql(
      REVOKE_MEMBER_SESSIONS,
      { member: globalId('Member', target.id) },
      admin.token,
    );
    expect(res.data!.revokeMemberSessions).toEqual({
      __typename: 'RevokeMemberSessionsPayload',
      revokedSessionCount: 2,
      member: { email: target.email },
    });
    expect(await tokenWorks(target.token)).toBe(false);
    expect(await tokenWorks(other.token)).toBe(false);
    expect(await tokenWorks(admin.token)).toBe(true);
  });

  it('revokeMemberSessions answers ForbiddenError to plain members and NotFoundError for unknown members', async () => {
    const org = await newOrganization();
    const member = await newMember(org.id, ['member']);
    const target = await newMember(org.id, ['member']);
    const forbidden = await server.gql(
      REVOKE_MEMBER_SESSIONS,
      { member: globalId('Member', target.id) },
      member.token,
    );
    expect(forbidden.data!.revokeMemberSessions.__typename).toBe('ForbiddenError');
    expect(await tokenWorks(target.token)).toBe(true);
    const missing = await server.gql(
      REVOKE_MEMBER_SESSIONS,
      { member: globalId('Member', crypto.randomUUID()) },
      await newApiKey(),
    );
    expect(missing.data!.revokeMemberSessions.__typename).toBe('NotFoundError');
  });
});

describe('viewer', () => {
  const QUERY = /* GraphQL */ `
    query {
      viewer {
        kind
        permissions
        member {
          email
        }
        organization {
          slug
        }
      }
    }
  `;

  it('shows a member session its member, organization and permissions', async () => {
    const org = await newOrganization();
    const self = await newMember(org.id, ['member']);
    const res = await server.gql(QUERY, {}, self.token);
    expect(res.data!.viewer).toEqual({
      kind: 'MEMBER',
      permissions: ['organization:read', 'member:read', 'invitation:read', 'role:read'],
      member: { email: self.email },
      organization: { slug: org.slug },
    });
  });

  it('gives an API key every permission and no member or organization', async () => {
    const res = await server.gql(QUERY, {}, await newApiKey());
    // Null on purpose, not a field that failed (plugin-prisma's unused-query check once said so).
    expect(res.errors).toBeUndefined();
    expect(res.data!.viewer.kind).toBe('API_KEY');
    expect(res.data!.viewer.member).toBeNull();
    expect(res.data!.viewer.organization).toBeNull();
    expect(res.data!.viewer.permissions).toContain('organization:delete');
    expect(res.data!.viewer.permissions).toHaveLength(15);
  });

  it('answers null, with no error, for member and organization when relations are selected too', async () => {
    // plugin-prisma's development check (onUnusedQuery) took a null answered without loading a
    // row for a forgotten query, and said so in errors[], when the selection had relations.
    const deep = `{ viewer { member { id invitedBy { id } } organization { id roles { key } } } }`;
    for (const token of [undefined, await newApiKey()]) {
      const res = await server.gql(deep, {}, token);
      expect(res.errors).toBeUndefined();
      expect(res.data!.viewer).toEqual({ member: null, organization: null });
    }
  });

  it('gives an anonymous caller nothing', async () => {
    const res = await server.gql(QUERY, {});
    expect(res.errors).toBeUndefined();
    expect(res.data!.viewer).toEqual({
      kind: 'ANONYMOUS',
      permissions: [],
      member: null,
      organization: null,
    });
  });
});

describe('isAuthorized', () => {
  const QUERY = /* GraphQL */ `
    query Can($organization: OrganizationRef, $resource: String!, $action: String!) {
      isAuthorized(organization: $organization, resource: $resource, action: $action)
    }
  `;

  async function can(
    token: string | undefined,
    resource: string,
    action: string,
    organization?: Record<string, unknown>,
  ): Promise<boolean> {
    const res = await server.gql(QUERY, { organization, resource, action }, token);
    expect(res.errors).toBeUndefined();
    return res.data!.isAuthorized;
  }

  it("answers from the session's roles in its own organization", async () => {
    const org = await newOrganization();
    const admin = await newMember(org.id, ['admin']);
    const member = await newMember(org.id, ['member']);
    expect(await can(member.token, 'member', 'read')).toBe(true);
    expect(await can(member.token, 'member', 'update')).toBe(false);
    expect(await can(admin.token, 'member', 'update', { slug: org.slug })).toBe(true);
    expect(await can(admin.token, 'organization', 'delete')).toBe(false);
  });

  it('answers false for other organizations, unknown resources and actions, and anonymous callers', async () => {
    const org = await newOrganization();
    const other = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    expect(await can(owner.token, 'member', 'read', { slug: other.slug })).toBe(false);
    expect(await can(owner.token, 'member', 'read', { slug: 'no-such-org' })).toBe(false);
    expect(await can(owner.token, 'spaceship', 'read')).toBe(false);
    expect(await can(owner.token, 'member', 'launch')).toBe(false);
    expect(await can(undefined, 'member', 'read', { slug: org.slug })).toBe(false);
  });

  it('answers true to an API key for any real permission, false for a missing organization', async () => {
    const org = await newOrganization();
    const key = await newApiKey();
    expect(await can(key, 'organization', 'delete', { slug: org.slug })).toBe(true);
    expect(await can(key, 'role', 'create')).toBe(true);
    expect(await can(key, 'role', 'create', { slug: 'no-such-org' })).toBe(false);
    expect(await can(key, 'role', 'fly', { slug: org.slug })).toBe(false);
  });
});
