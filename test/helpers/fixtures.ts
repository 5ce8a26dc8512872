// Test data made directly in the database, for tests about something else.
import crypto from 'node:crypto';
import { prisma } from '../../src/db.ts';
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
