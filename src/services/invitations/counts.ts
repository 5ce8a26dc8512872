// Organization.invitations and Organization.members: the filters of a page and its totalCount.
// totalCount comes from the organization row's counters (kept by triggers, migrations
// 20261129300000_seat_counters and 20261130013117_status_counters) whenever the filters are
// statuses only, so an organization with 100,000 invitations answers it without a scan. Both the
// page and the count are built from the same filter here, so the count is always what paging
// through the connection returns.
import { prisma, type Prisma } from '../../db.ts';
import { isUuid } from '../validation.ts';

type InvitationStatus = Prisma.InvitationGetPayload<object>['status'];
type MemberStatus = Prisma.MemberGetPayload<object>['status'];

/** A decoded global id argument. */
type GlobalId = { id: string; typename: string };

export type InvitationFilters = {
  status?: readonly InvitationStatus[] | null;
  emailContains?: string | null;
  invitedById?: GlobalId | null;
};

export type MemberFilters = {
  status?: readonly MemberStatus[] | null;
  role?: string | null;
  emailContains?: string | null;
};

/** The counters on the organization row, by stored status. */
const counterFields = {
  invitations: {
    PENDING: 'pendingInvitationCount',
    ACCEPTED: 'acceptedInvitationCount',
    DECLINED: 'declinedInvitationCount',
    REVOKED: 'revokedInvitationCount',
    EXPIRED: 'expiredInvitationCount',
  },
  members: {
    INVITED: 'invitedMemberCount',
    ACTIVE: 'activeMemberCount',
    DEACTIVATED: 'deactivatedMemberCount',
  },
} as const satisfies {
  invitations: Record<InvitationStatus, keyof Prisma.OrganizationGetPayload<object>>;
  members: Record<MemberStatus, keyof Prisma.OrganizationGetPayload<object>>;
};

type CounterField =
  | (typeof counterFields.invitations)[InvitationStatus]
  | (typeof counterFields.members)[MemberStatus];

export type OrganizationCounters = Pick<Prisma.OrganizationGetPayload<object>, 'id' | CounterField>;

const counterSelect = Object.fromEntries(
  [...Object.values(counterFields.invitations), ...Object.values(counterFields.members)].map(
    (field) => [field, true],
  ),
) as Record<CounterField, true>;

/**
 * The counters of the organization a connection hangs from: read off the row already loaded
 * (Organization is loaded with all its columns), else read once by id.
 */
async function countersOf(organization: unknown): Promise<OrganizationCounters> {
  const row = organization as Partial<Record<string, unknown>> | null;
  const id = row?.id;
  if (typeof id !== 'string') throw new Error('The connection has no organization');
  const fields = Object.keys(counterSelect) as CounterField[];
  if (fields.every((field) => typeof row?.[field] === 'number')) {
    return row as OrganizationCounters;
  }
  return prisma.organization.findUniqueOrThrow({
    where: { id },
    select: { id: true, ...counterSelect },
  });
}

/** The statuses a status filter asks (every one when it asks none) and their counters' sum. */
function countersFor<Status extends string>(
  counters: OrganizationCounters,
  fields: Record<Status, CounterField>,
  filter: readonly Status[] | null | undefined,
): { statuses: Set<Status>; total: number } {
  const statuses = new Set<Status>(filter?.length ? filter : (Object.keys(fields) as Status[]));
  let total = 0;
  for (const status of statuses) total += counters[fields[status]];
  return { statuses, total };
}

/** A status filter that agrees with Invitation.status (PENDING past expiry counts as EXPIRED). */
function statusWhere(
  statuses: readonly InvitationStatus[],
  now: Date,
): Prisma.InvitationWhereInput {
  return {
    OR: statuses.map((status): Prisma.InvitationWhereInput => {
      if (status === 'PENDING') return { status, expiresAt: { gt: now } };
      if (status === 'EXPIRED') {
        return { OR: [{ status }, { status: 'PENDING', expiresAt: { lte: now } }] };
      }
      return { status };
    }),
  };
}

/**
 * An emailContains argument as Prisma's `contains` wants it: trimmed, lower-cased (the column is the
 * lower-cased address) and with LIKE's wildcards and escape character escaped, since `contains`
 * puts the value between % as it is: "a_b" must not match "axb".
 */
function likeSubstring(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** The rows of Organization.invitations (within one organization) for these filters. */
export function invitationsWhere(
  filters: InvitationFilters,
  now: Date,
): Prisma.InvitationWhereInput {
  const conditions: Prisma.InvitationWhereInput[] = [];
  if (filters.status?.length) conditions.push(statusWhere(filters.status, now));
  if (filters.emailContains) {
    conditions.push({
      emailNormalized: { contains: likeSubstring(filters.emailContains) },
    });
  }
  if (filters.invitedById) {
    const memberId =
      filters.invitedById.typename === 'Member' && isUuid(filters.invitedById.id)
        ? filters.invitedById.id
        : null;
    conditions.push(memberId ? { invitedByMemberId: memberId } : { id: { in: [] } });
  }
  return conditions.length ? { AND: conditions } : {};
}

/** The rows of Organization.members (within one organization) for these filters. */
export function membersWhere(filters: MemberFilters): Prisma.MemberWhereInput {
  return {
    ...(filters.status?.length ? { status: { in: [...filters.status] } } : {}),
    ...(filters.role ? { roles: { has: filters.role } } : {}),
    ...(filters.emailContains
      ? { emailNormalized: { contains: likeSubstring(filters.emailContains) } }
      : {}),
  };
}

/**
 * How many invitations of `organization` match the filters. With statuses only (or none): the
 * counters, corrected by the PENDING invitations past their expiry that the sweep has not
 * stored as EXPIRED yet (the API already shows them as EXPIRED), counted through the
 * (organization_id, status, expires_at) index; that correction is skipped when the filter asks
 * both PENDING and EXPIRED or neither. With emailContains or invitedById: counted.
 */
export async function invitationTotalCount(
  organization: unknown,
  filters: InvitationFilters,
  now = new Date(),
): Promise<number> {
  const counters = await countersOf(organization);
  if (filters.emailContains || filters.invitedById) {
    return prisma.invitation.count({
      where: { organizationId: counters.id, ...invitationsWhere(filters, now) },
    });
  }
  const { statuses, total } = countersFor(counters, counterFields.invitations, filters.status);
  const pending = statuses.has('PENDING');
  if (pending === statuses.has('EXPIRED')) return total;
  const pastExpiry = await prisma.invitation.count({
    where: { organizationId: counters.id, status: 'PENDING', expiresAt: { lte: now } },
  });
  return pending ? total - pastExpiry : total + pastExpiry;
}

/**
 * How many members of `organization` match the filters: the counters for statuses only (or none);
 * counted with role or emailContains.
 */
export async function memberTotalCount(
  organization: unknown,
  filters: MemberFilters,
): Promise<number> {
  const counters = await countersOf(organization);
  if (filters.role || filters.emailContains) {
    return prisma.member.count({
      where: { organizationId: counters.id, ...membersWhere(filters) },
    });
  }
  return countersFor(counters, counterFields.members, filters.status).total;
}
