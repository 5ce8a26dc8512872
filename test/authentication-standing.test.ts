// A member session's standing (roles, and what its organization's custom roles grant) is read by
// authentication with the session, in one statement, and the scopes use it for the caller's own
// organization. It is read again on every request, so a change of roles, of a custom role's
// permissions, or a deactivation takes effect on the very next request of the same session.
import { describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import { newCustomRoles, newMember, newOrganization } from './helpers/fixtures.ts';
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
});
