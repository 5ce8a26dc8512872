// PRODUCT.md's bar: listing an organization with 50 members and 50 invitations runs a small, fixed
// number of SQL statements, whatever the page size. Statements are counted at the pg driver.
import { describe, expect, it } from 'vitest';
import { globalId, newApiKey, newMember, newMembers, newOrganization } from './helpers/fixtures.ts';
import { useTestServer } from './helpers/server.ts';
import { statementsDuring } from './helpers/statements.ts';

const server = useTestServer();

const LISTING = /* GraphQL */ `
  query Listing($id: ID!, $first: Int!) {
    organization(by: { id: $id }) {
      ... on Organization {
        name
        settings {
          seatLimit
        }
        roles {
          key
          permissions
        }
        members(first: $first) {
          totalCount
          edges {
            node {
              email
              status
              roles
              invitedBy {
                email
              }
              organization {
                slug
              }
            }
          }
        }
        invitations(first: $first) {
          totalCount
          edges {
            node {
              email
              status
              roles
              invitedBy {
                email
              }
              member {
                status
              }
              delivery {
                status
                attempts
              }
            }
          }
        }
      }
    }
  }
`;

describe('listing an organization with 50 members and 50 invitations', () => {
  it('runs the same small number of SQL statements for a page of 5 and a page of 50', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    await newMembers(
      org.id,
      Array.from({ length: 49 }, () => ({
        roles: ['member'],
        session: 'none' as const,
        invitedByMemberId: owner.id,
      })),
    );
    for (let i = 0; i < 50; i++) {
      const res = await server.gql(
        `mutation($input: InviteMemberInput!) { inviteMember(input: $input) { __typename } }`,
        {
          input: {
            organization: { id: globalId('Organization', org.id) },
            email: `i${i}@example.com`,
            invitedByMemberId: globalId('Member', owner.id),
          },
        },
        key,
      );
      expect(res.data!.inviteMember.__typename).toBe('InviteMemberPayload');
    }
    const counts: Record<number, number> = {};
    for (const first of [5, 50]) {
      counts[first] = await statementsDuring(async () => {
        const res = await server.gql(LISTING, { id: globalId('Organization', org.id), first }, key);
        expect(res.errors).toBeUndefined();
        const organization = res.data!.organization;
        expect(organization.members.edges).toHaveLength(first);
        expect(organization.invitations.edges).toHaveLength(first);
        expect(organization.members.totalCount).toBe(50 + 50); // active plus INVITED members
        expect(organization.invitations.totalCount).toBe(50);
        expect(organization.invitations.edges[0].node.invitedBy.email).toBe(owner.email);
      });
    }
    expect(counts[50]).toBe(counts[5]);
    expect(counts[50]).toBeLessThanOrEqual(15);
  });
});
