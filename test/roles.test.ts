// Roles: listing built-in and custom roles; creating, updating and deleting custom roles, with
// the no-escalation rule; custom roles granting permissions to the members who hold them.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import { globalId, newApiKey, newMember, newOrganization } from './helpers/fixtures.ts';
import { useTestServer } from './helpers/server.ts';

const server = useTestServer();

const ROLES = /* GraphQL */ `
  query Roles($by: OrganizationRef) {
    organization(by: $by) {
      __typename
      ... on Organization {
        roles {
          key
          name
          description
          permissions
          builtIn
        }
      }
    }
  }
`;

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateRoleInput!) {
    createRole(input: $input) {
      __typename
      ... on CreateRolePayload {
        role {
          key
          name
          description
          permissions
          builtIn
        }
      }
      ... on Error {
        message
      }
      ... on ValidationError {
        field
      }
      ... on RoleNotGrantableError {
        notGrantable: roleKey
      }
    }
  }
`;

const UPDATE = /* GraphQL */ `
  mutation Update($input: UpdateRoleInput!) {
    updateRole(input: $input) {
      __typename
      ... on UpdateRolePayload {
        role {
          key
          name
          description
          permissions
        }
      }
      ... on Error {
        message
      }
      ... on ValidationError {
        field
      }
      ... on RoleNotGrantableError {
        notGrantable: roleKey
      }
    }
  }
`;

const DELETE = /* GraphQL */ `
  mutation Delete($organization: OrganizationRef, $key: String!) {
    deleteRole(organization: $organization, key: $key) {
      __typename
      ... on DeleteRolePayload {
        deletedRoleKey
      }
      ... on Error {
        message
      }
      ... on ValidationError {
        field
      }
    }
  }
