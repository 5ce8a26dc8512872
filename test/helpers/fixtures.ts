// Test data made directly in the database, for tests about something else.
import crypto from 'node:crypto';
import { prisma } from '../../src/db.ts';
import { generateToken } from '../../src/auth/tokens.ts';
import { createApiKey } from '../../src/services/api-keys.ts';
import { issueSession } from '../../src/services/sessions.ts';

export function uniqueSlug(prefix = 'org'): string {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
}

export async function newApiKey(name = 'test'): Promise<string> {
  return (await createApiKey(name)).key;
}

export async function newOrganization(
  data: { slug?: string; name?: string; externalId?: string } = {},
) {
  return prisma.organization.create({
    data: {
      slug: data.slug ?? uniqueSlug(),
      name: data.name ?? 'Test Org',
      externalId: data.externalId ?? null,
      defaultRedirectUrl: 'https://app.example.com/accept',
    },
  });
}

export interface MemberWithSession {
  id: string;
  email: string;
  token: string;
  sessionId: string;
}

/** An ACTIVE member with the given roles and a live session. */
export async function newMember(
  organizationId: string,
  roles: string[],
  email = `${crypto.randomBytes(4).toString('hex')}@example.com`,
): Promise<MemberWithSession> {
  return prisma.$transaction(async (tx) => {
    const member = await tx.member.create({
      data: {
        organizationId,
        email,
        emailNormalized: email.toLowerCase(),
        name: email.split('@')[0] ?? null,
        status: 'ACTIVE',
        roles,
        activatedAt: new Date(),
      },
    });
    const session = await issueSession(tx, member.id);
    return { id: member.id, email, token: session.token, sessionId: session.id };
  });
}

export function globalId(typename: string, id: string): string {
  return Buffer.from(`${typename}:${id}`).toString('base64');
}

// Batch set-up for tests that need many callers and targets (the authorization matrix, the
// membership properties): a few statements per call, straight through Prisma, no GraphQL.

/** What a member made by newMembers holds; `token` is set when it has a session. */
export interface SeededMember {
  id: string;
  email: string;
  roles: string[];
  token?: string;
  sessionId?: string;
}

export interface MemberSpec {
  roles: string[];
  status?: 'ACTIVE' | 'INVITED' | 'DEACTIVATED';
  /** A session: live (the default for ACTIVE members), expired, revoked, or none. */
  session?: 'live' | 'expired' | 'revoked' | 'none';
  email?: string;
  trustedMetadata?: Record<string, string>;
  /** Who invited it (a member of the same organization). */
  invitedByMemberId?: string;
}

export function randomAddress(prefix = 'm'): string {
  return `${prefix}-${crypto.randomBytes(5).toString('hex')}@example.com`;
}

/** Members (and their sessions) in one organization, in two statements. */
export async function newMembers(
  organizationId: string,
  specs: readonly MemberSpec[],
): Promise<SeededMember[]> {
  const now = Date.now();
  const rows = specs.map((spec) => {
    const status = spec.status ?? 'ACTIVE';
    const email = spec.email ?? randomAddress();
    return {
      id: crypto.randomUUID(),
      organizationId,
      email,
      emailNormalized: email.toLowerCase(),
      name: email.split('@')[0] ?? null,
      status,
      roles: spec.roles,
      trustedMetadata: spec.trustedMetadata ?? {},
      invitedByMemberId: spec.invitedByMemberId ?? null,
      activatedAt: status === 'INVITED' ? null : new Date(now),
      deactivatedAt: status === 'DEACTIVATED' ? new Date(now) : null,
    };
  });
  await prisma.member.createMany({ data: rows });
  const sessions = specs.map((spec, index) => {
    const kind = spec.session ?? (spec.status && spec.status !== 'ACTIVE' ? 'none' : 'live');
    if (kind === 'none') return null;
    const { token, hash } = generateToken('session');
    return {
      token,
      row: {
        id: crypto.randomUUID(),
        memberId: rows[index]!.id,
        tokenHash: hash,
        expiresAt: new Date(kind === 'expired' ? now - 60_000 : now + 86_400_000),
        revokedAt: kind === 'revoked' ? new Date(now) : null,
        // Recently used, so that the first request does not spend a write on touching it.
        lastUsedAt: new Date(now),
      },
    };
  });
  const live = sessions.filter((session) => session !== null);
  if (live.length) await prisma.memberSession.createMany({ data: live.map((s) => s.row) });
  return rows.map((row, index) => ({
    id: row.id,
    email: row.email,
    roles: row.roles,
    token: sessions[index]?.token,
    sessionId: sessions[index]?.row.id,
  }));
}

