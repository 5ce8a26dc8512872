// What the invitation operations share: limits, the accept link, the checks a new or revived
// invitation must pass (policy, roles, pending cap), issuing a token, and queueing the email.
import {
  firstUngrantableRole,
  isBuiltinRole,
  type RoleDefinition,
} from '../../auth/permissions.ts';
import { assertRedirectAllowed } from '../../auth/redirect-origins.ts';
import { generateToken } from '../../auth/tokens.ts';
import type { Caller } from '../../context.ts';
import type { Prisma, Transaction } from '../../db.ts';
import { cancelQueuedEmails, enqueueEmail } from '../../email/outbox.ts';
import {
  DomainNotAllowedError,
  ForbiddenError,
  InvitesDisabledError,
  NotFoundError,
  PendingInvitationLimitError,
  RoleNotGrantableError,
  UnknownRoleError,
} from '../../errors.ts';
import { callerKey, consumeRateLimits, RATE_LIMITS, type RateLimitCheck } from '../rate-limits.ts';
import { granterOf, type Granter } from '../roles.ts';
import { normalizeEmail } from '../validation.ts';
import { isUuid } from '../validation.ts';

/** Used when neither the invite nor the organization gives an expiry: seven days. */
export const DEFAULT_EXPIRATION_MINUTES = 10_080;
/** Invitations (new, re-sent) an organization may send per hour, unless configured otherwise. */
export const INVITES_PER_ORGANIZATION_PER_HOUR = RATE_LIMITS.invitePerOrganization.defaults.points;
/** Invitations one address may receive from one organization per hour, unless configured. */
export const INVITES_PER_EMAIL_PER_HOUR = RATE_LIMITS.invitePerAddress.defaults.points;
/** Most invitations in one inviteMembers call. */
export const MAX_BULK_INVITATIONS = 100;

export const ORGANIZATION_INVITE_LIMIT = RATE_LIMITS.invitePerOrganization;
export const EMAIL_INVITE_LIMIT = RATE_LIMITS.invitePerAddress;

export type InvitationRow = Prisma.InvitationGetPayload<object>;
export type MemberRow = Prisma.MemberGetPayload<object>;
export type OrganizationRow = Prisma.OrganizationGetPayload<object>;
/** What a new session's payload (accept, sign-in) shows of its member and organization. */
export type SessionMemberRow = Pick<MemberRow, 'id' | 'email' | 'name' | 'roles' | 'status'>;
export type SessionOrganizationRow = Pick<OrganizationRow, 'id' | 'slug' | 'name'>;

/** One invitation sent (new or re-sent): counts for the caller, the organization and the address. */
export async function consumeInviteRateLimits(
  caller: Caller,
  organizationId: string,
  emailNormalized: string,
): Promise<void> {
  await consumeRateLimits(inviteRateLimitChecks(caller, organizationId, emailNormalized));
}

/** The limits one invitation sent counts against (see consumeInviteRateLimits). */
export function inviteRateLimitChecks(
  caller: Caller,
  organizationId: string,
  emailNormalized: string,
): RateLimitCheck[] {
  return [
    [RATE_LIMITS.invitePerCaller, callerKey(caller)],
    [RATE_LIMITS.invitePerOrganization, organizationId],
    [RATE_LIMITS.invitePerAddress, `${organizationId}:${emailNormalized}`],
  ];
}

/**
 * The link in the email: the redirect URL with `token` added as a query parameter (replacing any
 * `token` already there). Built only from the stored redirect URL, never from the request.
 */
export function acceptLink(redirectUrl: string, token: string): string {
  const url = new URL(redirectUrl);
  url.searchParams.set('token', token);
  return url.toString();
}

export function minutesAfter(time: Date, minutes: number): Date {
  return new Date(time.getTime() + minutes * 60_000);
}

export function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((role) => b.includes(role));
}

export function newInvitationToken(): { token: string; hash: string } {
  return generateToken('invitation');
}

