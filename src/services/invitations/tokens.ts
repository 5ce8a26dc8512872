// What the holder of an invitation token may do, without any other credential: preview the
// invitation, accept it (becoming an ACTIVE member with a session) or decline it. Every failure is
// the same InvalidTokenError, so nothing can be learned by probing tokens, and every use is
// throttled per client address and per token (RateLimitedError) before the token is looked up;
// only a live token may then meet the organization's current policy at accept (invites off,
// domain, seat limit).
import { hashToken, looksLike } from '../../auth/tokens.ts';
import type { Caller, Context } from '../../context.ts';
import { prisma, type Transaction } from '../../db.ts';
import { cancelQueuedEmails } from '../../email/outbox.ts';
import { InvalidTokenError, SeatLimitReachedError } from '../../errors.ts';
import { recordAudit } from '../audit.ts';
import { throttleTokenUse } from '../rate-limits.ts';
import { lockOrganization } from '../seats.ts';
import { issueSession, type IssuedSession } from '../sessions.ts';
import { nameSchema, parse } from '../validation.ts';
import {
  assertInvitesAllowed,
  membershipTerms,
  releaseInvitedMembers,
  type InvitationRow,
  type MemberRow,
  type OrganizationRow,
} from './shared.ts';

export interface InvitationPreview {
  organizationName: string;
  inviterName: string | null;
  email: string;
  roles: string[];
  expiresAt: Date;
  status: InvitationRow['status'];
}

export interface AcceptedInvitation {
  invitation: InvitationRow;
  /** The invitation as its token holder may see it (now ACCEPTED). */
  preview: InvitationPreview;
  member: MemberRow;
  organization: OrganizationRow;
  session: IssuedSession;
}

/**
 * The live invitation a token belongs to: PENDING and not past its expiry. Anything else, from a
 * malformed token to an expired one, is InvalidTokenError.
 */
export async function invitationByToken(ctx: Context, token: string): Promise<InvitationPreview> {
  await throttleTokenUse(ctx, 'invitation', token);
  if (!looksLike('invitation', token)) throw new InvalidTokenError();
  const invitation = await prisma.invitation.findUnique({
    where: { tokenHash: hashToken(token) },
    include: {
      organization: { select: { name: true } },
      invitedBy: { select: { name: true } },
    },
  });
  if (!invitation || invitation.status !== 'PENDING' || invitation.expiresAt <= new Date()) {
    throw new InvalidTokenError();
  }
  return {
    organizationName: invitation.organization.name,
    inviterName: invitation.invitedBy?.name ?? null,
    email: invitation.email,
    roles: invitation.roles,
    expiresAt: invitation.expiresAt,
    status: invitation.status,
  };
}

/**
 * Claims the token: of any number of concurrent calls with one token exactly one gets past the
 * conditional update; the others (and every later call) get InvalidTokenError.
 */
async function claim(
  tx: Transaction,
  token: string,
  data: { status: 'ACCEPTED'; acceptedAt: Date } | { status: 'DECLINED'; declinedAt: Date },
): Promise<InvitationRow> {
  const tokenHash = hashToken(token);
  const found = await tx.invitation.findUnique({
    where: { tokenHash },
    select: { id: true, organizationId: true },
  });
  if (!found) throw new InvalidTokenError();
  // The organization lock comes first in every invitation change (see shared.ts).
  await lockOrganization(tx, found.organizationId);
  const claimed = await tx.invitation.updateMany({
    where: { id: found.id, tokenHash, status: 'PENDING', expiresAt: { gt: new Date() } },
    data: { ...data, tokenHash: null },
  });
  if (claimed.count !== 1) throw new InvalidTokenError();
  await cancelQueuedEmails(tx, { invitationId: found.id });
  return tx.invitation.findUniqueOrThrow({ where: { id: found.id } });
}

