// totalCount of Organization.invitations and Organization.members without a scan (issue 9): the
// organization row's counters (triggers, migration 20261130013117_status_counters) answer it for
// status filters, corrected by the PENDING invitations past their expiry not yet swept (the API
// shows those as EXPIRED). It must stay exact: under random sequences of every operation that
// changes an invitation's or a member's status, through the real Yoga server (fast-check), every
// counter equals a real count of the rows, and every totalCount equals what paging through the
// connection returns, for each filter the API offers.
//
// Deterministic: a fixed seed (override with FC_SEED), printed with the shrunk counterexample.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import { expireInvitations } from '../src/services/invitations.ts';
import {
  globalId,
  newApiKey,
  newInvitations,
  newMember,
  newOrganization,
} from './helpers/fixtures.ts';
import { idOf, orgRef, tokenOf } from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';
import { statementTextsDuring } from './helpers/statements.ts';

// Many aliased connections in one read, each a full page.
const server = useTestServer({ edge: { maxAliases: 64, maxCost: 1_000_000 } });

const SEED = Number(process.env.FC_SEED ?? 20261130);
const NUM_RUNS = Number(process.env.FC_RUNS ?? 10);
const MAX_STEPS = 16;
/** A few addresses, so that invitations meet pending invitations, members and former members. */
const EMAILS = ['ana', 'bo', 'cy', 'di', 'ed'].map((name) => `${name}@count.example`);

const INVITATION_STATUSES = ['PENDING', 'ACCEPTED', 'DECLINED', 'REVOKED', 'EXPIRED'] as const;
const MEMBER_STATUSES = ['INVITED', 'ACTIVE', 'DEACTIVATED'] as const;

/** Every status filter shape: none, each status, and mixes (with and without the expiry pair). */
const INVITATION_STATUS_FILTERS: (readonly string[] | null)[] = [
  null,
  [],
  ...INVITATION_STATUSES.map((status) => [status]),
  ['PENDING', 'EXPIRED'],
  ['PENDING', 'ACCEPTED'],
  ['EXPIRED', 'REVOKED', 'DECLINED'],
  INVITATION_STATUSES,
];
const MEMBER_STATUS_FILTERS: (readonly string[] | null)[] = [
  null,
  ...MEMBER_STATUSES.map((status) => [status]),
  ['INVITED', 'ACTIVE'],
  MEMBER_STATUSES,
];

type Filters = Record<string, unknown>;

/** Every filter combination the checks read, for one organization and its owner. */
function filterSets(ownerId: string) {
  const invitations: Filters[] = [
    ...INVITATION_STATUS_FILTERS.map((status) => ({ status })),
    { emailContains: 'ANA' },
    { emailContains: 'count.example', status: ['PENDING'] },
    { invitedById: globalId('Member', ownerId) },
    { invitedById: globalId('Member', ownerId), status: ['EXPIRED'] },
  ];
  const members: Filters[] = [
    ...MEMBER_STATUS_FILTERS.map((status) => ({ status })),
    { role: 'member' },
    { role: 'owner', status: ['ACTIVE'] },
    { emailContains: 'BO@' },
  ];
  return { invitations, members };
}

/** GraphQL arguments for these filters (statuses as enum literals, the rest as JSON). */
const argsOf = (filters: Filters) =>
  Object.entries(filters)
    .map(([name, value]) =>
      name === 'status' && Array.isArray(value)
        ? `status: [${value.join(', ')}]`
        : `${name}: ${JSON.stringify(value)}`,
    )
    .map((arg) => `, ${arg}`)
    .join('');

/** One read with every filter aliased: totalCount and the whole first (and only) page. */
function countsQuery(filters: { invitations: Filters[]; members: Filters[] }) {
  const invitations = filters.invitations.map(
    (f, i) =>
      `i${i}: invitations(first: 100${argsOf(f)}) { totalCount pageInfo { hasNextPage } edges { node { status } } }`,
  );
  const members = filters.members.map(
    (f, i) =>
      `m${i}: members(first: 100${argsOf(f)}) { totalCount pageInfo { hasNextPage } edges { node { status } } }`,
  );
  return /* GraphQL */ `
    query Counts($organization: OrganizationRef!) {
      organization(by: $organization) {
        __typename
        ... on Organization { ${[...invitations, ...members].join('\n')} }
      }
    }`;
}

type Page = { totalCount: number; pageInfo: { hasNextPage: boolean }; edges: unknown[] };