export async function loadOrganization(
  tx: Transaction,
  organizationId: string,
): Promise<OrganizationRow> {
  const organization = await tx.organization.findUnique({ where: { id: organizationId } });
  if (!organization) throw new NotFoundError('Organization');
  return organization;
}

/**
 * The organization's invite policy: invites off, or only some domains (exact, case-insensitive).
 * `revealDomains: false` leaves the allowed domains out of the error (for a token holder who is
 * not a member yet).
 */
export function assertInvitesAllowed(
  organization: OrganizationRow,
  emailNormalized: string,
  { revealDomains = true }: { revealDomains?: boolean } = {},
): void {
  if (organization.invitePolicy === 'DISABLED') throw new InvitesDisabledError();
  if (organization.invitePolicy === 'RESTRICTED_TO_DOMAINS') {
    const domain = emailNormalized.slice(emailNormalized.lastIndexOf('@') + 1);
    const allowed = organization.allowedEmailDomains.map((entry) => entry.toLowerCase());
    // Exact match only: sub.example.com is not allowed by example.com unless listed itself.
    if (!allowed.includes(domain)) {
      throw new DomainNotAllowedError(
        domain,
        revealDomains ? organization.allowedEmailDomains : [],
      );
    }
  }
}

/** Every role is built in or one of the organization's custom roles; returns the custom roles. */
export async function assertRolesExist(
  tx: Transaction,
  organizationId: string,
  roles: readonly string[],
): Promise<RoleDefinition[]> {
  const customRoles = await tx.customRole.findMany({
    where: { organizationId },
    select: { key: true, permissions: true },
  });
  assertRolesAmong(roles, customRoles);
  return customRoles;
}

/** Every role is built in or one of `customRoles` (the organization's), else UnknownRoleError. */
export function assertRolesAmong(
  roles: readonly string[],
  customRoles: readonly RoleDefinition[],
): void {
  const unknown = roles.find(
    (role) => !isBuiltinRole(role) && !customRoles.some((custom) => custom.key === role),
  );
  if (unknown) throw new UnknownRoleError(unknown);
}

/**
 * assertMayIssue's grant check over rows already read: `granter` as granterFrom gives it, the
 * organization's custom roles.
 */
export function assertMayGrant(
  granter: Granter,
  customRoles: readonly RoleDefinition[],
  roles: readonly string[],
  replacedRoles: readonly string[] = [],
): void {
  assertRolesAmong(roles, customRoles);
  const touched = [...roles, ...replacedRoles.filter((role) => !roles.includes(role))];
  const ungrantable = firstUngrantableRole(granter, touched, customRoles);
  if (ungrantable) throw new RoleNotGrantableError(ungrantable);
}

/**
 * The grant check of every path that issues a live invitation token: a new invite, a resend, a
 * revival, resendIfPending (which may rewrite the roles), and a re-invite of a former member.
 * Every role granted exists and the caller may grant it; and every role the invitation takes
 * over from what it replaces (the pending invitation's roles, the former member row's) the caller
 * could grant too, so that only owners touch what grants or held owner (as updateMember).
 */
export async function assertMayIssue(
  tx: Transaction,
  caller: Caller,
  organizationId: string,
  roles: readonly string[],
  replacedRoles: readonly string[] = [],
): Promise<void> {
  const customRoles = await assertRolesExist(tx, organizationId, roles);
  const granter = await granterOf(tx, caller, organizationId, customRoles);
  const touched = [...roles, ...replacedRoles.filter((role) => !roles.includes(role))];
  const ungrantable = firstUngrantableRole(granter, touched, customRoles);
  if (ungrantable) throw new RoleNotGrantableError(ungrantable);
}

/**
 * With notify: false the accept link goes back to the caller, who could accept it and become the
 * invitee: only API keys (the backend that delivers it) receive links. The scopes refuse this
 * already; services are callable without GraphQL, so check again.
 */
export function assertMayReceiveLink(caller: Caller): void {
  if (caller.kind !== 'apiKey') {
    throw new ForbiddenError('Only API keys may receive accept links (notify: false)');
  }
}

