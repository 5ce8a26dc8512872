// Tenant isolation: even the owner of organization A can neither read nor change anything of
// organization B, whether asked directly, through nested fields, or through the Relay node field.
import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import {
  globalId,
  newApiKey,
  newMember,
  newOrganization,
  type MemberWithSession,
} from './helpers/fixtures.ts';
import { useTestServer, type GraphQLResponse } from './helpers/server.ts';

const server = useTestServer();

const SHARED_EMAIL = 'same.person@example.com';

let orgA: { id: string; slug: string; externalId: string | null };
let orgB: { id: string; slug: string; externalId: string | null; name: string };
let ownerA: MemberWithSession;
let ownerB: MemberWithSession;
let memberB: MemberWithSession;
let sharedA: MemberWithSession;
let sharedB: MemberWithSession;

beforeAll(async () => {
  orgA = await newOrganization({ name: 'Org A', externalId: `ext-a-${Date.now()}` });
  orgB = await newOrganization({ name: 'Org B', externalId: `ext-b-${Date.now()}` });
  ownerA = await newMember(orgA.id, ['owner']);
  ownerB = await newMember(orgB.id, ['owner']);
  memberB = await newMember(orgB.id, ['member']);
  // The same person in both organizations: two separate members.
  sharedA = await newMember(orgA.id, ['member'], SHARED_EMAIL);
  sharedB = await newMember(orgB.id, ['admin'], SHARED_EMAIL);
  await prisma.customRole.create({
    data: { organizationId: orgB.id, key: 'b-role', name: 'B role', permissions: ['member:read'] },
  });
});

/** The JSON of a response, to check that nothing of organization B appears anywhere in it. */
function leaksB(res: GraphQLResponse): boolean {
  const text = JSON.stringify(res.data ?? null);
  return [
    orgB.slug,
    orgB.name,
    orgB.externalId!,
    memberB.email,
    ownerB.email,
    globalId('Member', memberB.id),
    globalId('Organization', orgB.id),
    'b-role',
  ].some((secret) => text.includes(secret));
}

async function asOwnerA(query: string, variables: Record<string, unknown> = {}) {
  const res = await server.gql(query, variables, ownerA.token);
  expect(leaksB(res)).toBe(false);
  return res;
}

