// A member session's standing (roles, and what its organization's custom roles grant) is read by
// authentication with the session, in one statement, and the scopes use it for the caller's own
// organization. It is read again on every request, so a change of roles, of a custom role's
// permissions, or a deactivation takes effect on the very next request of the same session.
import { describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import { authenticate } from '../src/services/authentication.ts';
import { globalId, newCustomRoles, newMember, newOrganization } from './helpers/fixtures.ts';
import { useTestServer } from './helpers/server.ts';
import { statementsDuring } from './helpers/statements.ts';

const server = useTestServer();

const STANDING = /* GraphQL */ `
  query Standing {
    viewer {
      permissions
    }
    canUpdateMembers: isAuthorized(resource: "member", action: "update")
    canCreateRoles: isAuthorized(resource: "role", action: "create")
  }
`;

/** Marks every session as used just now, so that no request writes its lastUsedAt. */
async function fresh() {
  await prisma.memberSession.updateMany({ data: { lastUsedAt: new Date() } });
}

async function standingOf(token: string) {
  const res = await server.gql(STANDING, {}, token);
  expect(res.errors).toBeUndefined();
  return res.data! as {
    viewer: { permissions: string[] };
    canUpdateMembers: boolean;
    canCreateRoles: boolean;
  };
}

describe("a member session's standing", () => {
  it('is read with the session in one statement, and the scopes need no other', async () => {
    const org = await newOrganization();
    await newCustomRoles(org.id, [{ key: 'support', permissions: ['member:update'] }]);
    const holder = await newMember(org.id, ['member', 'support']);
    await fresh();
    let answer: Awaited<ReturnType<typeof standingOf>> | undefined;
    const statements = await statementsDuring(async () => {
      answer = await standingOf(holder.token);
    });
    expect(statements).toBe(1);
    expect(answer).toEqual({
      viewer: {
        permissions: [
          'organization:read',
          'member:read',
          'member:update',
          'invitation:read',
          'role:read',
        ],
      },
      canUpdateMembers: true,
      canCreateRoles: false,
    });
    // A field guarded by a scope in the caller's own organization costs only its own read.
    await fresh();
    const guarded = await statementsDuring(async () => {
      const res = await server.gql(`{ viewer { organization { id name } } }`, {}, holder.token);
      expect(res.data!.viewer.organization.name).toBe(org.name);
    });
    expect(guarded).toBe(2);
  });

  it("counts only the caller's own organization's custom roles", async () => {
    const org = await newOrganization();
    const other = await newOrganization();
    // The same key elsewhere, granting everything: it must grant nothing here.
    await newCustomRoles(other.id, [{ key: 'support', permissions: ['member:update'] }]);
    const holder = await newMember(org.id, ['support']);
    expect(await standingOf(holder.token)).toEqual({
      viewer: { permissions: [] },
      canUpdateMembers: false,
      canCreateRoles: false,
    });
  });

  it('follows a change of roles on the next request of the same session', async () => {
    const org = await newOrganization();
    const admin = await newMember(org.id, ['admin']);
    expect((await standingOf(admin.token)).canCreateRoles).toBe(true);
    await prisma.member.update({ where: { id: admin.id }, data: { roles: ['member'] } });
    expect(await standingOf(admin.token)).toMatchObject({
      canUpdateMembers: false,
      canCreateRoles: false,
    });
  });

  it("follows a change of a custom role's permissions on the next request", async () => {
    const org = await newOrganization();
    await newCustomRoles(org.id, [{ key: 'support', permissions: ['member:update'] }]);
    const holder = await newMember(org.id, ['support']);
    expect((await standingOf(holder.token)).canUpdateMembers).toBe(true);
    await prisma.customRole.update({
      where: { organizationId_key: { organizationId: org.id, key: 'support' } },
      data: { permissions: ['member:read'] },
    });
    expect(await standingOf(holder.token)).toEqual({
      viewer: { permissions: ['member:read'] },
      canUpdateMembers: false,
      canCreateRoles: false,
    });
  });

  it('ends with a deactivation: the next request of the session is refused', async () => {
    const org = await newOrganization();
    const member = await newMember(org.id, ['owner']);
    expect((await standingOf(member.token)).canCreateRoles).toBe(true);
    await prisma.member.update({
      where: { id: member.id },
      data: { status: 'DEACTIVATED', deactivatedAt: new Date() },
    });
    const res = await server.gql(STANDING, {}, member.token);
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("carries the member's row exactly as Prisma reads it", async () => {
    const org = await newOrganization();
    const inviter = await newMember(org.id, ['owner']);
    const member = await newMember(org.id, ['member']);
    await prisma.member.update({
      where: { id: member.id },
      data: {
        name: 'Ada',
        trustedMetadata: { plan: 'pro', seats: [1, 2] },
        untrustedMetadata: { theme: 'dark' },
        hasRestrictedAccess: true,
        restrictedResourceIds: ['r1', 'r2'],
        invitedByMemberId: inviter.id,
      },
    });
    const caller = await authenticate(`Bearer ${member.token}`);
    expect(caller.kind).toBe('member');
    const row = caller.kind === 'member' ? caller.member : undefined;
    expect(row).toStrictEqual(await prisma.member.findUnique({ where: { id: member.id } }));
  });
});

describe('viewer { member }', () => {
  const FIELDS = /* GraphQL */ `
    id
    email
    name
    status
    roles
    trustedMetadata
    untrustedMetadata
    hasRestrictedAccess
    restrictedResourceIds
    activatedAt
    deactivatedAt
    createdAt
    updatedAt
  `;

  it('answers from the row read with the session, and loads relations when asked', async () => {
    const org = await newOrganization();
    const inviter = await newMember(org.id, ['owner']);
    const member = await newMember(org.id, ['admin']);
    await prisma.member.update({
      where: { id: member.id },
      data: { trustedMetadata: { a: 1 }, invitedByMemberId: inviter.id },
    });
    await fresh();
    let columns: Record<string, any> | undefined;
    const statements = await statementsDuring(async () => {
      const res = await server.gql(`{ viewer { member { ${FIELDS} } } }`, {}, member.token);
      expect(res.errors).toBeUndefined();
      columns = res.data!.viewer.member;
    });
    // Authentication only: the row came with the session.
    expect(statements).toBe(1);
    const withRelations = await server.gql(
      `{ viewer { member { ${FIELDS} invitedBy { id } organization { id } } } }`,
      {},
      member.token,
    );
    expect(withRelations.errors).toBeUndefined();
    const { invitedBy, organization, ...rest } = withRelations.data!.viewer.member;
    expect(rest).toEqual(columns);
    expect(columns).toMatchObject({ id: globalId('Member', member.id), trustedMetadata: { a: 1 } });
    expect(invitedBy).toEqual({ id: globalId('Member', inviter.id) });
    expect(organization).toEqual({ id: globalId('Organization', org.id) });
  });

  it('shows a change made since the previous request', async () => {
    const org = await newOrganization();
    const member = await newMember(org.id, ['member']);
    const read = async () =>
      (await server.gql(`{ viewer { member { name roles } } }`, {}, member.token)).data!.viewer
        .member;
    expect(await read()).toMatchObject({ roles: ['member'] });
    await prisma.member.update({
      where: { id: member.id },
      data: { name: 'Renamed', roles: ['admin'] },
    });
    expect(await read()).toEqual({ name: 'Renamed', roles: ['admin'] });
  });
});
