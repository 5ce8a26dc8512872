// Sign-in by email magic link for existing (ACTIVE) members: send a one-time link, then redeem it
// for a session. Sending answers the same whether or not the address belongs to a member, so the
// operation cannot be used to find out who is a member.
import { z } from 'zod';
import { assertRedirectAllowed } from '../auth/redirect-origins.ts';
import { generateToken, hashToken, looksLike } from '../auth/tokens.ts';
import type { Context } from '../context.ts';
import { prisma } from '../db.ts';
import { cancelQueuedEmails } from '../email/outbox.ts';
import { InvalidTokenError, NoRedirectUrlError } from '../errors.ts';
import { auditActor, recordAudit } from './audit.ts';
import {
  acceptLink,
  asMember,
  minutesAfter,
  type MemberRow,
  type OrganizationRow,
} from './invitations.ts';
import { findOrganizationId, type OrganizationLocator } from './organization-locator.ts';
import { clientKey, consumeRateLimits, RATE_LIMITS, throttleTokenUse } from './rate-limits.ts';
import { lockOrganization } from './seats.ts';
import { issueSession, type IssuedSession } from './sessions.ts';
import { emailSchema, httpUrlSchema, normalizeEmail, parse } from './validation.ts';

/** How long a sign-in link works. */
export const SIGN_IN_LINK_MINUTES = 15;
/** Sign-in links one address may request per hour, unless configured otherwise (member or not). */
export const SIGN_IN_LINKS_PER_EMAIL_PER_HOUR = RATE_LIMITS.signInPerAddress.defaults.points;

export const SIGN_IN_EMAIL_LIMIT = RATE_LIMITS.signInPerAddress;

const sendSchema = z.object({
  email: emailSchema,
  redirectUrl: httpUrlSchema.nullish(),
  locale: z.enum(['en', 'es', 'fr', 'pt_br']).nullish(),
});

export type SendSignInLinkInput = z.input<typeof sendSchema>;

export interface RedeemedSignInLink {
  member: MemberRow;
  organization: OrganizationRow;
  session: IssuedSession;
}

/**
 * Mails a sign-in link if the address belongs to an ACTIVE member of the organization, killing
 * the member's earlier unused links. Returns normally either way.
 *
 * Whether the address is a member's must not show, not even in how long the answer takes: the
 * member lookup, killing the earlier links, creating the link, queueing its mail and the audit
 * record are one statement whose every part selects from the member lookup, so a stranger's
 * address runs exactly the statements a member's does (test/security-regressions.test.ts
 * compares them), and only the rows written differ.
 */