/** Fails unless every totalCount equals the rows its connection pages through. */
async function expectTotalCountsExact(key: string, organizationId: string, ownerId: string) {
  const filters = filterSets(ownerId);
  const res = await server.gql(countsQuery(filters), { organization: orgRef(organizationId) }, key);
  expect(res.errors).toBeUndefined();
  const organization = res.data!.organization as Record<string, Page>;
  const seen: Record<string, [number, number]> = {};
  for (const [alias, page] of Object.entries(organization)) {
    if (alias === '__typename') continue;
    // The pages are small enough to be whole: the count of edges is the count of rows.
    expect(page.pageInfo.hasNextPage).toBe(false);
    seen[alias] = [page.totalCount, page.edges.length];
  }
  const expected = Object.fromEntries(
    Object.entries(seen).map(([alias, [, edges]]) => [alias, [edges, edges]]),
  );
  expect(seen, JSON.stringify(filters)).toEqual(expected);
}

/** Fails unless every counter on the organization row equals a real count of its rows. */
async function expectCountersExact(organizationId: string) {
  const row = await prisma.organization.findUniqueOrThrow({ where: { id: organizationId } });
  const invitations = await prisma.invitation.groupBy({
    by: ['status'],
    where: { organizationId },
    _count: { _all: true },
  });
  const members = await prisma.member.groupBy({
    by: ['status'],
    where: { organizationId },
    _count: { _all: true },
  });
  const real = (groups: { status: string; _count: { _all: number } }[], status: string) =>
    groups.find((group) => group.status === status)?._count._all ?? 0;
  expect({
    PENDING: row.pendingInvitationCount,
    ACCEPTED: row.acceptedInvitationCount,
    DECLINED: row.declinedInvitationCount,
    REVOKED: row.revokedInvitationCount,
    EXPIRED: row.expiredInvitationCount,
    INVITED: row.invitedMemberCount,
    ACTIVE: row.activeMemberCount,
    DEACTIVATED: row.deactivatedMemberCount,
  }).toEqual({
    ...Object.fromEntries(INVITATION_STATUSES.map((s) => [s, real(invitations, s)])),
    ...Object.fromEntries(MEMBER_STATUSES.map((s) => [s, real(members, s)])),
  });
}

// ---------------------------------------------------------------------------------------------
// Operations: every path that changes an invitation's or a member's status.

const INVITE_FIELDS = /* GraphQL */ `
  __typename
  ... on InviteMemberPayload { acceptUrl invitation { id } }
  ... on Error { message }
`;
const OPERATIONS = {
  invite: /* GraphQL */ `
    mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { ${INVITE_FIELDS} } }`,
  bulk: /* GraphQL */ `
    mutation ($input: InviteMembersInput!) {
      inviteMembers(input: $input) {
        __typename
        ... on InviteMembersPayload { results { ${INVITE_FIELDS} } }
        ... on Error { message }
      }
    }`,
  revoke: /* GraphQL */ `
    mutation ($id: ID!) {
      revokeInvitation(id: $id) {
        __typename
      }
    }
  `,
  resend: /* GraphQL */ `
    mutation ($id: ID!) {
      resendInvitation(id: $id) {
        __typename
        ... on ResendInvitationPayload {
          acceptUrl
        }
      }
    }
  `,
  accept: /* GraphQL */ `
    mutation ($token: String!) {
      acceptInvitation(token: $token) {
        __typename
      }
    }
  `,
  decline: /* GraphQL */ `
    mutation ($token: String!) {
      declineInvitation(token: $token) {
        __typename
      }
    }
  `,
  deactivate: /* GraphQL */ `
    mutation ($id: ID!) {
      deactivateMember(id: $id) {
        __typename
      }
    }
  `,
  reactivate: /* GraphQL */ `
    mutation ($id: ID!) {
      reactivateMember(id: $id) {
        __typename
      }
    }
  `,
};

const pick = fc.nat({ max: 1000 });
const step = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('invite' as const), email: pick }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('bulk' as const),
      emails: fc.array(pick, { minLength: 1, maxLength: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom(
        'revoke' as const,
        'resend' as const,
        'revive' as const,
        'lapse' as const,
      ),
      target: pick,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constantFrom('accept' as const, 'decline' as const),
      target: pick,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom('deactivate' as const, 'reactivate' as const),
      target: pick,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constantFrom('sweep' as const, 'bulkRevokeInSql' as const),
      target: pick,
    }),
  },
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

