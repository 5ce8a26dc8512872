// Managing sent invitations: resend (new token; also revives an expired one), revoke, and the
// expiry sweep that writes EXPIRED down for invitations past their expiresAt.
import { z } from 'zod';
import type { Context } from '../../context.ts';
import { prisma, type Transaction } from '../../db.ts';
import { cancelQueuedEmails } from '../../email/outbox.ts';
import {
  AlreadyInvitedError,
  AlreadyMemberError,
  InvitationNotPendingError,
  NotFoundError,
} from '../../errors.ts';
import { recordAudit } from '../audit.ts';
import { assertSeatAvailable, lockOrganization } from '../seats.ts';
import { isUniqueViolation, isUuid, parse } from '../validation.ts';
import { duplicateError, expirationMinutesSchema } from './invite.ts';
import {
  assertInvitesAllowed,
  assertPendingLimit,
  assertRolesExist,
  consumeInviteRateLimits,
  DEFAULT_EXPIRATION_MINUTES,
  invitedMemberRow,
  lockInvitation,
  membershipTerms,
  minutesAfter,
  recordExpiry,
  reissueInvitation,
  releaseInvitedMembers,
  type InvitationRow,
  type OrganizationRow,
  type ReissueChanges,
} from './shared.ts';

/** How many expired invitations one sweep handles; the next sweep takes the rest. */
const EXPIRY_BATCH_SIZE = 1000;

const resendSchema = z.object({ expirationMinutes: expirationMinutesSchema.nullish() });

/** The organization an invitation belongs to, or null when there is no such invitation. */
export async function findInvitationOrganizationId(invitationId: string): Promise<string | null> {
  if (!isUuid(invitationId)) return null;
  const invitation = await prisma.invitation.findUnique({
    where: { id: invitationId },
    select: { organizationId: true },
  });
  return invitation?.organizationId ?? null;
}

/** What the scopes need to know of an invitation acted on; null when there is no such invitation. */
export async function findInvitationTarget(
  invitationId: string,
): Promise<{ organizationId: string; roles: string[]; notify: boolean } | null> {
  if (!isUuid(invitationId)) return null;
  return prisma.invitation.findUnique({
    where: { id: invitationId },
    select: { organizationId: true, roles: true, notify: true },
  });
}

async function findForUpdate(invitationId: string) {
  const found = isUuid(invitationId)
    ? await prisma.invitation.findUnique({
        where: { id: invitationId },
        select: { organizationId: true, emailNormalized: true },
      })
    : null;
  if (!found) throw new NotFoundError('Invitation');
  return found;
}

/**
 * Sends a PENDING invitation again with a new token (the old one dies, its queued mail is
 * cancelled) and a renewed expiry. An EXPIRED invitation (stored, or past expiresAt) is revived
 * to PENDING if it could be sent today: invites allowed, no other pending invitation or active
 * member for the address, a free seat and pending slot, its roles still existing.
 */
