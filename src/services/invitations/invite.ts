// Inviting: one address (inviteMember) or up to 100 (inviteMembers). An invitation and its INVITED
// member are created in one transaction that first locks the organization row, so concurrent
// invites of one address, or for the last seat, are serialized; the database's unique indexes
// back this up and their violations become AlreadyInvitedError / AlreadyMemberError.
import { z } from 'zod';
import { assertRedirectAllowed } from '../../auth/redirect-origins.ts';
import type { Context } from '../../context.ts';
import { prisma, type Prisma, type Transaction } from '../../db.ts';
import {
  AlreadyInvitedError,
  AlreadyMemberError,
  ForbiddenError,
  NoRedirectUrlError,
  NotFoundError,
  RosterError,
  ValidationError,
} from '../../errors.ts';
import { recordAudit } from '../audit.ts';
import { assertSeatAvailable, lockOrganization } from '../seats.ts';
import {
  emailSchema,
  httpUrlSchema,
  isUniqueViolation,
  isUuid,
  metadataSchema,
  nameSchema,
  normalizeEmail,
  parse,
  resourceIdsSchema,
  roleKeysSchema,
} from '../validation.ts';
import {
  acceptLink,
  assertInvitesAllowed,
  assertMayIssue,
  assertMayReceiveLink,
  assertPendingLimit,
  consumeInviteRateLimits,
  DEFAULT_EXPIRATION_MINUTES,
  invitedMemberRow,
  loadOrganization,
  MAX_BULK_INVITATIONS,
  membershipTerms,
  minutesAfter,
  newInvitationToken,
  queueInvitationEmail,
  recordExpiry,
  reissueInvitation,
  sameRoles,
  type InvitationRow,
  type MemberRow,
  type OrganizationRow,
  type ReissueChanges,
} from './shared.ts';

export const localeSchema = z.enum(['en', 'es', 'fr', 'pt_br']);

export const expirationMinutesSchema = z.number().int().min(5).max(10080);

/** Custom templates are looked up by id: letters, digits, `_` and `-` only (no paths). */
const templateIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, 'letters, digits, "_" and "-" only');

/** Settings an invitation may take from the batch in inviteMembers. */
const sharedSchema = z.object({
  roles: roleKeysSchema('an invitation').nullish(),
  redirectUrl: httpUrlSchema.nullish(),
  locale: localeSchema.nullish(),
  expirationMinutes: expirationMinutesSchema.nullish(),
  notify: z.boolean().nullish(),
  resendIfPending: z.boolean().nullish(),
});

const inviteSchema = sharedSchema.extend({
  email: emailSchema,
  name: nameSchema.nullish(),
  templateId: templateIdSchema.nullish(),
  trustedMetadata: metadataSchema.nullish(),
  untrustedMetadata: metadataSchema.nullish(),
  /** A member id (not a global id); API keys only. */
  invitedByMemberId: z.string().nullish(),
  /** null or absent: full access; a list (even empty): access to these resources only. */
  restrictedResourceIds: resourceIdsSchema.nullish(),
});

export type InviteMemberInput = z.input<typeof inviteSchema>;
export type InviteDefaults = z.input<typeof sharedSchema>;
type Invite = z.infer<typeof inviteSchema>;

export interface InviteResult {
  invitation: InvitationRow;
  member: MemberRow;
  organization: OrganizationRow;
  /** The accept link when no email was queued (notify: false); null otherwise. */
  acceptUrl: string | null;
}

/** Invites one address into an organization (see InviteMemberInput in the schema). */
export async function inviteMember(
  ctx: Context,
  organizationId: string,
  rawInput: InviteMemberInput,
  field = 'input',
): Promise<InviteResult> {
  const input = parse(inviteSchema, rawInput, field);
  if (ctx.caller.kind !== 'apiKey') {
    if (input.trustedMetadata != null) {
      throw new ForbiddenError('Only API keys may write trustedMetadata');
    }
    if (input.invitedByMemberId != null) {
      throw new ForbiddenError(
        'Only API keys may name invitedByMemberId; a member invites as itself',
      );
    }
  }
  if (input.notify === false) assertMayReceiveLink(ctx.caller);
  const emailNormalized = normalizeEmail(input.email);
  await consumeInviteRateLimits(ctx.caller, organizationId, emailNormalized);
  try {
    return await prisma.$transaction((tx) =>
      inviteInTransaction(tx, ctx, organizationId, input, emailNormalized, field),
    );
  } catch (error) {
    if (isUniqueViolation(error)) throw await duplicateError(organizationId, input.email);
    throw error;
  }
}

