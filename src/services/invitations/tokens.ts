// What the holder of an invitation token may do, without any other credential: preview the
// invitation, accept it (becoming an ACTIVE member with a session) or decline it. Every failure is
// the same InvalidTokenError, so nothing can be learned by probing tokens, and every use is
// throttled per client address and per token (RateLimitedError) before the token is looked up;
// only a live token may then meet the organization's current policy at accept (invites off,
// domain, seat limit).
import { randomUUID } from 'node:crypto';
import { hashToken, looksLike } from '../../auth/tokens.ts';
import type { Caller, Context } from '../../context.ts';
import { prisma, Prisma, type Transaction } from '../../db.ts';
import { cancelQueuedEmails } from '../../email/outbox.ts';
import {
  DomainNotAllowedError,
  InvalidTokenError,
  InvitesDisabledError,
  SeatLimitReachedError,
} from '../../errors.ts';
import { recordAudit } from '../audit.ts';
import { throttleTokenUse } from '../rate-limits.ts';
import { lockOrganization } from '../seats.ts';
import { newSessionToken, type IssuedSession } from '../sessions.ts';
import { nameSchema, parse } from '../validation.ts';
import {
  releaseInvitedMembers,
  type InvitationRow,
  type SessionMemberRow,
  type SessionOrganizationRow,
} from './shared.ts';

export interface InvitationPreview {
  organizationName: string;
  inviterName: string | null;
  email: string;
  roles: string[];
  expiresAt: Date;
  status: InvitationRow['status'];
}

