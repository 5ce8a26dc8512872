// No N+1: a page of invitations with their inviter, member, organization and delivery state costs
// the same number of SQL statements whatever the page size. Statements are counted where the
// Prisma adapter sends them, in pg's client.
import { describe, expect, it } from 'vitest';
import { newApiKey, newMember, newOrganization } from './helpers/fixtures.ts';
import { invite, orgRef, randomEmail } from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';
import { statementsDuring } from './helpers/statements.ts';

const server = useTestServer();

const PAGE = /* GraphQL */ `
  query Page($org: OrganizationRef, $first: Int) {
    organization(by: $org) {
      ... on Organization {
        invitations(first: $first) {
          totalCount
          edges {
            node {
              id
              email
              status
              invitedByApiKey
              invitedBy {
                id
                email
              }
              member {
                id
                status
              }
              organization {
                slug
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

describe('Organization.invitations', () => {
  it('runs a fixed number of statements whatever the page size', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const admins = await Promise.all([newMember(org.id, ['admin']), newMember(org.id, ['admin'])]);
    for (let index = 0; index < 40; index += 1) {
      const inviter = admins[index % 2]!;
      const result = await invite(server, inviter.token, { email: randomEmail() });
      expect(result.__typename).toBe('InviteMemberPayload');
    }
    // Warm up: the first request with a key also records its lastUsedAt.
    await server.gql(PAGE, { org: orgRef(org.id), first: 1 }, key);

    const small = await statementsDuring(async () => {
      const res = await server.gql(PAGE, { org: orgRef(org.id), first: 5 }, key);
      expect(res.data!.organization.invitations.edges).toHaveLength(5);
    });
    const large = await statementsDuring(async () => {
      const res = await server.gql(PAGE, { org: orgRef(org.id), first: 40 }, key);
      const edges = res.data!.organization.invitations.edges;
      expect(edges).toHaveLength(40);
      expect(edges[0].node).toMatchObject({ status: 'PENDING', delivery: { status: 'QUEUED' } });
      expect(edges[0].node.invitedBy.email).toMatch(/@example\.com$/);
    });
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(12);
  });
});
