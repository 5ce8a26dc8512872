// Member sessions: opaque bearer tokens for frontends, stored as a hash, expiring and revocable.
import { prisma, type Transaction } from '../db.ts';
import { generateToken } from '../auth/tokens.ts';

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

/** Issues a session for an active member, inside the caller's transaction. */
export async function issueSession(tx: Transaction, memberId: string): Promise<IssuedSession> {
  const { token, hash } = generateToken('session');
  const expiresAt = new Date(Date.now() + sessionTtlMinutes * 60_000);
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

/** Revokes every live session of a member (on deactivation, or "sign out everywhere"). */
export async function revokeAllSessions(tx: Transaction, memberId: string): Promise<number> {
  const result = await tx.memberSession.updateMany({
    where: { memberId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return result.count;
}
