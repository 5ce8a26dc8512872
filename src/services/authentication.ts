// Turns a bearer token into a Caller: an API key, a member session, or nobody.
import { GraphQLError } from 'graphql';
import type { Caller } from '../context.ts';
import { prisma } from '../db.ts';
import { hashToken, looksLike } from '../auth/tokens.ts';

/** lastUsedAt is written at most this often per key or session, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'UNAUTHENTICATED',
      http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
    },
  });
}

export async function authenticate(authorization: string | null): Promise<Caller> {
  if (!authorization) return { kind: 'anonymous' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) throw unauthenticated('The Authorization header must be "Bearer <token>"');
  const token = match[1];
  const now = new Date();
  if (looksLike('apiKey', token)) {
    const key = await prisma.apiKey.findUnique({ where: { keyHash: hashToken(token) } });
    if (!key || key.revokedAt) throw unauthenticated('Invalid or revoked API key');
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      await prisma.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: now } });
    }
    return { kind: 'apiKey', apiKeyId: key.id };
  }
  if (looksLike('session', token)) {
    const session = await prisma.memberSession.findUnique({
      where: { tokenHash: hashToken(token) },
      include: { member: { select: { status: true, organizationId: true } } },
    });
    if (
      !session ||
      session.revokedAt ||
      session.expiresAt <= now ||
      session.member.status !== 'ACTIVE'
    ) {
      throw unauthenticated('Invalid, expired or revoked session');
    }
    if (!session.lastUsedAt || now.getTime() - session.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      await prisma.memberSession.update({ where: { id: session.id }, data: { lastUsedAt: now } });
    }
    return {
      kind: 'member',
      memberId: session.memberId,
      organizationId: session.member.organizationId,
      sessionId: session.id,
    };
  }
  throw unauthenticated('Unrecognized bearer token');
}