/** The organization's cap on pending (not yet expired) invitations, if it has one. */
export async function assertPendingLimit(
  tx: Transaction,
  organization: OrganizationRow,
  now: Date,
): Promise<void> {
  const limit = organization.pendingInvitationLimit;
  // The counter (see seatsFitByCounters) is an upper bound of the pending, unexpired ones.
  if (limit === null || organization.pendingInvitationCount < limit) return;
  const pending = await tx.invitation.count({
    where: { organizationId: organization.id, status: 'PENDING', expiresAt: { gt: now } },
  });
  if (pending >= limit) throw new PendingInvitationLimitError(limit);
}

/**
 * Writes down the expiry of one PENDING invitation found past its expiresAt before the sweep
 * (expireInvitations) reached it. Its member row is left to the caller, which reuses it.
 */
export async function recordExpiry(tx: Transaction, invitation: InvitationRow): Promise<void> {
  const expired = await tx.invitation.updateMany({
    where: { id: invitation.id, status: 'PENDING' },
    data: { status: 'EXPIRED', expiredAt: invitation.expiresAt, tokenHash: null, memberId: null },
  });
  if (expired.count === 0) return;
  await cancelQueuedEmails(tx, { invitationId: invitation.id });
  // The same audit event the sweep writes, so every expiry is in the trail whoever stored it.
  await tx.auditEvent.create({
    data: {
      organizationId: invitation.organizationId,
      action: 'invitation.expired',
      actorType: 'SYSTEM',
      targetType: 'Invitation',
      targetId: invitation.id,
      data: { email: invitation.email },
    },
  });
}

/** Queues the invitation email in the caller's transaction. */
export async function queueInvitationEmail(
  tx: Transaction,
  invitation: InvitationRow,
  organizationName: string,
  link: string,
): Promise<void> {
  const inviter = invitation.invitedByMemberId
    ? await tx.member.findUnique({
        where: { id: invitation.invitedByMemberId },
        select: { name: true, email: true },
      })
    : null;
  await enqueueEmail(tx, {
    kind: 'INVITATION',
    to: invitation.email,
    locale: invitation.locale,
    templateId: invitation.templateId,
    organizationId: invitation.organizationId,
    invitationId: invitation.id,
    payload: {
      organizationName,
      inviterName: inviter?.name ?? null,
      inviterEmail: inviter?.email ?? null,
      roles: invitation.roles,
      expiresAt: invitation.expiresAt.toISOString(),
      recipientName: invitation.name,
    },
    link,
  });
}

/** Locks one invitation row until the transaction ends and reads it afresh; null if none. */
export async function lockInvitation(
  tx: Transaction,
  invitationId: string,
): Promise<InvitationRow | null> {
  if (!isUuid(invitationId)) return null;
  await tx.$queryRaw`SELECT 1 FROM invitations WHERE id = ${invitationId}::uuid FOR UPDATE`;
  return tx.invitation.findUnique({ where: { id: invitationId } });
}

/** What an invitation grants; copied onto its member when invited and again when accepted. */
export function membershipTerms(invitation: InvitationRow) {
  return {
    name: invitation.name,
    roles: invitation.roles,
    trustedMetadata: invitation.trustedMetadata as Prisma.InputJsonObject,
    untrustedMetadata: invitation.untrustedMetadata as Prisma.InputJsonObject,
    hasRestrictedAccess: invitation.hasRestrictedAccess,
    restrictedResourceIds: invitation.restrictedResourceIds,
    invitedByMemberId: invitation.invitedByMemberId,
    invitedByApiKeyId: invitation.invitedByApiKeyId,
  };
}

export type MembershipTerms = ReturnType<typeof membershipTerms>;

/**
 * The INVITED member row for an invitation: a DEACTIVATED (re-invited) or left-over INVITED row
 * with that email is reused, else a new row is created. The caller has ruled out ACTIVE. A reused
 * row keeps activatedAt and deactivatedAt: they mark a former member (see releaseInvitedMembers).
 */
