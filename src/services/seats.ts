// Seats: active members plus pending invitations may not exceed the organization's seat limit.
// Every change that takes a seat (reactivation, invitation) locks the organization row first, so
// two concurrent requests cannot both see the last free seat.
import { Prisma, type Transaction } from '../db.ts';
import { NotFoundError, SeatLimitReachedError } from '../errors.ts';
import type { OrganizationRow } from './invitations/shared.ts';
import { isUuid } from './validation.ts';

/** Every column of organizations under its Prisma field name, for typed SQL returning a row. */
export const ORGANIZATION_COLUMNS = Prisma.sql`
  o.id, o.slug, o.external_id AS "externalId", o.name,
  o.allowed_email_domains AS "allowedEmailDomains", o.invite_policy::text AS "invitePolicy",
  o.seat_limit AS "seatLimit", o.pending_invitation_limit AS "pendingInvitationLimit",
  o.default_invite_expiration_minutes AS "defaultInviteExpirationMinutes",
  o.default_redirect_url AS "defaultRedirectUrl",
  o.allowed_redirect_origins AS "allowedRedirectOrigins",
  o.active_member_count AS "activeMemberCount",
  o.pending_invitation_count AS "pendingInvitationCount",
  o.created_at AS "createdAt", o.updated_at AS "updatedAt"`;

/**
 * Locks the organization row until the transaction ends (`SELECT ... FOR UPDATE`) and returns it,
 * read in the same statement (so a change committed while we waited for the lock is seen).
 * Changes that must not interleave per organization (seats, the last owner, deleting a role) take
 * this lock first. NotFoundError when there is no such organization (or the id is no uuid).
 */
export async function lockOrganization(
  tx: Transaction,
  organizationId: string,
): Promise<OrganizationRow> {
  if (!isUuid(organizationId)) throw new NotFoundError('Organization');
  const rows = await tx.$queryRaw<OrganizationRow[]>`
    SELECT ${ORGANIZATION_COLUMNS} FROM organizations o
    WHERE o.id = ${organizationId}::uuid FOR UPDATE`;
  const row = rows[0];
  if (!row) throw new NotFoundError('Organization');
  return row;
}

/** Seats in use: ACTIVE members plus PENDING invitations that have not yet expired. */
export async function seatsInUse(tx: Transaction, organizationId: string): Promise<number> {
  const activeMembers = await tx.member.count({ where: { organizationId, status: 'ACTIVE' } });
  const pendingInvitations = await tx.invitation.count({
    where: { organizationId, status: 'PENDING', expiresAt: { gt: new Date() } },
  });
  return activeMembers + pendingInvitations;
}

/** What the seat check reads from the locked organization row. */
export type SeatCounts = Pick<
  OrganizationRow,
  'id' | 'seatLimit' | 'activeMemberCount' | 'pendingInvitationCount'
>;

/**
 * Whether `extraSeats` more fit by the organization's counters (kept by triggers, see migration
 * 20261129300000_seat_counters) alone, without counting rows. The pending counter includes
 * PENDING invitations past their expiry that the sweep has not reached, which hold no seat: it
 * is an upper bound, so "fits" is certain and "does not fit" needs the exact count (seatsInUse).
 */
export function seatsFitByCounters(organization: SeatCounts, extraSeats: number): boolean {
  return (
    organization.seatLimit === null ||
    organization.activeMemberCount + organization.pendingInvitationCount + extraSeats <=
      organization.seatLimit
  );
}

/**
 * Throws SeatLimitReachedError unless `extraSeats` more seats fit under the seat limit of
 * `organization`, which the caller has locked (lockOrganization) in this transaction, which then
 * takes the seats.
 */
export async function assertSeatAvailable(
  tx: Transaction,
  organization: SeatCounts,
  extraSeats = 1,
): Promise<void> {
  const { seatLimit } = organization;
  if (seatLimit === null || seatsFitByCounters(organization, extraSeats)) return;
  if ((await seatsInUse(tx, organization.id)) + extraSeats > seatLimit) {
    throw new SeatLimitReachedError(seatLimit);
  }
}
