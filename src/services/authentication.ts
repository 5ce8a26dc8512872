// Turns a bearer token into a Caller: an API key, a member session, or nobody.
import { GraphQLError } from 'graphql';
import type { Caller, MemberRow } from '../context.ts';
import { modelRow, prisma } from '../db.ts';
import { permissionsOf, type RoleDefinition } from '../auth/permissions.ts';
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

/**
 * The session a token hashes to, with its member's whole row and everything the permission scopes
 * need for the caller's own organization: the member's status, organization and roles, and the
 * organization's custom roles among those roles (the only ones permissionsOf looks at). One
 * statement, so a request costs one round trip to know who calls and what it may do, and
 * `viewer { member }` needs none of its own.
 */
type SessionRow = {
  member: Record<string, unknown>;
  sessionId: string;
  sessionExpiresAt: Date;
  sessionRevokedAt: Date | null;
  sessionLastUsedAt: Date | null;
  customRoles: RoleDefinition[];
};

function stale(lastUsedAt: Date | null, now: Date): boolean {
  return !lastUsedAt || now.getTime() - lastUsedAt.getTime() > TOUCH_INTERVAL_MS;
}

export async function authenticate(authorization: string | null): Promise<Caller> {
  if (!authorization) return { kind: 'anonymous' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) throw unauthenticated('The Authorization header must be "Bearer <token>"');
  const token = match[1];
  const now = new Date();
  if (looksLike('apiKey', token)) {
    const key = await prisma.apiKey.findUnique({
      where: { keyHash: hashToken(token) },
      select: { id: true, revokedAt: true, lastUsedAt: true },
    });
    if (!key || key.revokedAt) throw unauthenticated('Invalid or revoked API key');
    if (stale(key.lastUsedAt, now)) {
      await prisma.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: now } });
    }
    return { kind: 'apiKey', apiKeyId: key.id };
  }
  if (looksLike('session', token)) {
    const [row] = await prisma.$queryRaw<SessionRow[]>`
      SELECT s.id::text AS "sessionId", s.expires_at AS "sessionExpiresAt",
        s.revoked_at AS "sessionRevokedAt", s.last_used_at AS "sessionLastUsedAt",
        row_to_json(m) AS member,
        COALESCE(
          (SELECT json_agg(json_build_object('key', r.key, 'permissions', r.permissions))
           FROM custom_roles r
           WHERE r.organization_id = m.organization_id AND r.key = ANY (m.roles)),
          '[]'::json
        ) AS "customRoles"
      FROM member_sessions s JOIN members m ON m.id = s.member_id
      WHERE s.token_hash = ${hashToken(token)}`;
    if (!row) throw unauthenticated('Invalid, expired or revoked session');
    const { sessionId, sessionExpiresAt, sessionRevokedAt, sessionLastUsedAt, customRoles } = row;
    const member = modelRow<MemberRow>(row.member);
    if (sessionRevokedAt || sessionExpiresAt <= now || member.status !== 'ACTIVE') {
      throw unauthenticated('Invalid, expired or revoked session');
    }
    if (stale(sessionLastUsedAt, now)) {
      await prisma.memberSession.update({ where: { id: sessionId }, data: { lastUsedAt: now } });
    }
    return {
      kind: 'member',
      memberId: member.id,
      organizationId: member.organizationId,
      sessionId,
      standing: { roles: member.roles, permissions: permissionsOf(member.roles, customRoles) },
      member,
    };
  }
  throw unauthenticated('Unrecognized bearer token');
}
