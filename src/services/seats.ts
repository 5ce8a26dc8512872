// Seats: active members plus pending invitations may not exceed the organization's seat limit.
// Every change that takes a seat (reactivation, invitation) locks the organization row first, so
// two concurrent requests cannot both see the last free seat.
import type { Transaction } from '../db.ts';
import { NotFoundError, SeatLimitReachedError } from '../errors.ts';

/**
 * Locks the organization row until the transaction ends (`SELECT ... FOR UPDATE`) and returns its
 * seat limit. Changes that must not interleave per organization (seats, the last owner, deleting a
 * role) take this lock first.
 */
export async function lockOrganization(
  tx: Transaction,
  organizationId: string,
): Promise<{ seatLimit: number | null }> {
  const rows = await tx.$queryRaw<{ seat_limit: number | null }[]>`
    SELECT seat_limit FROM organizations WHERE id = ${organizationId}::uuid FOR UPDATE`;
  const row = rows[0];
  if (!row) throw new NotFoundError('Organization');
  return { seatLimit: row.seat_limit };
}

/** Seats in use: ACTIVE members plus PENDING invitations that have not yet expired. */
export async function seatsInUse(tx: Transaction, organizationId: string): Promise<number> {
  const activeMembers = await tx.member.count({ where: { organizationId, status: 'ACTIVE' } });
  const pendingInvitations = await tx.invitation.count({
    where: { organizationId, status: 'PENDING', expiresAt: { gt: new Date() } },
  });
  return activeMembers + pendingInvitations;
}

/**
 * Locks the organization row and throws SeatLimitReachedError unless `extraSeats` more seats fit
 * under its seat limit. Call it inside the transaction that then takes the seats.
 */
export async function assertSeatAvailable(
  tx: Transaction,
  organizationId: string,
  extraSeats = 1,
): Promise<void> {
  const { seatLimit } = await lockOrganization(tx, organizationId);
  if (seatLimit === null) return;
  if ((await seatsInUse(tx, organizationId)) + extraSeats > seatLimit) {
    throw new SeatLimitReachedError(seatLimit);
  }
}