describe('reading another organization', () => {
  const ORGANIZATION = /* GraphQL */ `
    query Org($by: OrganizationRef) {
      organization(by: $by) {
        __typename
        ... on Organization {
          slug
          name
          members {
            edges {
              node {
                email
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

  it('organization(by: id | slug | externalId) answers ForbiddenError', async () => {
    for (const by of [
      { id: globalId('Organization', orgB.id) },
      { slug: orgB.slug },
      { externalId: orgB.externalId },
    ]) {
      const res = await asOwnerA(ORGANIZATION, { by });
      expect(res.data!.organization.__typename).toBe('ForbiddenError');
    }
  });

  it('member(id) of a member of B answers ForbiddenError', async () => {
    const res = await asOwnerA(
      `query($id: ID!) { member(id: $id) { __typename ... on Member { email name } } }`,
      { id: globalId('Member', memberB.id) },
    );
    expect(res.data!.member.__typename).toBe('ForbiddenError');
  });

  it('memberByEmail in B answers ForbiddenError; without an organization it finds only A', async () => {
    const QUERY = /* GraphQL */ `
      query ($organization: OrganizationRef, $email: EmailAddress!) {
        memberByEmail(organization: $organization, email: $email) {
          __typename
          ... on Member {
            id
            roles
          }
        }
      }
    `;
    const inB = await asOwnerA(QUERY, { organization: { slug: orgB.slug }, email: memberB.email });
    expect(inB.data!.memberByEmail.__typename).toBe('ForbiddenError');
    const own = await asOwnerA(QUERY, { email: SHARED_EMAIL });
    expect(own.data!.memberByEmail).toEqual({
      __typename: 'Member',
      id: globalId('Member', sharedA.id),
      roles: ['member'],
    });
    const missing = await asOwnerA(QUERY, { email: memberB.email });
    expect(missing.data!.memberByEmail.__typename).toBe('NotFoundError');
  });

  it('node and nodes return nothing of B', async () => {
    const NODE = /* GraphQL */ `
      query ($id: ID!) {
        node(id: $id) {
          id
          ... on Member {
            email
          }
          ... on Organization {
            slug
          }
        }
      }
    `;
    // Null, with no error, as for an id nobody has (issue 7 item 8).
    for (const id of [globalId('Member', memberB.id), globalId('Organization', orgB.id)]) {
      const res = await asOwnerA(NODE, { id });
      expect(res.data).toEqual({ node: null });
      expect(res.errors).toBeUndefined();
    }
    const nodes = await asOwnerA(
      `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Member { email } } }`,
      { ids: [globalId('Member', sharedA.id), globalId('Member', memberB.id)] },
    );
    expect(nodes.errors).toBeUndefined();
    expect(nodes.data!.nodes).toEqual([
      { id: globalId('Member', sharedA.id), email: SHARED_EMAIL },
      null,
    ]);
  });

  it('node and nodes answer an unknown or malformed id as they answer B’s objects, without failing the other ids', async () => {
    const QUERY = /* GraphQL */ `
      query ($id: ID!, $own: ID!) {
        node(id: $id) {
          id
        }
        nodes(ids: [$own, $id]) {
          id
        }
      }
    `;
    const own = globalId('Member', ownerA.id);
    const missing = [
      ['Member', globalId('Member', crypto.randomUUID())],
      ['Member', globalId('Member', 'not-a-uuid')],
      ['Organization', globalId('Organization', crypto.randomUUID())],
      ['Invitation', globalId('Invitation', crypto.randomUUID())],
    ] as const;
    const nothing = { data: { node: null, nodes: [{ id: own }, null] } };
    for (const [typename, id] of missing) {
      const res = await asOwnerA(QUERY, { id, own });
      expect({ data: res.data, errors: res.errors }).toEqual({ ...nothing, errors: undefined });
      // The same answer as for an object that exists in B.
      const existingInB = { Member: memberB.id, Organization: orgB.id, Invitation: null }[typename];
      if (existingInB) {
        const inB = await asOwnerA(QUERY, { id: globalId(typename, existingInB), own });
        expect({ data: inB.data, errors: inB.errors }).toEqual({ ...nothing, errors: undefined });
      }
      const byKey = await server.gql(QUERY, { id, own }, await newApiKey());
      expect(byKey.errors).toBeUndefined();
      expect(byKey.data).toEqual(nothing.data);
    }
  });

  it('viewer.organization is A, and its members and roles are only A’s', async () => {
    const res = await asOwnerA(/* GraphQL */ `
      query {
        viewer {
          organization {
            slug
            members(first: 100) {
              totalCount
              edges {
                node {
                  id
                  email
                  organization {
                    slug
                  }
                }
              }
            }
            roles {
              key
            }
          }
          member {
            organization {
              slug
            }
          }
        }
      }
    `);
    const viewer = res.data!.viewer;
    expect(viewer.organization.slug).toBe(orgA.slug);
    expect(viewer.member.organization.slug).toBe(orgA.slug);
    expect(viewer.organization.members.totalCount).toBe(2);
    const ids = viewer.organization.members.edges.map(
      (edge: { node: { id: string } }) => edge.node.id,
    );
    expect(ids.sort()).toEqual(
      [globalId('Member', ownerA.id), globalId('Member', sharedA.id)].sort(),
    );
    expect(viewer.organization.roles.map((role: { key: string }) => role.key)).toEqual([
      'owner',
      'admin',
      'member',
    ]);
  });

  it('isAuthorized answers false for everything in B', async () => {
    const res = await asOwnerA(
      `query($by: OrganizationRef) {
        read: isAuthorized(organization: $by, resource: "member", action: "read")
        update: isAuthorized(organization: $by, resource: "organization", action: "update")
        del: isAuthorized(organization: $by, resource: "organization", action: "delete")
      }`,
      { by: { slug: orgB.slug } },
    );
    expect(res.data).toEqual({ read: false, update: false, del: false });
  });

  it('a global id of another type, carrying a member id of B, reaches nothing', async () => {
    const res = await asOwnerA(`query($id: ID!) { member(id: $id) { __typename } }`, {
      id: globalId('Organization', memberB.id),
    });
    expect(res.data!.member.__typename).toBe('ForbiddenError');
  });
});

describe('changing another organization', () => {
  const cases: { name: string; document: string; variables: () => Record<string, unknown> }[] = [
    {
      name: 'updateOrganization',
      document: `mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { __typename } }`,
      variables: () => ({ input: { organization: { slug: orgB.slug }, name: 'Hijacked' } }),
    },
    {
      name: 'deleteOrganization',
      document: `mutation($o: OrganizationRef) { deleteOrganization(organization: $o) { __typename } }`,
      variables: () => ({ o: { id: globalId('Organization', orgB.id) } }),
    },
    {
      name: 'updateMember',
      document: `mutation($input: UpdateMemberInput!) { updateMember(input: $input) { __typename } }`,
      variables: () => ({
        input: { id: globalId('Member', memberB.id), roles: ['owner'], name: 'Hijacked' },
      }),
    },
    {
      name: 'updateMember (the same person, in B)',
      document: `mutation($input: UpdateMemberInput!) { updateMember(input: $input) { __typename } }`,
      variables: () => ({ input: { id: globalId('Member', sharedB.id), roles: ['member'] } }),
    },
    {
      name: 'deactivateMember',
      document: `mutation($m: ID!) { deactivateMember(id: $m) { __typename } }`,
      variables: () => ({ m: globalId('Member', ownerB.id) }),
    },
    {
      name: 'reactivateMember',
      document: `mutation($m: ID!) { reactivateMember(id: $m) { __typename } }`,
      variables: () => ({ m: globalId('Member', memberB.id) }),
    },
    {
      name: 'revokeMemberSessions',
      document: `mutation($m: ID!) { revokeMemberSessions(id: $m) { __typename } }`,
      variables: () => ({ m: globalId('Member', memberB.id) }),
    },
    {
      name: 'revokeSession (a session of B)',
      document: `mutation($id: ID) { revokeSession(id: $id) { __typename } }`,
      variables: () => ({ id: memberB.sessionId }),
    },
    {
      name: 'createRole',
      document: `mutation($input: CreateRoleInput!) { createRole(input: $input) { __typename } }`,
      variables: () => ({
        input: { organization: { slug: orgB.slug }, key: 'evil', name: 'Evil', permissions: [] },
      }),
    },
    {
      name: 'updateRole',
      document: `mutation($input: UpdateRoleInput!) { updateRole(input: $input) { __typename } }`,
      variables: () => ({
        input: {
          organization: { slug: orgB.slug },
          key: 'b-role',
          permissions: ['organization:delete'],
        },
      }),
    },
    {
      name: 'deleteRole',
      document: `mutation($o: OrganizationRef, $k: String!) { deleteRole(organization: $o, key: $k) { __typename } }`,
      variables: () => ({ o: { externalId: orgB.externalId }, k: 'b-role' }),
    },
  ];

  for (const { name, document, variables } of cases) {
    it(`${name} is refused`, async () => {
      const res = await asOwnerA(document, variables());
      expect(res.errors).toBeUndefined();
      const result = Object.values(res.data!)[0] as { __typename: string };
      // A session never learns more than "forbidden" or "not found" about another tenant.
      expect(['ForbiddenError', 'NotFoundError']).toContain(result.__typename);
    });
  }

  it('left organization B exactly as it was', async () => {
    const organization = await prisma.organization.findUniqueOrThrow({ where: { id: orgB.id } });
    expect(organization.name).toBe('Org B');
    const members = await prisma.member.findMany({ where: { organizationId: orgB.id } });
    const snapshot = (rows: unknown[][]) => rows.map((row) => JSON.stringify(row)).sort();
    expect(snapshot(members.map((m) => [m.email, m.status, m.roles, m.name]))).toEqual(
      snapshot([
        [memberB.email, 'ACTIVE', ['member'], memberB.email.split('@')[0]],
        [ownerB.email, 'ACTIVE', ['owner'], ownerB.email.split('@')[0]],
        [SHARED_EMAIL, 'ACTIVE', ['admin'], 'same.person'],
      ]),
    );
    const roles = await prisma.customRole.findMany({ where: { organizationId: orgB.id } });
    expect(roles.map((role) => [role.key, role.permissions])).toEqual([
      ['b-role', ['member:read']],
    ]);
    const revoked = await prisma.memberSession.count({
      where: { member: { organizationId: orgB.id }, revokedAt: { not: null } },
    });
    expect(revoked).toBe(0);
  });
});
