// Turns a bearer token into a Caller: an API key, a member session, or nobody.
import { GraphQLError } from 'graphql';
import type { Caller } from '../context.ts';
import { prisma } from '../db.ts';
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

/** The API key a token hashes to (one statement). */
interface ApiKeyRow {
  id: string;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/**
 * The session a token hashes to, with everything the permission scopes need for the caller's own
 * organization: the member's status, organization and roles, and the organization's custom roles
 * among those roles (the only ones permissionsOf looks at). One statement, so a request costs one
 * round trip to know who calls and what it may do.
 */
interface SessionRow {
  id: string;
  memberId: string;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  status: string;
  organizationId: string;
  roles: string[];
  customRoles: RoleDefinition[];
}

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
    const [key] = await prisma.$queryRaw<ApiKeyRow[]>`
      SELECT id::text AS id, revoked_at AS "revokedAt", last_used_at AS "lastUsedAt"
      FROM api_keys WHERE key_hash = ${hashToken(token)}`;
    if (!key || key.revokedAt) throw unauthenticated('Invalid or revoked API key');
    if (stale(key.lastUsedAt, now)) {
      await prisma.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: now } });
    }
    return { kind: 'apiKey', apiKeyId: key.id };
  }
  if (looksLike('session', token)) {
    const [session] = await prisma.$queryRaw<SessionRow[]>`
      SELECT s.id::text AS id, s.member_id::text AS "memberId", s.expires_at AS "expiresAt",
        s.revoked_at AS "revokedAt", s.last_used_at AS "lastUsedAt", m.status::text AS status,
        m.organization_id::text AS "organizationId", m.roles,
        COALESCE(
          (SELECT json_agg(json_build_object('key', r.key, 'permissions', r.permissions))
           FROM custom_roles r
           WHERE r.organization_id = m.organization_id AND r.key = ANY (m.roles)),
          '[]'::json
        ) AS "customRoles"
      FROM member_sessions s JOIN members m ON m.id = s.member_id
      WHERE s.token_hash = ${hashToken(token)}`;
    if (!session || session.revokedAt || session.expiresAt <= now || session.status !== 'ACTIVE') {
      throw unauthenticated('Invalid, expired or revoked session');
    }
    if (stale(session.lastUsedAt, now)) {
      await prisma.memberSession.update({ where: { id: session.id }, data: { lastUsedAt: now } });
    }
    return {
      kind: 'member',
      memberId: session.memberId,
      organizationId: session.organizationId,
      sessionId: session.id,
      standing: {
        roles: session.roles,
        permissions: permissionsOf(session.roles, session.customRoles),
      },
    };
  }
  throw unauthenticated('Unrecognized bearer token');
}
