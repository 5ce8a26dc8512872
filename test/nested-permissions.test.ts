// A permission failure deep in an answer is reported at that field: the field is null, errors[]
// carries FORBIDDEN with its path, and everything above it (and beside it) is still there. Before,
// one missing permission on a nested non-null field nulled the whole response (data: null), and
// a mutation that succeeded answered as if it had failed when its payload named something the
// caller may not read.
import { describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import {
  globalId,
  newCustomRoles,
  newMember,
  newMembers,
  newOrganization,
} from './helpers/fixtures.ts';
import { useTestServer } from './helpers/server.ts';

const server = useTestServer();

/** A member session whose only role is a custom one holding exactly `permissions`. */
async function sessionWith(organizationId: string, permissions: string[]) {
  const key = `only-${permissions.join('-').replaceAll(':', '-')}`;
  await newCustomRoles(organizationId, [{ key, permissions }]);
  return newMember(organizationId, [key]);
}

interface LocatedError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string };
}

/**
 * The errors[] entries by the path of the field they nulled, with their codes: an error raised
 * on a field of an object the caller may not read (its type's scope) sits one step under the
 * nullable field that then reads null, and is counted there.
 */
function errorsByPath(errors: LocatedError[] | undefined, nulled: readonly string[]) {
  return Object.fromEntries(
    (errors ?? []).map((e) => {
      const path = e.path?.join('.') ?? '';
      const field = nulled.find((prefix) => path === prefix || path.startsWith(`${prefix}.`));
      return [field ?? path, e.extensions?.code];
    }),
  );
}

describe('a permission missing on a nested field answers at that field', () => {
  it('organization:read only: the organization reads, its members/invitations/roles are null with FORBIDDEN at their paths', async () => {
    const org = await newOrganization();
    const caller = await sessionWith(org.id, ['organization:read']);
    const res = await server.gql(
      `{
        organization {
          __typename
          ... on Organization {
            id
            name
            members { totalCount }
            invitations { totalCount }
            roles { key }
          }
        }
      }`,
      undefined,
      caller.token,
    );
    expect(res.data).not.toBeNull();
    expect(res.data!.organization).toMatchObject({
      __typename: 'Organization',
      id: globalId('Organization', org.id),
      name: expect.any(String),
      members: null,
      invitations: null,
      roles: null,
    });
    expect(errorsByPath(res.errors, [])).toEqual({
      'organization.members': 'FORBIDDEN',
      'organization.invitations': 'FORBIDDEN',
      'organization.roles': 'FORBIDDEN',
    });
  });

  it('member:read without organization:read: each member reads, its organization is null at its path', async () => {
    const org = await newOrganization();
    const caller = await sessionWith(org.id, ['member:read']);
    const res = await server.gql(
      `query ($id: ID!) {
        member(id: $id) {
          __typename
          ... on Member { id email organization { id } }
        }
      }`,
      { id: globalId('Member', caller.id) },
      caller.token,
    );
    expect(res.data!.member).toMatchObject({
      __typename: 'Member',
      id: globalId('Member', caller.id),
      email: caller.email,
      organization: null,
    });
    expect(errorsByPath(res.errors, ['member.organization'])).toEqual({
      'member.organization': 'FORBIDDEN',
    });
  });

  it('a mutation that succeeded says so even when its payload names what the caller may not read', async () => {
    const org = await newOrganization();
    // May sign members out (member:update) but not read them (no member:read).
    const caller = await sessionWith(org.id, ['member:update']);
    const [target] = await newMembers(org.id, [{ roles: ['member'], session: 'live' }]);
    const res = await server.gql(
      `mutation ($id: ID!) {
        revokeMemberSessions(id: $id) {
          __typename
          ... on RevokeMemberSessionsPayload { revokedSessionCount member { id } }
        }
      }`,
      { id: globalId('Member', target!.id) },
      caller.token,
    );
    expect(res.data!.revokeMemberSessions).toEqual({
      __typename: 'RevokeMemberSessionsPayload',
      revokedSessionCount: 1,
      member: null,
    });
    expect(errorsByPath(res.errors, ['revokeMemberSessions.member'])).toEqual({
      'revokeMemberSessions.member': 'FORBIDDEN',
    });
    // It did happen.
    expect(
      await prisma.memberSession.count({ where: { memberId: target!.id, revokedAt: null } }),
    ).toBe(0);
  });

  it('a caller holding the permissions still gets everything, with no errors', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const res = await server.gql(
      `{
        organization {
          ... on Organization {
            members { totalCount edges { node { organization { id } } } }
            invitations { totalCount }
            roles { key }
          }
        }
      }`,
      undefined,
      owner.token,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.organization.members.totalCount).toBe(1);
    expect(res.data!.organization.members.edges[0].node.organization.id).toBe(
      globalId('Organization', org.id),
    );
    expect(res.data!.organization.roles.map((role: { key: string }) => role.key)).toContain(
      'owner',
    );
  });
});