/** What acceptInvitation's payload shows: no more is read back. */
export interface AcceptedInvitation {
  /** The invitation as its token holder may see it (now ACCEPTED). */
  preview: InvitationPreview;
  member: SessionMemberRow;
  organization: SessionOrganizationRow;
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

/**
 * Accepts: the member becomes ACTIVE with the invitation's terms and gets a session. One
 * statement, outside any transaction (see acceptStatement); nothing is written unless every check
 * passes, and a refusal leaves the invitation PENDING.
 */
export async function acceptInvitation(
  ctx: Context,
  token: string,
  rawName?: string | null,
): Promise<AcceptedInvitation> {
  await throttleTokenUse(ctx, 'invitation', token);
  const name = parse(nameSchema.nullish(), rawName, 'name');
  if (!looksLike('invitation', token)) throw new InvalidTokenError();
  const session = newSessionToken();
  const rows = await prisma.$queryRaw<AcceptRow[]>(
    acceptStatement({
      tokenHash: hashToken(token),
      name: name ?? null,
      now: new Date(),
      newMemberId: randomUUID(),
      sessionHash: session.hash,
      sessionExpiresAt: session.expiresAt,
      requestId: ctx.requestId ?? null,
    }),
  );
  const row = rows[0];
  if (!row || row.refusal === 'INVALID_TOKEN') throw new InvalidTokenError();
  if (row.refusal === 'INVITES_DISABLED') throw new InvitesDisabledError();
  if (row.refusal === 'DOMAIN_NOT_ALLOWED') {
    // As assertInvitesAllowed with revealDomains: false (the token holder is no member yet).
    throw new DomainNotAllowedError(row.domain, []);
  }
  if (row.refusal === 'SEAT_LIMIT_REACHED') throw new SeatLimitReachedError(row.seatLimit!);
  if (!row.memberId || !row.sessionId) throw new Error('acceptInvitation: nothing was written');
  return {
    session: { id: row.sessionId, token: session.token, expiresAt: session.expiresAt },
    member: {
      id: row.memberId,
      email: row.memberEmail!,
      name: row.memberName,
      roles: row.memberRoles!,
      status: 'ACTIVE',
    },
    organization: {
      id: row.organizationId,
      slug: row.organizationSlug,
      name: row.organizationName,
    },
    preview: {
      organizationName: row.organizationName,
      inviterName: row.inviterName,
      email: row.email!,
      roles: row.roles!,
      expiresAt: row.expiresAt!,
      status: 'ACCEPTED',
    },
  };
}

type AcceptRefusal =
  'INVALID_TOKEN' | 'INVITES_DISABLED' | 'DOMAIN_NOT_ALLOWED' | 'SEAT_LIMIT_REACHED';

interface AcceptRow {
  refusal: AcceptRefusal | null;
  domain: string;
  seatLimit: number | null;
  organizationId: string;
  organizationSlug: string;
  organizationName: string;
  memberId: string | null;
  memberEmail: string | null;
  memberName: string | null;
  memberRoles: string[] | null;
  sessionId: string | null;
  email: string | null;
  roles: string[] | null;
  expiresAt: Date | null;
  inviterName: string | null;
}

/**
 * The whole accept in one statement. It locks the organization (the lock every invitation change
 * takes first), then the invitation and its member row, each `FOR UPDATE`, which in READ COMMITTED
 * yields the newest committed version of the row (not the statement's snapshot): so the checks
 * below see whatever committed while we waited, exactly as statements run after the lock would.
 * The checks, in the order the errors are given: a live token (this hash, PENDING, not past its
 * expiry) whose member row, if any, is INVITED; then today's policy (invites on, the domain
 * allowed) and a seat for one more ACTIVE member, by the organization's active counter (kept
 * exact by triggers, see 20261129300000_seat_counters). Every write below depends on `verdict`
 * having no refusal: the invitation becomes ACCEPTED (token dead, member set), its queued mail is
 * cancelled, the member row becomes ACTIVE with the invitation's terms (or is created, should the
 * invitation have lost it), and the session and the audit event are inserted.
 */
function acceptStatement(args: {
  tokenHash: string;
  name: string | null;
  now: Date;
  newMemberId: string;
  sessionHash: string;
  sessionExpiresAt: Date;
  requestId: string | null;
}): Prisma.Sql {
  const now = args.now.toISOString();
  return Prisma.sql`
    WITH org AS MATERIALIZED (
      SELECT o.id, o.slug, o.name, o.invite_policy::text AS policy, o.allowed_email_domains,
        o.seat_limit, o.active_member_count
      FROM organizations o
      WHERE o.id = (SELECT organization_id FROM invitations WHERE token_hash = ${args.tokenHash})
      FOR UPDATE
    ),
    live AS MATERIALIZED (
      SELECT i.id, i.status::text AS status, i.expires_at, i.member_id, i.email_normalized
      FROM invitations i
      WHERE i.token_hash = ${args.tokenHash} AND i.organization_id = (SELECT id FROM org)
      FOR UPDATE
    ),
    mem AS MATERIALIZED (
      SELECT m.id, m.status::text AS status FROM members m
      WHERE m.id = (SELECT member_id FROM live) FOR UPDATE
    ),
    verdict AS MATERIALIZED (
      SELECT live.id AS invitation_id, coalesce(mem.id, ${args.newMemberId}::uuid) AS member_id,
        mem.id IS NOT NULL AS reuse, substring(live.email_normalized FROM '@([^@]*)$') AS domain,
        CASE
          WHEN live.id IS NULL OR live.status <> 'PENDING'
            OR live.expires_at <= ${now}::timestamptz THEN 'INVALID_TOKEN'
          WHEN mem.id IS NOT NULL AND mem.status <> 'INVITED' THEN 'INVALID_TOKEN'
          WHEN org.policy = 'DISABLED' THEN 'INVITES_DISABLED'
          WHEN org.policy = 'RESTRICTED_TO_DOMAINS' AND NOT EXISTS (
              SELECT 1 FROM unnest(org.allowed_email_domains) AS d(domain)
              WHERE lower(d.domain) = substring(live.email_normalized FROM '@([^@]*)$'))
            THEN 'DOMAIN_NOT_ALLOWED'
          WHEN org.seat_limit IS NOT NULL AND org.active_member_count + 1 > org.seat_limit
            THEN 'SEAT_LIMIT_REACHED'
        END AS refusal
      FROM org LEFT JOIN live ON true LEFT JOIN mem ON true
    ),
    claimed AS (
      UPDATE invitations i SET status = 'ACCEPTED', accepted_at = ${now}::timestamptz,
        token_hash = NULL, member_id = v.member_id, updated_at = now()
      FROM verdict v WHERE v.refusal IS NULL AND i.id = v.invitation_id
      RETURNING i.*, v.reuse
    ),
    activated AS (
      UPDATE members m SET email = c.email, name = coalesce(${args.name}, m.name, c.name),
        roles = c.roles, trusted_metadata = c.trusted_metadata,
        untrusted_metadata = c.untrusted_metadata, has_restricted_access = c.has_restricted_access,
        restricted_resource_ids = c.restricted_resource_ids,
        invited_by_member_id = c.invited_by_member_id,
        invited_by_api_key_id = c.invited_by_api_key_id, status = 'ACTIVE',
        activated_at = ${now}::timestamptz, deactivated_at = NULL, updated_at = now()
      FROM claimed c WHERE c.reuse AND m.id = c.member_id
      RETURNING m.id, m.email, m.name, m.roles
    ),
    created AS (
      INSERT INTO members (id, organization_id, email, email_normalized, name, roles,
        trusted_metadata, untrusted_metadata, has_restricted_access, restricted_resource_ids,
        invited_by_member_id, invited_by_api_key_id, status, activated_at, updated_at)
      SELECT c.member_id, c.organization_id, c.email, c.email_normalized,
        coalesce(${args.name}, c.name), c.roles, c.trusted_metadata, c.untrusted_metadata,
        c.has_restricted_access, c.restricted_resource_ids, c.invited_by_member_id,
        c.invited_by_api_key_id, 'ACTIVE', ${now}::timestamptz, now()
      FROM claimed c WHERE NOT c.reuse
      RETURNING id, email, name, roles
    ),
    member AS (SELECT * FROM activated UNION ALL SELECT * FROM created),
    cancelled AS (
      UPDATE email_outbox SET status = 'CANCELLED', secret = NULL, locked_by = NULL,
        locked_until = NULL, updated_at = now()
      WHERE invitation_id = (SELECT id FROM claimed) AND status = 'QUEUED'
    ),
    session AS (
      INSERT INTO member_sessions (member_id, token_hash, expires_at)
      SELECT id, ${args.sessionHash}, ${args.sessionExpiresAt.toISOString()}::timestamptz
      FROM member
      RETURNING id
    ),
    audited AS (
      INSERT INTO audit_events (organization_id, action, actor_type, actor_id, target_type,
        target_id, data, request_id)
      SELECT c.organization_id, 'invitation.accepted', 'MEMBER', m.id::text, 'Member', m.id::text,
        jsonb_build_object('invitationId', c.id, 'email', c.email, 'roles', m.roles),
        ${args.requestId}
      FROM claimed c, member m
    )
    SELECT v.refusal, v.domain, org.seat_limit AS "seatLimit", org.id AS "organizationId",
      org.slug AS "organizationSlug", org.name AS "organizationName", m.id AS "memberId",
      m.email AS "memberEmail", m.name AS "memberName", m.roles AS "memberRoles",
      s.id AS "sessionId", c.email, c.roles, c.expires_at AS "expiresAt",
      inviter.name AS "inviterName"
    FROM verdict v CROSS JOIN org
      LEFT JOIN member m ON true LEFT JOIN session s ON true LEFT JOIN claimed c ON true
      LEFT JOIN members inviter ON inviter.id = c.invited_by_member_id`;
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