/**
 * Invites many addresses, each in its own transaction and in order, so one failure does not
 * affect the others (and a repeated address meets the first one's invitation).
 */
export async function inviteMembers(
  ctx: Context,
  organizationId: string,
  invitations: readonly InviteMemberInput[],
  rawDefaults: InviteDefaults = {},
): Promise<(InviteResult | RosterError)[]> {
  if (invitations.length === 0 || invitations.length > MAX_BULK_INVITATIONS) {
    throw new ValidationError(
      'input.invitations',
      `Send between 1 and ${MAX_BULK_INVITATIONS} invitations at once`,
    );
  }
  const defaults = parse(sharedSchema, rawDefaults);
  const results: (InviteResult | RosterError)[] = [];
  for (const [index, item] of invitations.entries()) {
    const merged: InviteMemberInput = { ...item };
    for (const [key, value] of Object.entries(defaults)) {
      // An item's own value wins; the batch's fills what the item leaves unset.
      if (value != null && merged[key as keyof InviteDefaults] == null) {
        Object.assign(merged, { [key]: value });
      }
    }
    try {
      results.push(await inviteMember(ctx, organizationId, merged, `input.invitations.${index}`));
    } catch (error) {
      if (!(error instanceof RosterError)) throw error;
      results.push(error);
    }
  }
  return results;
}

async function inviteInTransaction(
  tx: Transaction,
  ctx: Context,
  organizationId: string,
  input: Invite,
  emailNormalized: string,
  field: string,
): Promise<InviteResult> {
  // Every change to an organization's invitations takes this lock first (see shared.ts).
  await lockOrganization(tx, organizationId);
  const now = new Date();
  const organization = await loadOrganization(tx, organizationId);
  assertInvitesAllowed(organization, emailNormalized);

  const existingMember = await tx.member.findUnique({
    where: { organizationId_emailNormalized: { organizationId, emailNormalized } },
  });
  if (existingMember?.status === 'ACTIVE') throw new AlreadyMemberError(input.email);

  const pending = await tx.invitation.findFirst({
    where: { organizationId, emailNormalized, status: 'PENDING' },
  });
  if (pending && pending.expiresAt > now) {
    if (!input.resendIfPending) throw new AlreadyInvitedError(input.email);
    return resendPending(tx, ctx, organization, pending, input, field, now);
  }
  // Past its expiry but not yet swept: write the expiry down and invite afresh.
  if (pending) await recordExpiry(tx, pending);

  const roles = input.roles ?? ['member'];
  assertRestrictionFits(input.restrictedResourceIds != null, roles, field);
  // Re-inviting a former member reuses its row: the roles it held are replaced, so they count
  // too. (A row that never was a member, left by a lapsed invitation, replaces nothing.)
  const formerMember = existingMember?.activatedAt != null || existingMember?.deactivatedAt != null;
  await assertMayIssue(
    tx,
    ctx.caller,
    organizationId,
    roles,
    formerMember ? existingMember?.roles : [],
  );
  const inviter = await inviterOf(tx, ctx, organizationId, input.invitedByMemberId, field);
  const redirectUrl = redirectUrlFor(ctx, organization, input.redirectUrl, field);
  await assertPendingLimit(tx, organization, now);
  await assertSeatAvailable(tx, organizationId, 1);

  const expirationMinutes =
    input.expirationMinutes ??
    organization.defaultInviteExpirationMinutes ??
    DEFAULT_EXPIRATION_MINUTES;
  const notify = input.notify ?? true;
  const { token, hash } = newInvitationToken();
  const fields = {
    email: input.email,
    name: input.name ?? null,
    roles,
    trustedMetadata: (input.trustedMetadata ?? {}) as Prisma.InputJsonObject,
    untrustedMetadata: (input.untrustedMetadata ?? {}) as Prisma.InputJsonObject,
    hasRestrictedAccess: input.restrictedResourceIds != null,
    restrictedResourceIds: input.restrictedResourceIds ?? [],
    invitedByMemberId: inviter.memberId,
    invitedByApiKeyId: inviter.apiKeyId,
  };
  const member = await invitedMemberRow(tx, organizationId, input.email, existingMember, {
    ...fields,
    name: fields.name ?? existingMember?.name ?? null,
  });
  const invitation = await tx.invitation.create({
    data: {
      ...fields,
      organizationId,
      memberId: member.id,
      emailNormalized,
      tokenHash: hash,
      expiresAt: minutesAfter(now, expirationMinutes),
      redirectUrl,
      templateId: input.templateId ?? null,
      locale: input.locale ?? 'en',
      notify,
      lastSentAt: notify ? now : null,
    },
  });
  const link = acceptLink(redirectUrl, token);
  if (notify) await queueInvitationEmail(tx, invitation, organization.name, link);
  await recordAudit(
    tx,
    ctx.caller,
    {
      organizationId,
      action: 'member.invited',
      targetType: 'Member',
      targetId: member.id,
      data: {
        invitationId: invitation.id,
        email: invitation.email,
        roles,
        reinvited: existingMember?.status === 'DEACTIVATED',
      },
    },
    ctx.requestId,
  );
  return { invitation, member, organization, acceptUrl: notify ? null : link };
}