export async function sendSignInLink(
  ctx: Context,
  locator: OrganizationLocator,
  rawInput: SendSignInLinkInput,
): Promise<void> {
  const input = parse(sendSchema, rawInput);
  const emailNormalized = normalizeEmail(input.email);
  await consumeRateLimits([
    [RATE_LIMITS.signInPerClient, clientKey(ctx.clientAddress)],
    [RATE_LIMITS.signInPerAddress, emailNormalized],
  ]);
  const organizationId = await findOrganizationId(locator);
  if (!organizationId) return;
  const organization = await prisma.organization.findUnique({ where: { id: organizationId } });
  if (!organization) return;
  const redirectUrl = input.redirectUrl ?? organization.defaultRedirectUrl;
  if (!redirectUrl) throw new NoRedirectUrlError();
  // Before looking the address up, so that the answer does not depend on membership.
  assertRedirectAllowed(redirectUrl, organization);

  // Made whether or not it is used: it costs the same either way.
  const { token, hash } = generateToken('signIn');
  const expiresAt = minutesAfter(new Date(), SIGN_IN_LINK_MINUTES);
  const link = acceptLink(redirectUrl, token);
  const locale = input.locale ?? 'en';
  const { actorType, actorId } = auditActor(ctx.caller);
  await prisma.$transaction(async (tx) => {
    // Serializes simultaneous requests (the organization lock every membership change takes
    // first): otherwise each would kill only the links committed before it, and several stay live.
    // It comes before the statement below so that statement's snapshot sees the links committed
    // by whoever held the lock before.
    await lockOrganization(tx, organizationId);
    await tx.$executeRaw`
      WITH target AS (
        SELECT id, email, name FROM members
        WHERE organization_id = ${organizationId}::uuid
          AND email_normalized = ${emailNormalized}
          AND status = 'ACTIVE'
      ),
      superseded AS (
        UPDATE sign_in_links SET token_hash = NULL
        WHERE member_id IN (SELECT id FROM target) AND token_hash IS NOT NULL
        RETURNING id
      ),
      cancelled AS (
        UPDATE email_outbox
        SET status = 'CANCELLED', secret = NULL, locked_by = NULL, locked_until = NULL,
            updated_at = now()
        WHERE sign_in_link_id IN (SELECT id FROM superseded) AND status = 'QUEUED'
        RETURNING id
      ),
      created AS (
        INSERT INTO sign_in_links (organization_id, member_id, token_hash, redirect_url, expires_at)
        SELECT ${organizationId}::uuid, target.id, ${hash}::text, ${redirectUrl}::text,
          ${expiresAt}::timestamptz
        FROM target
        RETURNING id, member_id
      ),
      queued AS (
        INSERT INTO email_outbox
          (kind, to_address, locale, organization_id, sign_in_link_id, payload, secret, updated_at)
        SELECT 'SIGN_IN_LINK', target.email, ${locale}::"Locale", ${organizationId}::uuid,
          created.id,
          jsonb_build_object(
            'organizationName', ${organization.name}::text,
            'recipientName', target.name,
            'expiresAt', ${expiresAt.toISOString()}::text
          ),
          ${link}::text, now()
        FROM created JOIN target ON target.id = created.member_id
        RETURNING id
      )
      INSERT INTO audit_events
        (organization_id, action, actor_type, actor_id, target_type, target_id, data, request_id)
      SELECT ${organizationId}::uuid, 'member.sign_in_link_sent', ${actorType}::"ActorType",
        ${actorId}::text, 'Member', created.member_id::text,
        jsonb_build_object('signInLinkId', created.id::text), ${ctx.requestId}::text
      FROM created`;
  });
}

/** Redeems a sign-in link once for a session; InvalidTokenError for anything else. */
export async function redeemSignInLink(ctx: Context, token: string): Promise<RedeemedSignInLink> {
  await throttleTokenUse(ctx, 'signIn', token);
  if (!looksLike('signIn', token)) throw new InvalidTokenError();
  const tokenHash = hashToken(token);
  return prisma.$transaction(async (tx) => {
    const found = await tx.signInLink.findUnique({
      where: { tokenHash },
      select: { id: true, memberId: true, organizationId: true },
    });
    if (!found) throw new InvalidTokenError();
    // The organization lock first, as in sendSignInLink, so that the two cannot deadlock.
    await lockOrganization(tx, found.organizationId);
    const now = new Date();
    // Conditional: of concurrent redeems of one link exactly one succeeds.
    const claimed = await tx.signInLink.updateMany({
      where: { id: found.id, tokenHash, usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now, tokenHash: null },
    });
    if (claimed.count !== 1) throw new InvalidTokenError();
    const member = await tx.member.findUnique({ where: { id: found.memberId } });
    if (!member || member.status !== 'ACTIVE') throw new InvalidTokenError();
    await cancelQueuedEmails(tx, { signInLinkId: found.id });
    const session = await issueSession(tx, member.id);
    const organization = await tx.organization.findUniqueOrThrow({
      where: { id: member.organizationId },
    });
    await recordAudit(
      tx,
      asMember(member, session.id),
      {
        organizationId: member.organizationId,
        action: 'member.signed_in',
        targetType: 'Member',
        targetId: member.id,
        data: { method: 'sign_in_link' },
      },
      ctx.requestId,
    );
    return { member, organization, session };
  });
}