export async function resendInvitation(
  ctx: Context,
  invitationId: string,
  rawInput: z.input<typeof resendSchema> = {},
): Promise<{ invitation: InvitationRow; acceptUrl: string | null }> {
  const input = parse(resendSchema, rawInput, '');
  const { organizationId, emailNormalized } = await findForUpdate(invitationId);
  await consumeInviteRateLimits(ctx.caller, organizationId, emailNormalized);
  try {
    return await prisma.$transaction(async (tx) => {
      // The organization is read in the statement that locks it.
      const organization = await lockOrganization(tx, organizationId);
      const invitation = await lockInvitation(tx, invitationId);
      if (!invitation) throw new NotFoundError('Invitation');
      if (invitation.status !== 'PENDING' && invitation.status !== 'EXPIRED') {
        throw new InvitationNotPendingError(invitation.status);
      }
      const now = new Date();
      // The policy may have changed since the invitation was made (invites turned off, domain
      // no longer allowed): a resend is a new send and follows it.
      assertInvitesAllowed(organization, invitation.emailNormalized);
      const revive = invitation.status === 'EXPIRED' || invitation.expiresAt <= now;
      const { changes, replacedMemberRoles } = revive
        ? await revival(tx, organization, invitation, now)
        : { changes: {}, replacedMemberRoles: [] };
      const minutes =
        input.expirationMinutes ??
        organization.defaultInviteExpirationMinutes ??
        DEFAULT_EXPIRATION_MINUTES;
      // Checks the grant rule (its roles, and a former member's it revives), the redirect URL
      // and who receives the link, as for a new invite.
      const reissued = await reissueInvitation(
        tx,
        ctx.caller,
        invitation,
        organization,
        changes,
        minutesAfter(now, minutes),
        now,
        replacedMemberRoles,
      );
      // The row is locked, so it cannot have changed; this guards the invariant all the same.
      if (!reissued) throw new InvitationNotPendingError(invitation.status);
      await recordAudit(
        tx,
        ctx.caller,
        {
          organizationId,
          action: 'invitation.resent',
          targetType: 'Invitation',
          targetId: invitation.id,
          data: {
            email: invitation.email,
            sendCount: reissued.invitation.sendCount,
            revived: revive,
          },
        },
        ctx.requestId,
      );
      return reissued;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw await duplicateError(organizationId, emailNormalized);
    throw error;
  }
}

/** The checks and the member row an expired invitation needs to become PENDING again. */
async function revival(
  tx: Transaction,
  organization: OrganizationRow,
  invitation: InvitationRow,
  now: Date,
): Promise<{ changes: ReissueChanges; replacedMemberRoles: string[] }> {
  const { organizationId, emailNormalized } = invitation;
  const member = await tx.member.findUnique({
    where: { organizationId_emailNormalized: { organizationId, emailNormalized } },
  });
  if (member?.status === 'ACTIVE') throw new AlreadyMemberError(invitation.email);
  const other = await tx.invitation.findFirst({
    where: { organizationId, emailNormalized, status: 'PENDING', id: { not: invitation.id } },
  });
  if (other && other.expiresAt > now) throw new AlreadyInvitedError(invitation.email);
  if (other) await recordExpiry(tx, other);
  // Its roles may have been deleted since; whether the caller may grant them is
  // reissueInvitation's check, as for every re-issue.
  await assertRolesExist(tx, organizationId, invitation.roles);
  await assertPendingLimit(tx, organization, now);
  await assertSeatAvailable(tx, organization, 1);
  const row = await invitedMemberRow(
    tx,
    organizationId,
    invitation.email,
    member,
    membershipTerms(invitation),
  );
  return { changes: { memberId: row.id }, replacedMemberRoles: member?.roles ?? [] };
}

/**
 * PENDING (or expired) → REVOKED: the token dies, queued mail is cancelled, and the INVITED member
 * row is released (deleted, or DEACTIVATED again for a re-invited former member). An accepted,
 * declined or already revoked invitation cannot be revoked.
 */
export async function revokeInvitation(ctx: Context, invitationId: string) {
  const { organizationId } = await findForUpdate(invitationId);
  return prisma.$transaction(async (tx) => {
    await lockOrganization(tx, organizationId);
    const invitation = await lockInvitation(tx, invitationId);
    if (!invitation) throw new NotFoundError('Invitation');
    if (invitation.status !== 'PENDING' && invitation.status !== 'EXPIRED') {
      throw new InvitationNotPendingError(invitation.status);
    }
    const now = new Date();
    const revoked = await tx.invitation.update({
      where: { id: invitation.id },
      data: { status: 'REVOKED', revokedAt: now, tokenHash: null, memberId: null },
    });
    await cancelQueuedEmails(tx, { invitationId: invitation.id });
    const removed = invitation.memberId
      ? await releaseInvitedMembers(tx, [invitation.memberId])
      : 0;
    await recordAudit(
      tx,
      ctx.caller,
      {
        organizationId,
        action: 'invitation.revoked',
        targetType: 'Invitation',
        targetId: invitation.id,
        data: {
          email: invitation.email,
          previousStatus: invitation.status,
          removedMemberId: removed ? invitation.memberId : null,
        },
      },
      ctx.requestId,
    );
    return revoked;
  });
}

/**
 * The expiry sweep: PENDING invitations past expiresAt become EXPIRED (expiredAt = expiresAt,
 * token dead), their queued mail is cancelled and their INVITED member rows released, all in one
 * transaction. Returns how many expired. Safe to run from several replicas at once.
 */
export async function expireInvitations(now: Date = new Date()): Promise<number> {
  return prisma.$transaction(async (tx) => {
    // Organizations first, in a fixed order, like every other invitation change (no deadlocks).
    const organizations = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM organizations
      WHERE id IN (
        SELECT organization_id FROM invitations
        WHERE status = 'PENDING' AND expires_at <= ${now}::timestamptz
      )
      ORDER BY id
      FOR UPDATE`;
    if (organizations.length === 0) return 0;
    const organizationIds = organizations.map((organization) => organization.id);
    // The self-join reads the member id as it was before the update sets it to null.
    const expired = await tx.$queryRaw<
      { id: string; organizationId: string; memberId: string | null; email: string }[]
    >`
      UPDATE invitations AS invitation
      SET status = 'EXPIRED', expired_at = invitation.expires_at, token_hash = NULL,
          member_id = NULL, updated_at = ${now}::timestamptz
      FROM invitations AS before
      WHERE before.id = invitation.id
        AND invitation.id IN (
          SELECT id FROM invitations
          WHERE status = 'PENDING' AND expires_at <= ${now}::timestamptz
            AND organization_id = ANY(${organizationIds}::uuid[])
          LIMIT ${EXPIRY_BATCH_SIZE}
        )
      RETURNING invitation.id::text AS "id", invitation.organization_id::text AS "organizationId",
                before.member_id::text AS "memberId", invitation.email AS "email"`;
    for (const invitation of expired) {
      await cancelQueuedEmails(tx, { invitationId: invitation.id });
    }
    const memberIds = expired.flatMap((invitation) =>
      invitation.memberId ? [invitation.memberId] : [],
    );
    await releaseInvitedMembers(tx, memberIds);
    if (expired.length) {
      await tx.auditEvent.createMany({
        data: expired.map((invitation) => ({
          organizationId: invitation.organizationId,
          action: 'invitation.expired',
          actorType: 'SYSTEM' as const,
          targetType: 'Invitation',
          targetId: invitation.id,
          data: { email: invitation.email },
        })),
      });
    }
    return expired.length;
  });
}
