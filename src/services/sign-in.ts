// Sign-in by email magic link for existing (ACTIVE) members: send a one-time link, then redeem it
// for a session. Sending answers the same whether or not the address belongs to a member, so the
// operation cannot be used to find out who is a member.
import { z } from 'zod';
import { assertRedirectAllowed } from '../auth/redirect-origins.ts';
import { generateToken, hashToken, looksLike } from '../auth/tokens.ts';
import type { Context } from '../context.ts';
import { prisma } from '../db.ts';
import { cancelQueuedEmails, enqueueEmail } from '../email/outbox.ts';
import { InvalidTokenError, NoRedirectUrlError } from '../errors.ts';
import { recordAudit } from './audit.ts';
import {
  acceptLink,
  asMember,
  minutesAfter,
  type MemberRow,
  type OrganizationRow,
} from './invitations.ts';
import { findOrganizationId, type OrganizationLocator } from './organization-locator.ts';
import { consumeRateLimit, type RateLimit } from './rate-limits.ts';
import { lockOrganization } from './seats.ts';
import { issueSession, type IssuedSession } from './sessions.ts';
import { emailSchema, httpUrlSchema, normalizeEmail, parse } from './validation.ts';

/** How long a sign-in link works. */
export const SIGN_IN_LINK_MINUTES = 15;
/** Sign-in links one address may request per hour (counted whether or not it is a member's). */
export const SIGN_IN_LINKS_PER_EMAIL_PER_HOUR = 10;

export const SIGN_IN_EMAIL_LIMIT: RateLimit = {
  prefix: 'sign-in-email',
  points: SIGN_IN_LINKS_PER_EMAIL_PER_HOUR,
  durationSeconds: 3600,
};

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
 */
export async function sendSignInLink(
  ctx: Context,
  locator: OrganizationLocator,
  rawInput: SendSignInLinkInput,
): Promise<void> {
  const input = parse(sendSchema, rawInput);
  const emailNormalized = normalizeEmail(input.email);
  await consumeRateLimit(SIGN_IN_EMAIL_LIMIT, emailNormalized);
  const organizationId = await findOrganizationId(locator);
  if (!organizationId) return;
  const organization = await prisma.organization.findUnique({ where: { id: organizationId } });
  if (!organization) return;
  const redirectUrl = input.redirectUrl ?? organization.defaultRedirectUrl;
  if (!redirectUrl) throw new NoRedirectUrlError();
  // Before looking the address up, so that the answer does not depend on membership.
  assertRedirectAllowed(redirectUrl, organization);
  const member = await prisma.member.findUnique({
    where: { organizationId_emailNormalized: { organizationId, emailNormalized } },
  });
  if (!member || member.status !== 'ACTIVE') return;

  await prisma.$transaction(async (tx) => {
    // Serializes simultaneous requests (the organization lock every membership change takes
    // first): otherwise each would kill only the links committed before it, and several stay live.
    await lockOrganization(tx, organizationId);
    const now = new Date();
    const earlier = await tx.signInLink.findMany({
      where: { memberId: member.id, tokenHash: { not: null } },
      select: { id: true },
    });
    if (earlier.length) {
      await tx.signInLink.updateMany({
        where: { id: { in: earlier.map((link) => link.id) } },
        data: { tokenHash: null },
      });
      for (const link of earlier) await cancelQueuedEmails(tx, { signInLinkId: link.id });
    }
    const { token, hash } = generateToken('signIn');
    const expiresAt = minutesAfter(now, SIGN_IN_LINK_MINUTES);
    const link = await tx.signInLink.create({
      data: { organizationId, memberId: member.id, tokenHash: hash, redirectUrl, expiresAt },
    });
    await enqueueEmail(tx, {
      kind: 'SIGN_IN_LINK',
      to: member.email,
      locale: input.locale ?? 'en',
      organizationId,
      signInLinkId: link.id,
      payload: {
        organizationName: organization.name,
        recipientName: member.name,
        expiresAt: expiresAt.toISOString(),
      },
      link: acceptLink(redirectUrl, token),
    });
    await recordAudit(
      tx,
      ctx.caller,
      {
        organizationId,
        action: 'member.sign_in_link_sent',
        targetType: 'Member',
        targetId: member.id,
        data: { signInLinkId: link.id },
      },
      ctx.requestId,
    );
  });
}

/** Redeems a sign-in link once for a session; InvalidTokenError for anything else. */
export async function redeemSignInLink(ctx: Context, token: string): Promise<RedeemedSignInLink> {
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