export async function invitedMemberRow(
  tx: Transaction,
  organizationId: string,
  email: string,
  existing: MemberRow | null,
  terms: MembershipTerms,
): Promise<MemberRow> {
  const data = { ...terms, email, status: 'INVITED' as const };
  if (existing) {
    return tx.member.update({ where: { id: existing.id }, data });
  }
  return tx.member.create({
    data: { ...data, organizationId, emailNormalized: normalizeEmail(email) },
  });
}

/**
 * The INVITED member rows of invitations that ended unaccepted (revoked, declined, expired): a row
 * that was never a member is deleted; a former member's (re-invited after deactivation) goes back
 * to DEACTIVATED, so that it stays reactivatable and keeps its history. Returns how many changed.
 */
export async function releaseInvitedMembers(
  tx: Transaction,
  memberIds: readonly string[],
): Promise<number> {
  if (memberIds.length === 0) return 0;
  const ids = [...memberIds];
  const restored = await tx.member.updateMany({
    where: {
      id: { in: ids },
      status: 'INVITED',
      OR: [{ activatedAt: { not: null } }, { deactivatedAt: { not: null } }],
    },
    data: { status: 'DEACTIVATED' },
  });
  const deleted = await tx.member.deleteMany({ where: { id: { in: ids }, status: 'INVITED' } });
  return restored.count + deleted.count;
}

/** Changes a re-issue may make besides the token and expiry (resendIfPending, revival). */
export type ReissueChanges = Omit<
  Prisma.InvitationUncheckedUpdateManyInput,
  'id' | 'status' | 'tokenHash' | 'expiresAt' | 'sendCount' | 'lastSentAt'
>;

/**
 * A new token for a PENDING (or EXPIRED, being revived) invitation: the old token dies, its queued
 * mail is cancelled, the expiry is renewed, and the new link is mailed (notify) or returned.
 * Every re-issue passes here, and so the checks of a new send: the grant check (assertMayIssue,
 * over the roles it grants and those it replaces), an allowed redirect URL, and a link returned
 * only to an API key. Returns null when the invitation changed since it was read.
 */
export async function reissueInvitation(
  tx: Transaction,
  caller: Caller,
  invitation: InvitationRow,
  organization: OrganizationRow,
  changes: ReissueChanges,
  expiresAt: Date,
  now: Date,
  /** Roles of the member row a revival reuses (a former member's), besides the invitation's. */
  replacedMemberRoles: readonly string[] = [],
): Promise<{ invitation: InvitationRow; acceptUrl: string | null } | null> {
  const roles = Array.isArray(changes.roles) ? (changes.roles as string[]) : invitation.roles;
  await assertMayIssue(tx, caller, invitation.organizationId, roles, [
    ...invitation.roles,
    ...replacedMemberRoles,
  ]);
  const redirectUrl =
    typeof changes.redirectUrl === 'string' ? changes.redirectUrl : invitation.redirectUrl;
  assertRedirectAllowed(redirectUrl, organization);
  const notify = typeof changes.notify === 'boolean' ? changes.notify : invitation.notify;
  if (!notify) assertMayReceiveLink(caller);
  const { token, hash } = newInvitationToken();
  const claimed = await tx.invitation.updateMany({
    where: { id: invitation.id, status: invitation.status, tokenHash: invitation.tokenHash },
    data: {
      ...changes,
      status: 'PENDING',
      tokenHash: hash,
      expiresAt,
      expiredAt: null,
      sendCount: { increment: 1 },
      ...(notify ? { lastSentAt: now } : {}),
    },
  });
  if (claimed.count !== 1) return null;
  await cancelQueuedEmails(tx, { invitationId: invitation.id });
  const updated = await tx.invitation.findUniqueOrThrow({ where: { id: invitation.id } });
  const link = acceptLink(updated.redirectUrl, token);
  if (notify) await queueInvitationEmail(tx, updated, organization.name, link);
  return { invitation: updated, acceptUrl: notify ? null : link };
}
