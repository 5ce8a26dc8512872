// The emailContains filters of Organization.members and Organization.invitations: a substring of
// the address, case-insensitive, with LIKE's wildcards taken literally; and, in a large
// organization on PostgreSQL, the page and its totalCount found through the trigram indexes
// (migration 20261130043229_email_trigram_indexes) rather than by scanning the organization's rows.
import { describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import { newApiKey, newInvitations, newMembers, newOrganization } from './helpers/fixtures.ts';
import { orgRef } from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';
import { statementsWithValuesDuring } from './helpers/statements.ts';

const server = useTestServer();

const SEARCH = /* GraphQL */ `
  query Search($org: OrganizationRef!, $email: String, $first: Int) {
    organization(by: $org) {
      ... on Organization {
        members(emailContains: $email, first: $first) {
          totalCount
          edges {
            node {
              email
            }
          }
        }
        invitations(emailContains: $email, first: $first) {
          totalCount
          edges {
            node {
              email
            }
          }
        }
      }
    }
  }
`;

async function search(key: string, organizationId: string, email: string, first = 50) {
  const res = await server.gql(SEARCH, { org: orgRef(organizationId), email, first }, key);
  expect(res.errors).toBeUndefined();
  const { members, invitations } = res.data!.organization;
  const emails = (connection: { edges: { node: { email: string } }[] }) =>
    connection.edges.map((edge) => edge.node.email).sort();
  return {
    members: emails(members),
    memberCount: members.totalCount as number,
    invitations: emails(invitations),
    invitationCount: invitations.totalCount as number,
  };
}

describe('emailContains', () => {
  it('matches a substring of the address, ignoring case, with % and _ as plain characters', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const addresses = [
      'ann_lee@x.example',
      'annxlee@x.example',
      'bob%20@x.example',
      'bob20@x.example',
    ];
    await newMembers(
      org.id,
      addresses.map((email) => ({
        email: `m.${email}`,
        roles: ['member'],
        session: 'none' as const,
      })),
    );
    await newInvitations(
      org.id,
      addresses.map((email) => ({ email: `i.${email}` })),
    );
    // newInvitations adds an INVITED member per pending invitation, with the same address.
    const members = (local: string[]) =>
      local.flatMap((email) => [`i.${email}`, `m.${email}`]).sort();

    expect(await search(key, org.id, 'N_L')).toEqual({
      members: members(['ann_lee@x.example']),
      memberCount: 2,
      invitations: ['i.ann_lee@x.example'],
      invitationCount: 1,
    });
    expect(await search(key, org.id, 'b%2')).toEqual({
      members: members(['bob%20@x.example']),
      memberCount: 2,
      invitations: ['i.bob%20@x.example'],
      invitationCount: 1,
    });
    expect((await search(key, org.id, '_')).invitationCount).toBe(1);
    expect((await search(key, org.id, '%')).invitationCount).toBe(1);
    expect((await search(key, org.id, 'LEE@X.')).invitationCount).toBe(2);
    expect((await search(key, org.id, 'nobody')).invitationCount).toBe(0);
    expect((await search(key, org.id, '\\')).invitationCount).toBe(0);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('emailContains in a large organization', () => {
  it('reads the page and its totalCount through the trigram indexes, not a scan', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    // 20,000 members and 20,000 invitations, in SQL; a dozen of each match the search.
    await prisma.$executeRaw`
      INSERT INTO members (organization_id, email, email_normalized, status, roles, updated_at)
      SELECT ${org.id}::uuid, a, a, 'ACTIVE', ARRAY['member'], now()
      FROM (SELECT CASE WHEN n % 1700 = 0 THEN 'needle.' || n ELSE 'm' || md5(n::text) END
                   || '@large.example' AS a
            FROM generate_series(1, 20000) n) addresses`;
    await prisma.$executeRaw`
      INSERT INTO invitations (organization_id, email, email_normalized, roles, token_hash,
                               expires_at, redirect_url, updated_at)
      SELECT ${org.id}::uuid, a, a, ARRAY['member'], md5(a || ${org.id}), now() + interval '1 day',
             'https://app.example.com/accept', now()
      FROM (SELECT CASE WHEN n % 1700 = 0 THEN 'needle.' || n ELSE 'i' || md5(n::text) END
                   || '@large.example' AS a
            FROM generate_series(1, 20000) n) addresses`;
    // As autovacuum leaves them: rows inserted after the index was built wait in GIN's pending
    // list (up to gin_pending_list_limit, 4 MB) until a vacuum moves them into the index.
    await prisma.$executeRawUnsafe('VACUUM ANALYZE members');
    await prisma.$executeRawUnsafe('VACUUM ANALYZE invitations');

    let result!: Awaited<ReturnType<typeof search>>;
    const statements = await statementsWithValuesDuring(async () => {
      result = await search(key, org.id, 'NEEDLE', 20);
    });
    expect(result.memberCount).toBe(11);
    expect(result.invitationCount).toBe(11);
    expect(result.members).toHaveLength(11);
    expect(result.invitations).toHaveLength(11);

    const searches = statements.filter((s) => /\bLIKE\b/i.test(s.text));
    // A page and a count for each connection.
    expect(searches).toHaveLength(4);
    for (const { text, values } of searches) {
      const [row] = await prisma.$queryRawUnsafe<{ 'QUERY PLAN': unknown }[]>(
        `EXPLAIN (FORMAT JSON) ${text}`,
        ...values,
      );
      const described = JSON.stringify(row?.['QUERY PLAN']);
      expect(described, text).toMatch(
        /"Index Name":"(members|invitations)_email_normalized_trgm_idx"/,
      );
      expect(described, text).not.toContain('"Seq Scan"');
    }
  });
});