/** Custom roles in one organization, in one statement. */
export async function newCustomRoles(
  organizationId: string,
  roles: readonly { key: string; permissions: string[] }[],
): Promise<void> {
  await prisma.customRole.createMany({
    data: roles.map((role) => ({ organizationId, name: role.key, ...role })),
  });
}

export interface SeededInvitation {
  id: string;
  email: string;
  /** The live token; undefined when the invitation is not PENDING. */
  token?: string;
  /** Its INVITED member (null for an invitation that is no longer pending). */
  memberId: string | null;
}

export interface InvitationSpec {
  roles?: string[];
  email?: string;
  status?: 'PENDING' | 'EXPIRED';
  notify?: boolean;
}

/**
 * Invitations as inviteMember would leave them, in a few statements: PENDING with an INVITED
 * member and a live token; or EXPIRED, token dead and no member attached (as after the expiry
 * sweep; a former member's DEACTIVATED row with that address stays as it is).
 */
export async function newInvitations(
  organizationId: string,
  specs: readonly InvitationSpec[],
): Promise<SeededInvitation[]> {
  const now = Date.now();
  const emails = specs.map((spec) => spec.email ?? randomAddress('invitee'));
  const pendingIndexes = specs.flatMap((spec, index) =>
    (spec.status ?? 'PENDING') === 'PENDING' ? [index] : [],
  );
  const members = await newMembers(
    organizationId,
    pendingIndexes.map((index) => ({
      roles: specs[index]!.roles ?? ['member'],
      status: 'INVITED' as const,
      email: emails[index],
    })),
  );
  const memberOf = new Map(pendingIndexes.map((index, n) => [index, members[n]!.id]));
  const rows = specs.map((spec, index) => {
    const status = spec.status ?? 'PENDING';
    const { token, hash } = generateToken('invitation');
    const expiresAt = new Date(status === 'PENDING' ? now + 86_400_000 : now - 60_000);
    const email = emails[index]!;
    return {
      token: status === 'PENDING' ? token : undefined,
      row: {
        id: crypto.randomUUID(),
        organizationId,
        memberId: memberOf.get(index) ?? null,
        email,
        emailNormalized: email.toLowerCase(),
        roles: spec.roles ?? ['member'],
        status,
        tokenHash: status === 'PENDING' ? hash : null,
        expiresAt,
        expiredAt: status === 'EXPIRED' ? expiresAt : null,
        redirectUrl: 'https://app.example.com/accept',
        notify: spec.notify ?? true,
      },
    };
  });
  await prisma.invitation.createMany({ data: rows.map((r) => r.row) });
  return rows.map(({ token, row }) => ({
    id: row.id,
    email: row.email,
    token,
    memberId: row.memberId,
  }));
}

export async function newInvitation(
  organizationId: string,
  spec: InvitationSpec = {},
): Promise<SeededInvitation> {
  return (await newInvitations(organizationId, [spec]))[0]!;
}

/** Live sign-in links for ACTIVE members; their tokens, in order. */
export async function newSignInLinks(
  organizationId: string,
  memberIds: readonly string[],
): Promise<string[]> {
  const links = memberIds.map((memberId) => ({ memberId, ...generateToken('signIn') }));
  await prisma.signInLink.createMany({
    data: links.map((link) => ({
      organizationId,
      memberId: link.memberId,
      tokenHash: link.hash,
      redirectUrl: 'https://app.example.com/sign-in',
      expiresAt: new Date(Date.now() + 15 * 60_000),
    })),
  });
  return links.map((link) => link.token);
}
