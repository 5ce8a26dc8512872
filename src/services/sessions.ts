// Member sessions: opaque bearer tokens for frontends, stored as a hash, expiring and revocable.
import { prisma, type Transaction } from '../db.ts';
import { generateToken } from '../auth/tokens.ts';
import { cancelQueuedEmails } from '../email/outbox.ts';

// 30 days unless the server sets SESSION_TTL_MINUTES (src/server.ts).
let sessionTtlMinutes = 60 * 24 * 30;

export function setSessionTtlMinutes(minutes: number): void {
  sessionTtlMinutes = minutes;
}

export interface IssuedSession {
  id: string;
  token: string;
  expiresAt: Date;
}

/** A new session's token, the hash stored for it, and its expiry; the row is the caller's to write. */
export function newSessionToken(): { token: string; hash: string; expiresAt: Date } {
  const { token, hash } = generateToken('session');
  return { token, hash, expiresAt: new Date(Date.now() + sessionTtlMinutes * 60_000) };
}

/** Issues a session for an active member, inside the caller's transaction. */
export async function issueSession(tx: Transaction, memberId: string): Promise<IssuedSession> {
  const { token, hash, expiresAt } = newSessionToken();
  const session = await tx.memberSession.create({ data: { memberId, tokenHash: hash, expiresAt } });
  return { id: session.id, token, expiresAt };
}

/** Revokes one session of a member; returns whether it was live. */
export async function revokeSession(memberId: string, sessionId: string): Promise<boolean> {
  const result = await prisma.memberSession.updateMany({
    where: { id: sessionId, memberId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return result.count > 0;
}

/**
 * Revokes every live session of a member (on deactivation, or "sign out everywhere"), and kills
 * its unused sign-in links with their unsent mail, since each would mint a new session.
 */
export async function revokeAllSessions(tx: Transaction, memberId: string): Promise<number> {
  const result = await tx.memberSession.updateMany({
    where: { memberId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  const links = await tx.signInLink.findMany({
    where: { memberId, tokenHash: { not: null } },
    select: { id: true },
  });
  if (links.length) {
    await tx.signInLink.updateMany({
      where: { id: { in: links.map((link) => link.id) } },
      data: { tokenHash: null },
    });
    for (const link of links) await cancelQueuedEmails(tx, { signInLinkId: link.id });
  }
  return result.count;
}