/** resendIfPending: the pending invitation gets a new token and expiry and the fields given. */
async function resendPending(
  tx: Transaction,
  ctx: Context,
  organization: OrganizationRow,
  pending: InvitationRow,
  input: Invite,
  field: string,
  now: Date,
): Promise<InviteResult> {
  const roles = input.roles ?? pending.roles;
  const restricted =
    input.restrictedResourceIds === undefined
      ? pending.hasRestrictedAccess
      : input.restrictedResourceIds !== null;
  assertRestrictionFits(restricted, roles, field);
  // The grant check (over these roles and the pending ones) is reissueInvitation's.
  const changes: ReissueChanges = { roles, email: input.email };
  if (input.name != null) changes.name = input.name;
  if (input.redirectUrl != null) {
    changes.redirectUrl = redirectUrlFor(ctx, organization, input.redirectUrl, field);
  }
  if (input.templateId != null) changes.templateId = input.templateId;
  if (input.locale != null) changes.locale = input.locale;
  if (input.notify != null) changes.notify = input.notify;
  if (input.trustedMetadata != null) {
    changes.trustedMetadata = input.trustedMetadata as Prisma.InputJsonObject;
  }
  if (input.untrustedMetadata != null) {
    changes.untrustedMetadata = input.untrustedMetadata as Prisma.InputJsonObject;
  }
  if (input.restrictedResourceIds !== undefined) {
    changes.hasRestrictedAccess = restricted;
    changes.restrictedResourceIds = input.restrictedResourceIds ?? [];
  }
  if (input.invitedByMemberId != null || ctx.caller.kind === 'member') {
    // A member session re-sending someone else's invitation becomes its inviter.
    const inviter = await inviterOf(tx, ctx, organization.id, input.invitedByMemberId, field);
    changes.invitedByMemberId = inviter.memberId;
  }
  const expirationMinutes =
    input.expirationMinutes ??
    organization.defaultInviteExpirationMinutes ??
    DEFAULT_EXPIRATION_MINUTES;
  const reissued = await reissueInvitation(
    tx,
    ctx.caller,
    pending,
    organization,
    changes,
    minutesAfter(now, expirationMinutes),
    now,
  );
  // Accepted (or revoked) between our read and our write.
  if (!reissued) throw await duplicateError(organization.id, input.email, tx);
  const { invitation } = reissued;
  const existing = invitation.memberId
    ? await tx.member.findUnique({ where: { id: invitation.memberId } })
    : null;
  const member = await invitedMemberRow(
    tx,
    organization.id,
    invitation.email,
    existing,
    membershipTerms(invitation),
  );
  if (member.id !== invitation.memberId) {
    await tx.invitation.update({ where: { id: invitation.id }, data: { memberId: member.id } });
  }
  await recordAudit(
    tx,
    ctx.caller,
    {
      organizationId: organization.id,
      action: 'invitation.resent',
      targetType: 'Invitation',
      targetId: invitation.id,
      data: { email: invitation.email, sendCount: invitation.sendCount, roles: invitation.roles },
    },
    ctx.requestId,
  );
  return {
    invitation: { ...invitation, memberId: member.id },
    member,
    organization,
    acceptUrl: reissued.acceptUrl,
  };
}