describe('totalCount from the counters', () => {
  it('stays exact under random invites, bulk invites, revokes, accepts, declines, expiry, resends, deactivation and bulk SQL', async () => {
    const key = await newApiKey();
    /** Each operation with its result's type, over all runs: proof that each path really ran. */
    const outcomes: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 8, maxLength: MAX_STEPS }), async (steps) => {
        const org = await newOrganization();
        const owner = await newMember(org.id, ['owner']);
        // Someone to deactivate and someone to reactivate from the start.
        await newMember(org.id, ['member'], EMAILS[0]);
        const former = await newMember(org.id, ['member']);
        await prisma.member.update({
          where: { id: former.id },
          data: { status: 'DEACTIVATED', deactivatedAt: new Date() },
        });
        /** The live token of each invitation this run issued (notify: false returns the link). */
        const tokens = new Map<string, string>();
        const remember = (result: { acceptUrl?: string | null; invitation?: { id: string } }) => {
          if (result.acceptUrl && result.invitation) {
            tokens.set(idOf(result.invitation.id), tokenOf(result.acceptUrl));
          }
        };
        const invitations = () =>
          prisma.invitation.findMany({
            where: { organizationId: org.id },
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          });
        const inviteInput = (email: number) => ({
          email: EMAILS[email % EMAILS.length],
          roles: ['member'],
          notify: false,
          invitedByMemberId: globalId('Member', owner.id),
        });

        for (const s of steps as Step[]) {
          if (s.op === 'invite') {
            const res = await server.gql(
              OPERATIONS.invite,
              { input: { organization: orgRef(org.id), ...inviteInput(s.email) } },
              key,
            );
            expect(res.errors).toBeUndefined();
            outcomes.push(`invite:${res.data!.inviteMember.__typename}`);
            remember(res.data!.inviteMember);
          } else if (s.op === 'bulk') {
            const res = await server.gql(
              OPERATIONS.bulk,
              {
                input: {
                  organization: orgRef(org.id),
                  notify: false,
                  invitations: s.emails.map((email) => {
                    const { notify: _notify, ...item } = inviteInput(email);
                    return item;
                  }),
                },
              },
              key,
            );
            expect(res.errors).toBeUndefined();
            outcomes.push(`bulk:${res.data!.inviteMembers.__typename}`);
            for (const result of res.data!.inviteMembers.results ?? []) remember(result);
          } else if (s.op === 'accept' || s.op === 'decline') {
            const live = [...tokens.values()];
            if (live.length === 0) continue;
            const token = live[s.target % live.length];
            const res = await server.gql(OPERATIONS[s.op], { token });
            expect(res.errors).toBeUndefined();
            outcomes.push(`${s.op}:${Object.values(res.data!)[0].__typename}`);
          } else if (
            s.op === 'revoke' ||
            s.op === 'resend' ||
            s.op === 'revive' ||
            s.op === 'lapse'
          ) {
            // lapse: time passes for a PENDING invitation (past its expiry, not yet swept);
            // revive: resendInvitation on an expired one (stored EXPIRED or lapsed).
            const now = new Date();
            const rows = (await invitations()).filter((row) =>
              s.op === 'lapse'
                ? row.status === 'PENDING'
                : s.op === 'revive'
                  ? row.status === 'EXPIRED' || (row.status === 'PENDING' && row.expiresAt <= now)
                  : true,
            );
            const target = rows[s.target % Math.max(rows.length, 1)];
            if (!target) continue;
            if (s.op === 'lapse') {
              await prisma.invitation.update({
                where: { id: target.id },
                data: { expiresAt: new Date(Date.now() - 60_000) },
              });
            } else {
              const res = await server.gql(
                OPERATIONS[s.op === 'revive' ? 'resend' : s.op],
                { id: globalId('Invitation', target.id) },
                key,
              );
              expect(res.errors).toBeUndefined();
              outcomes.push(`${s.op}:${Object.values(res.data!)[0].__typename}:${target.status}`);
              if (s.op !== 'revoke' && res.data!.resendInvitation.acceptUrl) {
                tokens.set(target.id, tokenOf(res.data!.resendInvitation.acceptUrl));
              }
            }
          } else if (s.op === 'deactivate' || s.op === 'reactivate') {
            const members = await prisma.member.findMany({
              where: {
                organizationId: org.id,
                id: { not: owner.id },
                status: s.op === 'deactivate' ? 'ACTIVE' : 'DEACTIVATED',
              },
              orderBy: { id: 'asc' },
            });
            const target = members[s.target % Math.max(members.length, 1)];
            if (!target) continue;
            const res = await server.gql(
              OPERATIONS[s.op],
              { id: globalId('Member', target.id) },
              key,
            );
            expect(res.errors).toBeUndefined();
            outcomes.push(`${s.op}:${Object.values(res.data!)[0].__typename}`);
          } else if (s.op === 'sweep') {
            // Time passes for the oldest PENDING invitation, and the sweep runs.
            const oldest = (await invitations()).find((row) => row.status === 'PENDING');
            if (oldest) {
              await prisma.invitation.update({
                where: { id: oldest.id },
                data: { expiresAt: new Date(Date.now() - 60_000) },
              });
            }
            outcomes.push(`sweep:${await expireInvitations()}`);
          } else {
            // Around the services, in one statement over several rows (the triggers count it).
            await prisma.invitation.updateMany({
              where: { organizationId: org.id, status: 'PENDING' },
              data: { status: 'REVOKED', revokedAt: new Date(), tokenHash: null },
            });
          }
          await expectCountersExact(org.id);
          await expectTotalCountsExact(key, org.id, owner.id);
        }
      }),
      { seed: SEED, numRuns: NUM_RUNS, endOnFailure: true },
    );
    // Every status-changing path succeeded at least once (the runs are deterministic).
    for (const done of [
      'invite:InviteMemberPayload',
      'bulk:InviteMembersPayload',
      'accept:AcceptInvitationPayload',
      'decline:DeclineInvitationPayload',
      'revoke:RevokeInvitationPayload',
      'resend:ResendInvitationPayload',
      'revive:ResendInvitationPayload',
      'deactivate:DeactivateMemberPayload',
      'reactivate:ReactivateMemberPayload',
    ]) {
      expect(
        outcomes.some((o) => o.startsWith(done)),
        done,
      ).toBe(true);
    }
    expect(
      outcomes.some((o) => /^sweep:[1-9]/.test(o)),
      'a sweep expired something',
    ).toBe(true);
  }, 240_000);

  it('counts seeded in bulk and deleted with their organization stay exact', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const other = await newOrganization();
    await newInvitations(org.id, [{}, {}, { status: 'EXPIRED' }, {}]);
    await newInvitations(other.id, [{}, { status: 'EXPIRED' }]);
    await prisma.invitation.updateMany({
      where: { organizationId: { in: [org.id, other.id] }, status: 'PENDING' },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    await expectCountersExact(org.id);
    await expectTotalCountsExact(key, org.id, owner.id);
    // One sweep over both organizations, in one statement.
    await expireInvitations();
    await expectCountersExact(org.id);
    await expectCountersExact(other.id);
    await expectTotalCountsExact(key, org.id, owner.id);
    await prisma.organization.delete({ where: { id: other.id } });
    await expectCountersExact(org.id);
  });

  it('reads no rows to count for a status filter; the expiry correction is one bounded count', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    await newInvitations(org.id, [{}, {}, {}, { status: 'EXPIRED' }]);
    const [lapsed] = await newInvitations(org.id, [{}]);
    await prisma.invitation.update({
      where: { id: lapsed!.id },
      data: { expiresAt: new Date(Date.now() - 60_000) },
    });
    const read = async (args: string) => {
      let totalCount = -1;
      const statements = await statementTextsDuring(async () => {
        const res = await server.gql(
          `query ($o: OrganizationRef!) { organization(by: $o) { ... on Organization {
             invitations(first: 2${args}) { totalCount edges { node { id } } }
             members(first: 2) { totalCount }
           } } }`,
          { o: orgRef(org.id) },
          key,
        );
        expect(res.errors).toBeUndefined();
        totalCount = res.data!.organization.invitations.totalCount;
        expect(res.data!.organization.members.totalCount).toBe(4);
      });
      return { totalCount, counts: statements.filter((text) => /count\(/i.test(text)) };
    };
    // No filter, or PENDING and EXPIRED together: the counters alone.
    expect(await read('')).toEqual({ totalCount: 5, counts: [] });
    expect(await read(', status: [PENDING, EXPIRED]')).toEqual({ totalCount: 5, counts: [] });
    expect(await read(', status: [ACCEPTED]')).toEqual({ totalCount: 0, counts: [] });
    // PENDING alone: the counter less the one lapsed invitation, counted by expiry.
    const pending = await read(', status: [PENDING]');
    expect(pending.totalCount).toBe(3);
    expect(pending.counts).toHaveLength(1);
    expect(pending.counts[0]).toMatch(/"expires_at" <=/);
    const expired = await read(', status: [EXPIRED]');
    expect(expired.totalCount).toBe(2);
    expect(expired.counts).toHaveLength(1);
  });
});