/** Accepts: the member becomes ACTIVE with the invitation's terms and gets a session. */
export async function acceptInvitation(
  ctx: Context,
  token: string,
  rawName?: string | null,
): Promise<AcceptedInvitation> {
  await throttleTokenUse(ctx, 'invitation', token);
  const name = parse(nameSchema.nullish(), rawName, 'name');
  if (!looksLike('invitation', token)) throw new InvalidTokenError();
  return prisma.$transaction(async (tx) => {
    const now = new Date();
    const invitation = await claim(tx, token, { status: 'ACCEPTED', acceptedAt: now });
    const existing = invitation.memberId
      ? await tx.member.findUnique({ where: { id: invitation.memberId } })
      : null;
    // A pending invitation's member is INVITED; anything else is a state no operation leaves,
    // and the token is refused (the transaction rolls back) rather than guessing.
    if (existing && existing.status !== 'INVITED') throw new InvalidTokenError();
    const organization = await tx.organization.findUniqueOrThrow({
      where: { id: invitation.organizationId },
    });
    await assertJoinAllowed(tx, organization, invitation);
    const terms = membershipTerms(invitation);
    const activation = {
      ...terms,
      name: name ?? existing?.name ?? terms.name,
      email: invitation.email,
      status: 'ACTIVE' as const,
      activatedAt: now,
      deactivatedAt: null,
    };
    const member = existing
      ? await tx.member.update({ where: { id: existing.id }, data: activation })
      : await tx.member.create({
          data: {
            ...activation,
            organizationId: invitation.organizationId,
            emailNormalized: invitation.emailNormalized,
          },
        });
    if (member.id !== invitation.memberId) {
      await tx.invitation.update({ where: { id: invitation.id }, data: { memberId: member.id } });
    }
    const session = await issueSession(tx, member.id);
    await recordAudit(
      tx,
      asMember(member, session.id),
      {
        organizationId: invitation.organizationId,
        action: 'invitation.accepted',
        targetType: 'Member',
        targetId: member.id,
        data: { invitationId: invitation.id, email: invitation.email, roles: member.roles },
      },
      ctx.requestId,
    );
    return {
      invitation: { ...invitation, memberId: member.id },
      preview: await previewOf(tx, invitation, organization.name),
      member,
      organization,
      session,
    };
  });
}

/**
 * Joining follows the organization's policy of today, not of the day the invitation was sent:
 * invites still on, the address's domain still allowed, and a seat for one more ACTIVE member
 * (the pending invitation held one; a seat limit lowered since may have taken it). Thrown inside
 * the accept transaction, so the invitation stays PENDING and may be accepted once the policy
 * allows it again.
 */
async function assertJoinAllowed(
  tx: Transaction,
  organization: OrganizationRow,
  invitation: InvitationRow,
): Promise<void> {
  assertInvitesAllowed(organization, invitation.emailNormalized, { revealDomains: false });
  if (organization.seatLimit === null) return;
  const active = await tx.member.count({
    where: { organizationId: organization.id, status: 'ACTIVE' },
  });
  if (active + 1 > organization.seatLimit) throw new SeatLimitReachedError(organization.seatLimit);
}

/** Declines: the invitation is DECLINED, its token dead, its INVITED member row released. */
export async function declineInvitation(ctx: Context, token: string): Promise<InvitationPreview> {
  await throttleTokenUse(ctx, 'invitation', token);
  if (!looksLike('invitation', token)) throw new InvalidTokenError();
  return prisma.$transaction(async (tx) => {
    const invitation = await claim(tx, token, { status: 'DECLINED', declinedAt: new Date() });
    if (invitation.memberId) await releaseInvitedMembers(tx, [invitation.memberId]);
    const organization = await tx.organization.findUniqueOrThrow({
      where: { id: invitation.organizationId },
      select: { name: true },
    });
    await recordAudit(
      tx,
      ctx.caller,
      {
        organizationId: invitation.organizationId,
        action: 'invitation.declined',
        targetType: 'Invitation',
        targetId: invitation.id,
        data: { email: invitation.email },
      },
      ctx.requestId,
    );
    return previewOf(tx, invitation, organization.name);
  });
}

async function previewOf(
  tx: Transaction,
  invitation: InvitationRow,
  organizationName: string,
): Promise<InvitationPreview> {
  const inviter = invitation.invitedByMemberId
    ? await tx.member.findUnique({
        where: { id: invitation.invitedByMemberId },
        select: { name: true },
      })
    : null;
  return {
    organizationName,
    inviterName: inviter?.name ?? null,
    email: invitation.email,
    roles: invitation.roles,
    expiresAt: invitation.expiresAt,
    status: invitation.status,
  };
}

/** The audit actor for something a token holder did: the member the token belongs to. */
export function asMember(
  member: { id: string; organizationId: string },
  sessionId: string,
): Caller {
  return {
    kind: 'member',
    memberId: member.id,
    organizationId: member.organizationId,
    sessionId,
  };
}
