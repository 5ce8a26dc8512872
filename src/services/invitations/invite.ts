// Inviting: one address (inviteMember) or up to 100 (inviteMembers). An invitation and its INVITED
// member are created in one transaction that first locks the organization row, so concurrent
// invites of one address, or for the last seat, are serialized; the database's unique indexes
// back this up and their violations become AlreadyInvitedError / AlreadyMemberError.
import { z } from 'zod';
import { assertRedirectAllowed } from '../../auth/redirect-origins.ts';
import type { Context } from '../../context.ts';
import { isBuiltinRole, type RoleDefinition } from '../../auth/permissions.ts';
import { modelRow, prisma, Prisma, type Transaction } from '../../db.ts';
import {
  AlreadyInvitedError,
  AlreadyMemberError,
  ForbiddenError,
  NoRedirectUrlError,
  NotFoundError,
  PendingInvitationLimitError,
  RosterError,
  SeatLimitReachedError,
  ValidationError,
} from '../../errors.ts';
import { auditActor, recordAudit } from '../audit.ts';
import { rateLimitCounting, type RateLimitCount } from '../rate-limits.ts';
import { granterFrom } from '../roles.ts';
import { lockOrganization, ORGANIZATION_COLUMNS, seatsFitByCounters } from '../seats.ts';
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
  assertMayGrant,
  assertMayReceiveLink,
  inviteRateLimitChecks,
  DEFAULT_EXPIRATION_MINUTES,
  invitedMemberRow,
  MAX_BULK_INVITATIONS,
  membershipTerms,
  minutesAfter,
  newInvitationToken,
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
  const rateLimits = rateLimitCounting(
    inviteRateLimitChecks(ctx.caller, organizationId, emailNormalized),
  );
  // The token and its hash are made before any lock is taken.
  const token = newInvitationToken();
  try {
    if (mayInviteWithoutTransaction(ctx, input)) {
      // Its first statement takes the rate-limit points too.
      const done = await inviteWithoutTransaction(
        ctx,
        organizationId,
        input,
        emailNormalized,
        token,
        rateLimits,
        field,
      );
      if (done) return done;
    } else if (rateLimits) {
      rateLimits.settle(await prisma.$queryRaw<RateLimitCount[]>(rateLimits.statement));
    }
    return await prisma.$transaction((tx) =>
      inviteInTransaction(tx, ctx, organizationId, input, emailNormalized, token, field),
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

/**
 * The common invite in two statements and no transaction: a new invitation by an API key granting
 * built-in roles (so neither custom roles nor a member's own grants matter), to an address with no
 * pending invitation, far from the seat and pending limits. The first statement takes the
 * rate-limit points and reads, without any lock, what the decision needs; every rule is checked on
 * it in JS (a refusal is then a read-only answer from a consistent snapshot); the second statement
 * takes the organization's lock and writes only if what the decision rested on still holds, each
 * part checked on the newest committed row (a locked row, or a unique index), since the
 * statement's own snapshot predates its wait for the lock:
 * - the organization's settings (policy, domains, limits, redirects, name) are unchanged, and the
 *   seat and pending counters on the locked row still leave room (as seatsFitByCounters);
 * - the member row with this address is unchanged (its xmin, rechecked by the UPDATE on the newest
 *   version), or, when there was none, the INSERT meets the unique index on (organization,
 *   address) if one was made since. Every new PENDING invitation writes its member row in the same
 *   transaction, so a pending invitation made since is caught by the same guard;
 * - the member an API key invites for is still an ACTIVE member of the organization (FOR SHARE).
 * The organization is locked for that one statement only, with no round trip inside the lock.
 * Returns null when the case is not the common one (a pending invitation, a limit within reach)
 * or a guard failed: the caller then runs the transactional path, which decides afresh under the
 * lock (the rate-limit points are taken already).
 */
async function inviteWithoutTransaction(
  ctx: Context,
  organizationId: string,
  input: Invite,
  emailNormalized: string,
  token: InvitationToken,
  rateLimits: ReturnType<typeof rateLimitCounting>,
  field: string,
): Promise<InviteResult | null> {
  // Not a uuid: no organization is found, after the rate limits are counted (as in the lock).
  const id = isUuid(organizationId) ? organizationId : null;
  const actorId = actorIdOf(ctx, input);
  const rows = await prisma.$queryRaw<
    {
      rateLimits: RateLimitCount[];
      organization: Record<string, unknown> | null;
      settings: string;
      member: Record<string, unknown> | null;
      memberVersion: string | null;
      pending: Record<string, unknown> | null;
      actor: InviteState['actor'];
    }[]
  >`
    ${rateLimits ? Prisma.sql`WITH r AS (${rateLimits.statement})` : Prisma.empty}
    SELECT
      ${rateLimits ? Prisma.sql`(SELECT coalesce(json_agg(r), '[]'::json) FROM r)` : Prisma.sql`'[]'::json`} AS "rateLimits",
      (SELECT row_to_json(x) FROM (SELECT ${ORGANIZATION_COLUMNS} FROM organizations o
        WHERE o.id = ${id}::uuid) x) AS organization,
      (SELECT ${INVITE_SETTINGS} FROM organizations o WHERE o.id = ${id}::uuid) AS settings,
      m.member, m.version AS "memberVersion",
      (SELECT row_to_json(i) FROM invitations i
        WHERE i.organization_id = ${id}::uuid AND i.email_normalized = ${emailNormalized}
          AND i.status = 'PENDING' LIMIT 1) AS pending,
      ${actorSql(actorId)} AS actor
    FROM (SELECT NULL) AS one
      LEFT JOIN (SELECT row_to_json(m) AS member, m.xmin::text AS version FROM members m
        WHERE m.organization_id = ${id}::uuid
          AND m.email_normalized = ${emailNormalized}) m ON true`;
  const row = rows[0]!;
  rateLimits?.settle(row.rateLimits);
  if (!row.organization) throw new NotFoundError('Organization');
  const organization = modelRow<OrganizationRow>(row.organization);
  // Near a limit the exact count is needed, and only the transactional path counts.
  if (!seatsFitByCounters(organization, 1) || !pendingFitsByCounter(organization)) return null;
  const plan = planInvite(
    ctx,
    organization,
    {
      member: row.member ? modelRow<MemberRow>(row.member) : null,
      pending: row.pending ? modelRow<InvitationRow>(row.pending) : null,
      customRoles: [],
      actor: row.actor,
      pendingInvitations: organization.pendingInvitationCount,
    },
    input,
    emailNormalized,
    token,
    new Date(),
    field,
  );
  // A pending invitation to re-send, or one past its expiry to write down: the transaction's.
  if (plan.kind !== 'new' || plan.expiredPending) return null;
  const guards = Prisma.sql`
    org AS MATERIALIZED (
      SELECT o.id FROM organizations o
      WHERE o.id = ${organizationId}::uuid AND ${INVITE_SETTINGS} = ${row.settings}
        AND (o.seat_limit IS NULL
          OR o.active_member_count + o.pending_invitation_count + 1 <= o.seat_limit)
        AND (o.pending_invitation_limit IS NULL
          OR o.pending_invitation_count < o.pending_invitation_limit)
      FOR UPDATE
    ),
    actor AS MATERIALIZED (
      SELECT a.id FROM members a
      WHERE a.id = ${actorId}::uuid AND a.organization_id = (SELECT id FROM org)
        AND a.status = 'ACTIVE'
      FOR SHARE
    ),
    ok AS MATERIALIZED (
      SELECT 1 FROM org WHERE ${actorId}::uuid IS NULL OR EXISTS (SELECT 1 FROM actor)
    ),`;
  return writeInvite(ctx, organization, plan, {
    guards,
    condition: Prisma.sql`EXISTS (SELECT 1 FROM ok)`,
    memberVersion: row.memberVersion,
  });
}

async function inviteInTransaction(
  tx: Transaction,
  ctx: Context,
  organizationId: string,
  input: Invite,
  emailNormalized: string,
  token: InvitationToken,
  field: string,
): Promise<InviteResult> {
  // Every change to an organization's invitations takes this lock first (see shared.ts); the
  // statement that takes it reads the organization.
  const organization = await lockOrganization(tx, organizationId);
  const now = new Date();
  assertInvitesAllowed(organization, emailNormalized);
  const roles = input.roles ?? ['member'];
  const found = await readInviteState(tx, ctx, organization, input, roles, emailNormalized, now);
  const plan = planInvite(ctx, organization, found, input, emailNormalized, token, now, field);
  if (plan.kind === 'resend') {
    return resendPending(tx, ctx, organization, plan.pending, input, field, now);
  }
  // Past its expiry but not yet swept: write the expiry down and invite afresh.
  if (plan.expiredPending) await recordExpiry(tx, plan.expiredPending);
  const result = await writeInvite(ctx, organization, plan, { db: tx });
  // Only an UPDATE of a row deleted meanwhile writes nothing; every delete takes the lock we hold.
  if (!result) throw new Error('inviteMember: the member row to reuse has gone');
  return result;
}

type InvitationToken = ReturnType<typeof newInvitationToken>;

/**
 * Whether inviteWithoutTransaction may decide: an API key granting built-in roles only, so that
 * neither custom roles nor a member's own grants enter the decision.
 */
function mayInviteWithoutTransaction(ctx: Context, input: Invite): boolean {
  return ctx.caller.kind === 'apiKey' && (input.roles ?? ['member']).every(isBuiltinRole);
}

/** The organization's settings an invite decides on, as one value (see inviteWithoutTransaction). */
const INVITE_SETTINGS = Prisma.sql`md5(row(o.name, o.invite_policy, o.allowed_email_domains,
  o.seat_limit, o.pending_invitation_limit, o.default_invite_expiration_minutes,
  o.default_redirect_url, o.allowed_redirect_origins)::text)`;

/** The pending counter (an upper bound, see seatsFitByCounters) leaves room under the limit. */
function pendingFitsByCounter(organization: OrganizationRow): boolean {
  return (
    organization.pendingInvitationLimit === null ||
    organization.pendingInvitationCount < organization.pendingInvitationLimit
  );
}

/** The member whose row an invite reads: the calling member, or the one an API key names. */
function actorIdOf(ctx: Context, input: Invite): string | null {
  if (ctx.caller.kind === 'member') return ctx.caller.memberId;
  return input.invitedByMemberId != null && isUuid(input.invitedByMemberId)
    ? input.invitedByMemberId
    : null;
}

function actorSql(actorId: string | null): Prisma.Sql {
  return actorId
    ? Prisma.sql`(SELECT json_build_object('organizationId', a.organization_id, 'status', a.status,
        'roles', a.roles, 'name', a.name, 'email', a.email) FROM members a WHERE a.id = ${actorId}::uuid)`
    : Prisma.sql`NULL::json`;
}

/** What an invite decided: re-send a pending invitation, or write a new one. */
type InvitePlan =
  | { kind: 'resend'; pending: InvitationRow }
  | {
      kind: 'new';
      /** A PENDING invitation past its expiry, to be written down as EXPIRED first. */
      expiredPending: InvitationRow | null;
      existingMember: MemberRow | null;
      organizationId: string;
      emailNormalized: string;
      input: Invite;
      roles: string[];
      redirectUrl: string;
      expiresAt: Date;
      notify: boolean;
      now: Date;
      token: InvitationToken;
      inviter: { memberId: string | null; apiKeyId: string | null };
      inviterRow: InviteState['actor'];
    };

/**
 * Every rule of a new invite over what was read (the organization and the invite state), in the
 * order their errors are given; throws the first that fails. Pure: no database access.
 */
function planInvite(
  ctx: Context,
  organization: OrganizationRow,
  found: InviteState,
  input: Invite,
  emailNormalized: string,
  token: InvitationToken,
  now: Date,
  field: string,
): InvitePlan {
  assertInvitesAllowed(organization, emailNormalized);
  const organizationId = organization.id;
  const roles = input.roles ?? ['member'];
  const existingMember = found.member;
  if (existingMember?.status === 'ACTIVE') throw new AlreadyMemberError(input.email);

  const pending = found.pending;
  if (pending && pending.expiresAt > now) {
    if (!input.resendIfPending) throw new AlreadyInvitedError(input.email);
    return { kind: 'resend', pending };
  }

  assertRestrictionFits(input.restrictedResourceIds != null, roles, field);
  // Re-inviting a former member reuses its row: the roles it held are replaced, so they count
  // too. (A row that never was a member, left by a lapsed invitation, replaces nothing.)
  const formerMember = existingMember?.activatedAt != null || existingMember?.deactivatedAt != null;
  const granter = granterFrom(ctx.caller, organizationId, found.actor, found.customRoles);
  assertMayGrant(
    granter,
    found.customRoles,
    roles,
    formerMember && existingMember ? existingMember.roles : [],
  );
  const inviter = inviterFrom(ctx, organizationId, input.invitedByMemberId, found.actor, field);
  const redirectUrl = redirectUrlFor(ctx, organization, input.redirectUrl, field);
  if (
    organization.pendingInvitationLimit !== null &&
    found.pendingInvitations >= organization.pendingInvitationLimit
  ) {
    throw new PendingInvitationLimitError(organization.pendingInvitationLimit);
  }
  if (
    organization.seatLimit !== null &&
    organization.activeMemberCount + found.pendingInvitations + 1 > organization.seatLimit
  ) {
    throw new SeatLimitReachedError(organization.seatLimit);
  }

  const expirationMinutes =
    input.expirationMinutes ??
    organization.defaultInviteExpirationMinutes ??
    DEFAULT_EXPIRATION_MINUTES;
  return {
    kind: 'new',
    expiredPending: pending,
    existingMember,
    organizationId,
    emailNormalized,
    input,
    roles,
    redirectUrl,
    expiresAt: minutesAfter(now, expirationMinutes),
    notify: input.notify ?? true,
    now,
    token,
    inviter,
    inviterRow: found.actor,
  };
}

/**
 * The member row, the invitation, its email in the outbox and the audit event, in one statement
 * (what invitedMemberRow, invitation.create, queueInvitationEmail and recordAudit would write).
 * In a transaction holding the organization's lock (`db`), or on its own behind `guards` (CTEs
 * ending in a comma) and `condition`, with the reused member row checked against `memberVersion`.
 * Null when nothing was written.
 */
async function writeInvite(
  ctx: Context,
  organization: OrganizationRow,
  plan: Extract<InvitePlan, { kind: 'new' }>,
  how:
    | { db: Transaction }
    | { guards: Prisma.Sql; condition: Prisma.Sql; memberVersion: string | null },
): Promise<InviteResult | null> {
  const { input, existingMember, organizationId, emailNormalized, notify, now, inviter } = plan;
  const link = acceptLink(plan.redirectUrl, plan.token.token);
  const terms = {
    email: input.email,
    name: input.name ?? existingMember?.name ?? null,
    roles: plan.roles,
    trustedMetadata: JSON.stringify(input.trustedMetadata ?? {}),
    untrustedMetadata: JSON.stringify(input.untrustedMetadata ?? {}),
    hasRestrictedAccess: input.restrictedResourceIds != null,
    restrictedResourceIds: input.restrictedResourceIds ?? [],
    invitedByMemberId: inviter.memberId,
    invitedByApiKeyId: inviter.apiKeyId,
  };
  const guarded = 'guards' in how;
  const condition = guarded ? how.condition : Prisma.sql`true`;
  // The INVITED member row: a DEACTIVATED (re-invited) or left-over INVITED row is reused (it
  // keeps activatedAt and deactivatedAt, see invitedMemberRow), else a new one.
  const memberRow = existingMember
    ? Prisma.sql`UPDATE members SET email = ${terms.email}, name = ${terms.name},
        roles = ${terms.roles}::text[], trusted_metadata = ${terms.trustedMetadata}::jsonb,
        untrusted_metadata = ${terms.untrustedMetadata}::jsonb,
        has_restricted_access = ${terms.hasRestrictedAccess},
        restricted_resource_ids = ${terms.restrictedResourceIds}::text[],
        invited_by_member_id = ${terms.invitedByMemberId}::uuid,
        invited_by_api_key_id = ${terms.invitedByApiKeyId}::uuid,
        status = 'INVITED', updated_at = now()
      WHERE id = ${existingMember.id}::uuid
        ${guarded ? Prisma.sql`AND xmin = ${how.memberVersion}::xid` : Prisma.empty}
        AND ${condition}
      RETURNING *`
    : Prisma.sql`INSERT INTO members (organization_id, email, email_normalized, name, roles,
        trusted_metadata, untrusted_metadata, has_restricted_access, restricted_resource_ids,
        invited_by_member_id, invited_by_api_key_id, status, updated_at)
      SELECT ${organizationId}::uuid, ${terms.email}, ${emailNormalized}, ${terms.name},
        ${terms.roles}::text[], ${terms.trustedMetadata}::jsonb, ${terms.untrustedMetadata}::jsonb,
        ${terms.hasRestrictedAccess}, ${terms.restrictedResourceIds}::text[],
        ${terms.invitedByMemberId}::uuid, ${terms.invitedByApiKeyId}::uuid, 'INVITED', now()
      WHERE ${condition}
      RETURNING *`;
  // The email's payload, as queueInvitationEmail writes it; the inviter was read with the checks.
  const emailPayload = {
    organizationName: organization.name,
    inviterName: inviter.memberId ? (plan.inviterRow?.name ?? null) : null,
    inviterEmail: inviter.memberId ? (plan.inviterRow?.email ?? null) : null,
    roles: plan.roles,
    expiresAt: plan.expiresAt.toISOString(),
    recipientName: input.name ?? null,
  };
  const actor = auditActor(ctx.caller);
  const auditData = {
    email: input.email,
    roles: plan.roles,
    reinvited: existingMember?.status === 'DEACTIVATED',
  };
  const db = guarded ? prisma : how.db;
  const rows = await db.$queryRaw<
    { member: Record<string, unknown>; invitation: Record<string, unknown> }[]
  >`
    WITH ${guarded ? how.guards : Prisma.empty} m AS (${memberRow}),
    i AS (
      INSERT INTO invitations (organization_id, member_id, email, email_normalized, name, roles,
        token_hash, expires_at, redirect_url, template_id, locale, trusted_metadata,
        untrusted_metadata, has_restricted_access, restricted_resource_ids, notify,
        invited_by_member_id, invited_by_api_key_id, last_sent_at, updated_at)
      SELECT ${organizationId}::uuid, m.id, ${input.email}, ${emailNormalized},
        ${input.name ?? null}, ${terms.roles}::text[], ${plan.token.hash},
        ${plan.expiresAt.toISOString()}::timestamptz, ${plan.redirectUrl},
        ${input.templateId ?? null}, ${input.locale ?? 'en'}::"Locale",
        ${terms.trustedMetadata}::jsonb, ${terms.untrustedMetadata}::jsonb,
        ${terms.hasRestrictedAccess}, ${terms.restrictedResourceIds}::text[], ${notify},
        ${terms.invitedByMemberId}::uuid, ${terms.invitedByApiKeyId}::uuid,
        ${notify ? now.toISOString() : null}::timestamptz, now()
      FROM m
      RETURNING *
    ),
    e AS (
      INSERT INTO email_outbox (kind, to_address, locale, template_id, organization_id,
        invitation_id, payload, secret, updated_at)
      SELECT 'INVITATION', i.email, i.locale, i.template_id, i.organization_id, i.id,
        ${JSON.stringify(emailPayload)}::jsonb, ${link}, now()
      FROM i WHERE ${notify}
    ),
    a AS (
      INSERT INTO audit_events (organization_id, action, actor_type, actor_id, target_type,
        target_id, data, request_id)
      SELECT i.organization_id, 'member.invited', ${actor.actorType}::"ActorType", ${actor.actorId},
        'Member', m.id::text, jsonb_build_object('invitationId', i.id) || ${JSON.stringify(auditData)}::jsonb,
        ${ctx.requestId ?? null}
      FROM m, i
    )
    SELECT row_to_json(m) AS member, row_to_json(i) AS invitation FROM m, i`;
  const written = rows[0];
  if (!written) return null;
  const member = modelRow<MemberRow>(written.member);
  const invitation = modelRow<InvitationRow>(written.invitation);
  return { invitation, member, organization, acceptUrl: notify ? null : link };
}

/** What an invite decides on, read in one statement once the organization is locked. */
interface InviteState {
  /** The member row with this address (any status), or null. */
  member: MemberRow | null;
  /** The PENDING invitation of this address (maybe past its expiry), or null. */
  pending: InvitationRow | null;
  /** The organization's custom roles; read only when the grant check needs them (else empty). */
  customRoles: RoleDefinition[];
  /** The calling member's row (for a member session), or the member an API key invites for. */
  actor: {
    organizationId: string;
    status: string;
    roles: string[];
    name: string | null;
    email: string;
  } | null;
  /**
   * PENDING invitations not yet expired: counted only when the organization's counters put a
   * limit within reach, else the pending counter (an upper bound, enough to pass both checks).
   */
  pendingInvitations: number;
}

/**
 * One statement, after the lock (so it sees every change committed before we got it): the
 * duplicate checks, the custom roles when a grant check needs them, the inviting member, and the
 * seat and pending counts when the organization has limits.
 */
async function readInviteState(
  tx: Transaction,
  ctx: Context,
  organization: OrganizationRow,
  input: Invite,
  roles: readonly string[],
  emailNormalized: string,
  now: Date,
): Promise<InviteState> {
  const id = organization.id;
  // A member's permissions may come from custom roles; an API key's grant check only needs them
  // to know that a custom role asked for exists.
  const needRoles = ctx.caller.kind === 'member' || roles.some((role) => !isBuiltinRole(role));
  const actorId = actorIdOf(ctx, input);
  // The organization's counters decide when no limit is near; only then are the pending,
  // unexpired invitations counted (see seatsFitByCounters).
  const countPending =
    !seatsFitByCounters(organization, 1) ||
    (organization.pendingInvitationLimit !== null &&
      organization.pendingInvitationCount >= organization.pendingInvitationLimit);
  const rows = await tx.$queryRaw<
    {
      member: Record<string, unknown> | null;
      pending: Record<string, unknown> | null;
      customRoles: RoleDefinition[];
      actor: InviteState['actor'];
      pendingInvitations: number | null;
    }[]
  >`
    SELECT
      (SELECT row_to_json(m) FROM members m
        WHERE m.organization_id = ${id}::uuid AND m.email_normalized = ${emailNormalized}) AS member,
      (SELECT row_to_json(i) FROM invitations i
        WHERE i.organization_id = ${id}::uuid AND i.email_normalized = ${emailNormalized}
          AND i.status = 'PENDING' LIMIT 1) AS pending,
      ${
        needRoles
          ? Prisma.sql`(SELECT coalesce(json_agg(json_build_object('key', r.key, 'permissions', r.permissions)), '[]'::json)
              FROM custom_roles r WHERE r.organization_id = ${id}::uuid)`
          : Prisma.sql`'[]'::json`
      } AS "customRoles",
      ${actorSql(actorId)} AS actor,
      ${
        countPending
          ? Prisma.sql`(SELECT count(*)::int FROM invitations WHERE organization_id = ${id}::uuid
              AND status = 'PENDING' AND expires_at > ${now.toISOString()}::timestamptz)`
          : Prisma.sql`NULL::int`
      } AS "pendingInvitations"`;
  const row = rows[0]!;
  return {
    member: row.member ? modelRow<MemberRow>(row.member) : null,
    pending: row.pending ? modelRow<InvitationRow>(row.pending) : null,
    customRoles: row.customRoles,
    actor: row.actor,
    pendingInvitations: row.pendingInvitations ?? organization.pendingInvitationCount,
  };
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
  const named =
    ctx.caller.kind !== 'member' && invitedByMemberId != null && isUuid(invitedByMemberId)
      ? await tx.member.findUnique({
          where: { id: invitedByMemberId },
          select: { organizationId: true, status: true },
        })
      : null;
  return inviterFrom(ctx, organizationId, invitedByMemberId, named, field);
}

/** Who sends it, over a row already read (`actor`: the member an API key names, or the caller). */
function inviterFrom(
  ctx: Context,
  organizationId: string,
  invitedByMemberId: string | null | undefined,
  actor: Pick<NonNullable<InviteState['actor']>, 'organizationId' | 'status'> | null,
  field: string,
): { memberId: string | null; apiKeyId: string | null } {
  if (ctx.caller.kind === 'member') return { memberId: ctx.caller.memberId, apiKeyId: null };
  const apiKeyId = ctx.caller.kind === 'apiKey' ? ctx.caller.apiKeyId : null;
  if (invitedByMemberId == null) return { memberId: null, apiKeyId };
  if (!actor || actor.organizationId !== organizationId) throw new NotFoundError('Member');
  if (actor.status !== 'ACTIVE') {
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