`;

async function customRole(organizationId: string, key: string, permissions: string[]) {
  return prisma.customRole.create({
    data: { organizationId, key, name: key, permissions },
  });
}

describe('Organization.roles', () => {
  it('lists the built-in roles first, then custom roles in creation order', async () => {
    const org = await newOrganization();
    await customRole(org.id, 'support', ['member:read']);
    await customRole(org.id, 'billing', ['organization:read', 'organization:update']);
    const member = await newMember(org.id, ['member']);
    const res = await server.gql(ROLES, {}, member.token);
    const roles = res.data!.organization.roles;
    expect(roles.map((role: { key: string }) => role.key)).toEqual([
      'owner',
      'admin',
      'member',
      'support',
      'billing',
    ]);
    expect(roles[1]).toMatchObject({ key: 'admin', name: 'Admin', builtIn: true });
    expect(roles[1].permissions).not.toContain('organization:delete');
    expect(roles[2].permissions).toEqual([
      'organization:read',
      'member:read',
      'invitation:read',
      'role:read',
    ]);
    expect(roles[4]).toEqual({
      key: 'billing',
      name: 'billing',
      description: null,
      permissions: ['organization:read', 'organization:update'],
      builtIn: false,
    });
  });
});

describe('createRole', () => {
  it('creates a custom role that grants its permissions to members holding it', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const res = await server.gql(
      CREATE,
      {
        input: {
          key: 'recruiter',
          name: 'Recruiter',
          description: 'Sends invitations',
          permissions: ['invitation:create', 'invitation:read', 'member:read', 'member:read'],
        },
      },
      owner.token,
    );
    expect(res.data!.createRole).toEqual({
      __typename: 'CreateRolePayload',
      role: {
        key: 'recruiter',
        name: 'Recruiter',
        description: 'Sends invitations',
        permissions: ['invitation:create', 'invitation:read', 'member:read'],
        builtIn: false,
      },
    });
    const recruiter = await newMember(org.id, ['recruiter']);
    const viewer = await server.gql('{ viewer { permissions } }', {}, recruiter.token);
    expect(viewer.data!.viewer.permissions).toEqual([
      'member:read',
      'invitation:read',
      'invitation:create',
    ]);
    const audit = await prisma.auditEvent.count({
      where: { organizationId: org.id, action: 'role.created', targetId: 'recruiter' },
    });
    expect(audit).toBe(1);
  });

  it('lets an API key create a role in an organization it names', async () => {
    const org = await newOrganization();
    const res = await server.gql(
      CREATE,
      {
        input: {
          organization: { slug: org.slug },
          key: 'auditor',
          name: 'Auditor',
          permissions: ['organization:delete'],
        },
      },
      await newApiKey(),
    );
    expect(res.data!.createRole.__typename).toBe('CreateRolePayload');
  });

  it('answers ValidationError for built-in or malformed keys and unknown permissions', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const cases = [
      [{ key: 'admin', permissions: [] }, 'input.key'],
      [{ key: 'Not A Slug', permissions: [] }, 'input.key'],
      [{ key: 'ok-key', permissions: ['member:read', 'member:fly'] }, 'input.permissions.1'],
      [{ key: 'ok-key', permissions: ['everything'] }, 'input.permissions.0'],
    ] as const;
    for (const [input, field] of cases) {
      const res = await server.gql(CREATE, { input: { name: 'Role', ...input } }, owner.token);
      expect(res.data!.createRole).toMatchObject({ __typename: 'ValidationError', field });
    }
  });

  it('answers RoleNotGrantableError when the creator lacks one of the permissions', async () => {
    const org = await newOrganization();
    const admin = await newMember(org.id, ['admin']);
    await customRole(org.id, 'role-maker', ['role:create', 'member:read']);
    const maker = await newMember(org.id, ['role-maker']);
    const cases = [
      [admin.token, ['organization:delete']],
      [maker.token, ['member:read', 'member:update']],
    ] as const;
    for (const [token, permissions] of cases) {
      const res = await server.gql(
        CREATE,
        { input: { key: 'too-strong', name: 'Too strong', permissions } },
        token,
      );
      expect(res.data!.createRole).toMatchObject({
        __typename: 'RoleNotGrantableError',
        notGrantable: 'too-strong',
      });
    }
    // Within its own permissions the custom role may create roles.
    const ok = await server.gql(
      CREATE,
      { input: { key: 'reader', name: 'Reader', permissions: ['member:read'] } },
      maker.token,
    );
    expect(ok.data!.createRole.__typename).toBe('CreateRolePayload');
  });

  it('answers ConflictError for a key already in use', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    await customRole(org.id, 'support', []);
    const res = await server.gql(
      CREATE,
      { input: { key: 'support', name: 'Support again', permissions: [] } },
      owner.token,
    );
    expect(res.data!.createRole.__typename).toBe('ConflictError');
    expect(res.data!.createRole.message).toMatch(/support/);
  });

  it('answers ForbiddenError to plain members and anonymous callers', async () => {
    const org = await newOrganization();
    const member = await newMember(org.id, ['member']);
    for (const [token, organization] of [
      [member.token, undefined],
      [undefined, { slug: org.slug }],
    ] as const) {
      const res = await server.gql(
        CREATE,
        { input: { organization, key: 'x', name: 'X', permissions: [] } },
        token,
      );
      expect(res.data!.createRole.__typename).toBe('ForbiddenError');
    }
  });

  it('answers NotFoundError to an API key naming a missing organization', async () => {
    const res = await server.gql(
      CREATE,
      { input: { organization: { slug: 'no-such-org' }, key: 'x', name: 'X', permissions: [] } },
      await newApiKey(),
    );
    expect(res.data!.createRole.__typename).toBe('NotFoundError');
  });
});

describe('updateRole', () => {
  it("changes a custom role's name, description and permissions, and what its holders may do", async () => {
    const org = await newOrganization();
    const admin = await newMember(org.id, ['admin']);
    await customRole(org.id, 'support', ['member:read']);
    const holder = await newMember(org.id, ['support']);
    const res = await server.gql(
      UPDATE,
      {
        input: {
          key: 'support',
          name: 'Support desk',
          description: 'Helps members',
          permissions: ['member:read', 'member:update'],
        },
      },
      admin.token,
    );
    expect(res.data!.updateRole).toEqual({
      __typename: 'UpdateRolePayload',
      role: {
        key: 'support',
        name: 'Support desk',
        description: 'Helps members',
        permissions: ['member:read', 'member:update'],
      },
    });
    const can = await server.gql(
      `{ isAuthorized(resource: "member", action: "update") }`,
      {},
      holder.token,
    );
    expect(can.data!.isAuthorized).toBe(true);
    const audit = await prisma.auditEvent.findFirst({
      where: { organizationId: org.id, action: 'role.updated', targetId: 'support' },
    });
    expect(audit?.data).toMatchObject({
      permissionsBefore: ['member:read'],
      permissionsAfter: ['member:read', 'member:update'],
    });
  });

  it('answers NotFoundError for a role the organization does not have', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const res = await server.gql(UPDATE, { input: { key: 'ghost', name: 'Boo' } }, owner.token);
    expect(res.data!.updateRole.__typename).toBe('NotFoundError');
  });

  it('answers ValidationError for built-in roles and unknown permissions', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    await customRole(org.id, 'support', []);
    const builtIn = await server.gql(
      UPDATE,
      { input: { key: 'member', permissions: ['member:update'] } },
      owner.token,
    );
    expect(builtIn.data!.updateRole).toMatchObject({
      __typename: 'ValidationError',
      field: 'input.key',
    });
    const unknown = await server.gql(
      UPDATE,
      { input: { key: 'support', permissions: ['member:nap'] } },
      owner.token,
    );
    expect(unknown.data!.updateRole).toMatchObject({
      __typename: 'ValidationError',
      field: 'input.permissions.0',
    });
  });

  it('answers RoleNotGrantableError when the caller lacks a permission the role has or would get', async () => {
    const org = await newOrganization();
    const admin = await newMember(org.id, ['admin']);
    await customRole(org.id, 'support', ['member:read']);
    await customRole(org.id, 'closer', ['organization:delete']);
    const adds = await server.gql(
      UPDATE,
      { input: { key: 'support', permissions: ['member:read', 'organization:delete'] } },
      admin.token,
    );
    expect(adds.data!.updateRole).toMatchObject({
      __typename: 'RoleNotGrantableError',
      notGrantable: 'support',
    });
    const strips = await server.gql(
      UPDATE,
      { input: { key: 'closer', permissions: [] } },
      admin.token,
    );
    expect(strips.data!.updateRole).toMatchObject({
      __typename: 'RoleNotGrantableError',
      notGrantable: 'closer',
    });
    const unchanged = await prisma.customRole.findMany({
      where: { organizationId: org.id },
      orderBy: { key: 'asc' },
    });
    expect(unchanged.map((role) => role.permissions)).toEqual([
      ['organization:delete'],
      ['member:read'],
    ]);
  });

  it('answers ForbiddenError to plain members', async () => {
    const org = await newOrganization();
    const member = await newMember(org.id, ['member']);
    await customRole(org.id, 'support', []);
    const res = await server.gql(UPDATE, { input: { key: 'support', name: 'X' } }, member.token);
    expect(res.data!.updateRole.__typename).toBe('ForbiddenError');
  });
});

describe('deleteRole', () => {
  it('deletes a custom role nobody holds', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    await customRole(org.id, 'support', []);
    const res = await server.gql(DELETE, { key: 'support' }, owner.token);
    expect(res.data!.deleteRole).toEqual({
      __typename: 'DeleteRolePayload',
      deletedRoleKey: 'support',
    });
    expect(await prisma.customRole.count({ where: { organizationId: org.id } })).toBe(0);
    expect(
      await prisma.auditEvent.count({ where: { organizationId: org.id, action: 'role.deleted' } }),
    ).toBe(1);
  });

  it('answers ConflictError saying how many members and pending invitations still hold it', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    await customRole(org.id, 'support', []);
    await newMember(org.id, ['member', 'support']);
    await newMember(org.id, ['support']);
    await prisma.invitation.create({
      data: {
        organizationId: org.id,
        email: 'invitee@example.com',
        emailNormalized: 'invitee@example.com',
        roles: ['support'],
        tokenHash: crypto.randomBytes(32).toString('hex'),
        expiresAt: new Date(Date.now() + 86_400_000),
        redirectUrl: 'https://app.example.com/accept',
      },
    });
    const res = await server.gql(DELETE, { key: 'support' }, owner.token);
    expect(res.data!.deleteRole.__typename).toBe('ConflictError');
    expect(res.data!.deleteRole.message).toMatch(/2 members and 1 pending invitation/);
    expect(await prisma.customRole.count({ where: { organizationId: org.id } })).toBe(1);
  });

  it('answers NotFoundError for a missing role and ValidationError for a built-in one', async () => {
    const org = await newOrganization();
    const key = await newApiKey();
    const missing = await server.gql(DELETE, { organization: { slug: org.slug }, key: 'x' }, key);
    expect(missing.data!.deleteRole.__typename).toBe('NotFoundError');
    const builtIn = await server.gql(
      DELETE,
      { organization: { slug: org.slug }, key: 'admin' },
      key,
    );
    expect(builtIn.data!.deleteRole).toMatchObject({
      __typename: 'ValidationError',
      field: 'key',
    });
  });

  it('answers ForbiddenError to plain members', async () => {
    const org = await newOrganization();
    const member = await newMember(org.id, ['member']);
    await customRole(org.id, 'support', []);
    const res = await server.gql(DELETE, { key: 'support' }, member.token);
    expect(res.data!.deleteRole.__typename).toBe('ForbiddenError');
  });
});

describe('granting custom roles', () => {
  const UPDATE_MEMBER = /* GraphQL */ `
    mutation UpdateMember($input: UpdateMemberInput!) {
      updateMember(input: $input) {
        __typename
        ... on RoleNotGrantableError {
          role: roleKey
        }
      }
    }
  `;

  it('lets a member grant a custom role only if it holds all of its permissions', async () => {
    const org = await newOrganization();
    await customRole(org.id, 'member-admin', ['member:read', 'member:update']);
    await customRole(org.id, 'inviter', ['invitation:create']);
    const granter = await newMember(org.id, ['member-admin']);
    const target = await newMember(org.id, ['member']);
    const id = globalId('Member', target.id);
    const allowed = await server.gql(
      UPDATE_MEMBER,
      { input: { id: id, roles: ['member', 'member-admin'] } },
      granter.token,
    );
    expect(allowed.data!.updateMember.__typename).toBe('UpdateMemberPayload');
    const refused = await server.gql(
      UPDATE_MEMBER,
      { input: { id: id, roles: ['member', 'member-admin', 'inviter'] } },
      granter.token,
    );
    expect(refused.data!.updateMember).toEqual({
      __typename: 'RoleNotGrantableError',
      role: 'inviter',
    });
  });
});