/**
 * Where the emailed link leads: the URL given, else the organization's default; either way on an
 * allowed origin (REDIRECT_ORIGINS, narrowed by the organization's allowedRedirectOrigins), so
 * that no link (and token) leads to a site nobody registered. A member session, in an
 * organization that lists no origins of its own, may only name a URL on the default's origin.
 */
function redirectUrlFor(
  ctx: Context,
  organization: OrganizationRow,
  requested: string | null | undefined,
  field: string,
): string {
  const fallback = organization.defaultRedirectUrl;
  const ownOrigins = organization.allowedRedirectOrigins.length > 0;
  if (requested && ctx.caller.kind !== 'apiKey' && !ownOrigins) {
    if (!fallback || new URL(requested).origin !== new URL(fallback).origin) {
      throw new ValidationError(
        `${field}.redirectUrl`,
        `${field}.redirectUrl: a member session may only use URLs on the origin of the organization's defaultRedirectUrl${fallback ? ` (${new URL(fallback).origin})` : ', which is not set'}`,
      );
    }
  }
  const redirectUrl = requested ?? fallback;
  if (!redirectUrl) throw new NoRedirectUrlError();
  assertRedirectAllowed(redirectUrl, organization);
  return redirectUrl;
}

/** Restricted access is for the plain member role only. */
function assertRestrictionFits(restricted: boolean, roles: readonly string[], field: string) {
  if (restricted && !sameRoles(roles, ['member'])) {
    throw new ValidationError(
      `${field}.restrictedResourceIds`,
      'restrictedResourceIds is only allowed when roles are exactly ["member"]',
    );
  }
}

/**
 * Who sends the invitation: a member session invites as itself; an API key as itself, or on
 * behalf of an ACTIVE member of the organization it names.
 */
async function inviterOf(
  tx: Transaction,
  ctx: Context,
  organizationId: string,
  invitedByMemberId: string | null | undefined,
  field: string,
): Promise<{ memberId: string | null; apiKeyId: string | null }> {
  if (ctx.caller.kind === 'member') return { memberId: ctx.caller.memberId, apiKeyId: null };
  const apiKeyId = ctx.caller.kind === 'apiKey' ? ctx.caller.apiKeyId : null;
  if (invitedByMemberId == null) return { memberId: null, apiKeyId };
  const inviter = isUuid(invitedByMemberId)
    ? await tx.member.findUnique({
        where: { id: invitedByMemberId },
        select: { organizationId: true, status: true },
      })
    : null;
  if (!inviter || inviter.organizationId !== organizationId) throw new NotFoundError('Member');
  if (inviter.status !== 'ACTIVE') {
    throw new ValidationError(
      `${field}.invitedByMemberId`,
      'The inviting member must be an ACTIVE member of the organization',
    );
  }
  return { memberId: invitedByMemberId, apiKeyId };
}

/** After a unique violation: an ACTIVE member with the address, or else a pending invitation. */
export async function duplicateError(
  organizationId: string,
  email: string,
  db: Pick<Transaction, 'member'> = prisma,
): Promise<RosterError> {
  const member = await db.member.findUnique({
    where: {
      organizationId_emailNormalized: { organizationId, emailNormalized: normalizeEmail(email) },
    },
    select: { status: true },
  });
  return member?.status === 'ACTIVE'
    ? new AlreadyMemberError(email)
    : new AlreadyInvitedError(email);
}
