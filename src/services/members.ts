// Members: update (roles, name, metadata, restricted access), deactivate, reactivate, update self,
// revoke sessions. The data-dependent rules live here: roles must exist and be grantable, only
// owners touch owner, the last active owner stays, seats are respected.
import { z } from 'zod';
import { isBuiltinRole, type RoleDefinition } from '../auth/permissions.ts';
import type { Context } from '../context.ts';
import { prisma, type Prisma, type Transaction } from '../db.ts';
import {
  ForbiddenError,
  LastOwnerError,
  NotFoundError,
  RoleNotGrantableError,
  UnknownRoleError,
  ValidationError,
} from '../errors.ts';
import { firstUngrantableRole } from '../auth/permissions.ts';
import { recordAudit } from './audit.ts';
import { granterOf, isOwner, type Granter } from './roles.ts';
import { assertSeatAvailable, lockOrganization } from './seats.ts';
import { revokeAllSessions, revokeSession } from './sessions.ts';
import {
  metadataSchema,
  nameSchema,
  isUuid,
  normalizeEmail,
  parse,
  resourceIdsSchema,
  roleKeysSchema,
} from './validation.ts';

/** The organization a member belongs to, or null when there is no such member. */
export async function findMemberOrganizationId(memberId: string): Promise<string | null> {
  if (!isUuid(memberId)) return null;
  const member = await prisma.member.findUnique({
    where: { id: memberId },
    select: { organizationId: true },
  });
  return member?.organizationId ?? null;
}

/** What the scopes need to know of a member acted on: its organization and roles; null if none. */
export async function findMemberTarget(
  memberId: string,
): Promise<{ organizationId: string; roles: string[] } | null> {
  if (!isUuid(memberId)) return null;
  return prisma.member.findUnique({
    where: { id: memberId },
    select: { organizationId: true, roles: true },
  });
}

export function memberByEmailWhere(organizationId: string, email: string) {
  return {
    organizationId_emailNormalized: { organizationId, emailNormalized: normalizeEmail(email) },
  };
}

const updateMemberSchema = z.object({
  /** null clears the name. */
  name: nameSchema.nullish(),
  roles: roleKeysSchema('a member').nullish(),
  trustedMetadata: metadataSchema.nullish(),
  untrustedMetadata: metadataSchema.nullish(),
  /** undefined: unchanged; null: lift the restriction; a list: restrict access to it. */
  restrictedResourceIds: resourceIdsSchema.nullish(),
});

const updateSelfSchema = z.object({
  name: nameSchema.nullish(),
  untrustedMetadata: metadataSchema.nullish(),
});

export type UpdateMemberInput = z.input<typeof updateMemberSchema>;
export type UpdateSelfInput = z.input<typeof updateSelfSchema>;

type MemberRow = Prisma.MemberGetPayload<object>;

async function loadMember(tx: Transaction, memberId: string): Promise<MemberRow> {
  const member = isUuid(memberId) ? await tx.member.findUnique({ where: { id: memberId } }) : null;
  if (!member) throw new NotFoundError('Member');
  return member;
}

/** Throws LastOwnerError when `member` is the organization's only ACTIVE owner. */
async function assertNotLastOwner(tx: Transaction, member: MemberRow): Promise<void> {
  if (member.status !== 'ACTIVE' || !member.roles.includes('owner')) return;
  const otherOwners = await tx.member.count({
    where: {
      organizationId: member.organizationId,
      status: 'ACTIVE',
      roles: { has: 'owner' },
      id: { not: member.id },
    },
  });
  if (otherOwners === 0) throw new LastOwnerError();
}

/**
 * The grant rule for a change of roles: every role added or removed must be one the granter could
 * grant (only owners grant owner), and only owners change an owner's roles at all.
 */
function assertMayChangeRoles(
  granter: Granter,
  before: readonly string[],
  after: readonly string[],
  customRoles: readonly RoleDefinition[],
): void {
  if (granter === 'apiKey') return;
  if (before.includes('owner') && !isOwner(granter)) throw new RoleNotGrantableError('owner');
  const changed = [
    ...after.filter((role) => !before.includes(role)),
    ...before.filter((role) => !after.includes(role)),
  ];
  const ungrantable = firstUngrantableRole(granter, changed, customRoles);
  if (ungrantable) throw new RoleNotGrantableError(ungrantable);
}

/** The part of a member update that an invitation also holds (see membershipTerms). */
function invitationTermsOf(
  data: Prisma.MemberUpdateInput,
): Prisma.InvitationUpdateManyMutationInput {
  const {
    name,
    roles,
    trustedMetadata,
    untrustedMetadata,
    hasRestrictedAccess,
    restrictedResourceIds,
  } = data;
  return {
    name,
    roles,
    trustedMetadata,
    untrustedMetadata,
    hasRestrictedAccess,
    restrictedResourceIds,
  };
}

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((role) => b.includes(role));
}

export async function updateMember(
  ctx: Context,
  memberId: string,
  rawInput: UpdateMemberInput,
): Promise<MemberRow> {
  const input = parse(updateMemberSchema, rawInput);
  if (input.trustedMetadata != null && ctx.caller.kind !== 'apiKey') {
    // The schema's scopes refuse this already; this guards callers outside GraphQL.
    throw new ForbiddenError('Only API keys may write trustedMetadata');
  }
  return prisma.$transaction(async (tx) => {
    const found = await loadMember(tx, memberId);
    const organizationId = found.organizationId;
    // One change of owners at a time per organization, so two concurrent demotions cannot both
    // see "another owner remains".
    await lockOrganization(tx, organizationId);
    const member = await loadMember(tx, memberId);
    const data: Prisma.MemberUpdateInput = {};
    const fields: string[] = [];
    let roles = member.roles;

    if (input.roles && !sameRoles(input.roles, member.roles)) {
      const customRoles = await tx.customRole.findMany({ where: { organizationId } });
      const unknown = input.roles.find(
        (role) => !isBuiltinRole(role) && !customRoles.some((custom) => custom.key === role),
      );
      if (unknown) throw new UnknownRoleError(unknown);
      const granter = await granterOf(tx, ctx.caller, organizationId, customRoles);
      assertMayChangeRoles(granter, member.roles, input.roles, customRoles);
      if (!input.roles.includes('owner')) await assertNotLastOwner(tx, member);
      roles = input.roles;
      data.roles = roles;
      fields.push('roles');
    }

    const restrictedAfter =
      input.restrictedResourceIds === undefined
        ? member.hasRestrictedAccess
        : input.restrictedResourceIds !== null;
    if (restrictedAfter && !sameRoles(roles, ['member'])) {
      throw new ValidationError(
        input.restrictedResourceIds ? 'input.restrictedResourceIds' : 'input.roles',
        'Restricted access is only for members whose roles are exactly ["member"]; pass restrictedResourceIds: null to lift the restriction',
      );
    }
    if (input.restrictedResourceIds !== undefined) {
      data.hasRestrictedAccess = restrictedAfter;
      data.restrictedResourceIds = input.restrictedResourceIds ?? [];
      fields.push('restrictedResourceIds');
    }
    if (input.name !== undefined) {
      data.name = input.name;
      fields.push('name');
    }
    if (input.trustedMetadata != null) {
      data.trustedMetadata = input.trustedMetadata as Prisma.InputJsonObject;
      fields.push('trustedMetadata');
    }
    if (input.untrustedMetadata != null) {
      data.untrustedMetadata = input.untrustedMetadata as Prisma.InputJsonObject;
      fields.push('untrustedMetadata');
    }

    const updated = await tx.member.update({ where: { id: member.id }, data });
    if (member.status === 'INVITED') {
      // Accepting copies the invitation's terms onto the member, so a change made to an INVITED
      // member only lasts if its pending invitation carries it too. The organization lock, which
      // acceptInvitation also takes first, keeps the two from interleaving.
      await tx.invitation.updateMany({
        where: { memberId: member.id, status: 'PENDING' },
        data: invitationTermsOf(data),
      });
    }
    await recordAudit(
      tx,
      ctx.caller,
      {
        organizationId,
        action: 'member.updated',
        targetType: 'Member',
        targetId: member.id,
        data: { fields, rolesBefore: member.roles, rolesAfter: updated.roles },
      },
      ctx.requestId,
    );
    return updated;
  });
}

/** A member session changes its own name and untrusted metadata. */
export async function updateSelf(ctx: Context, rawInput: UpdateSelfInput): Promise<MemberRow> {
  if (ctx.caller.kind !== 'member') throw new ForbiddenError('Only a member session has a self');
  const { memberId, organizationId } = ctx.caller;
  const input = parse(updateSelfSchema, rawInput);
  const data: Prisma.MemberUpdateInput = {};
  if (input.name !== undefined) data.name = input.name;
  if (input.untrustedMetadata != null) {
    data.untrustedMetadata = input.untrustedMetadata as Prisma.InputJsonObject;
  }
  return prisma.$transaction(async (tx) => {
    const updated = await tx.member.update({ where: { id: memberId }, data });
    await recordAudit(
      tx,
      ctx.caller,
      {
        organizationId,
        action: 'member.updated',
        targetType: 'Member',
        targetId: memberId,
        data: { fields: Object.keys(data), self: true },
      },
      ctx.requestId,
    );
    return updated;
  });
}

/**
 * Deactivating takes all of a member's roles away and reactivating gives them back, so both follow
 * the grant rule for every role the member holds: owners only by owners (and API keys), any other
 * role only by someone holding all of its permissions (as updateMember requires for removing it).
 */
async function assertMayTouchRolesOf(
  tx: Transaction,
  ctx: Context,
  member: MemberRow,
  verb: string,
): Promise<void> {
  if (ctx.caller.kind === 'apiKey') return;
  const customRoles = await tx.customRole.findMany({
    where: { organizationId: member.organizationId },
  });
  const granter = await granterOf(tx, ctx.caller, member.organizationId, customRoles);
  if (member.roles.includes('owner') && !isOwner(granter)) {
    throw new ForbiddenError(`Only an owner may ${verb} an owner`);
  }
  const ungrantable = firstUngrantableRole(granter, member.roles, customRoles);
  if (ungrantable) {
    throw new ForbiddenError(
      `You may not ${verb} a member holding the role "${ungrantable}", which you could not grant`,
    );
  }
}

/** ACTIVE → DEACTIVATED; every session of the member is revoked. */
export async function deactivateMember(ctx: Context, memberId: string): Promise<MemberRow> {
  return prisma.$transaction(async (tx) => {
    const { organizationId } = await loadMember(tx, memberId);
    await lockOrganization(tx, organizationId);
    const member = await loadMember(tx, memberId);
    if (member.status === 'INVITED') {
      throw new ValidationError(
        'member',
        'This member has not accepted its invitation yet; use revokeInvitation instead',
      );
    }
    if (member.status === 'DEACTIVATED') {
      throw new ValidationError('member', 'This member is already deactivated');
    }
    await assertMayTouchRolesOf(tx, ctx, member, 'deactivate');
    await assertNotLastOwner(tx, member);
    const updated = await tx.member.update({
      where: { id: member.id },
      data: { status: 'DEACTIVATED', deactivatedAt: new Date() },
    });
    const sessionsRevoked = await revokeAllSessions(tx, member.id);
    await recordAudit(
      tx,
      ctx.caller,
      {
        organizationId,
        action: 'member.deactivated',
        targetType: 'Member',
        targetId: member.id,
        data: { sessionsRevoked },
      },
      ctx.requestId,
    );
    return updated;
  });
}

/** DEACTIVATED → ACTIVE, if a seat is free. */
export async function reactivateMember(ctx: Context, memberId: string): Promise<MemberRow> {
  return prisma.$transaction(async (tx) => {
    const { organizationId } = await loadMember(tx, memberId);
    const organization = await lockOrganization(tx, organizationId);
    const member = await loadMember(tx, memberId);
    if (member.status !== 'DEACTIVATED') {
      throw new ValidationError(
        'member',
        `Only a deactivated member can be reactivated; this one is ${member.status}`,
      );
    }
    await assertMayTouchRolesOf(tx, ctx, member, 'reactivate');
    await assertSeatAvailable(tx, organization);
    const updated = await tx.member.update({
      where: { id: member.id },
      data: { status: 'ACTIVE', deactivatedAt: null },
    });
    await recordAudit(
      tx,
      ctx.caller,
      {
        organizationId,
        action: 'member.reactivated',
        targetType: 'Member',
        targetId: member.id,
      },
      ctx.requestId,
    );
    return updated;
  });
}

/** Signs a member out everywhere; returns the member and how many sessions were live. */
export async function revokeMemberSessions(
  ctx: Context,
  memberId: string,
): Promise<{ member: MemberRow; revokedSessionCount: number }> {
  return prisma.$transaction(async (tx) => {
    const member = await loadMember(tx, memberId);
    const revokedSessionCount = await revokeAllSessions(tx, member.id);
    await recordAudit(
      tx,
      ctx.caller,
      {
        organizationId: member.organizationId,
        action: 'member.sessions_revoked',
        targetType: 'Member',
        targetId: member.id,
        data: { revokedSessionCount },
      },
      ctx.requestId,
    );
    return { member, revokedSessionCount };
  });
}

/** Revokes one of the calling member's own sessions (the current one by default); returns its id. */
export async function signOut(ctx: Context, sessionId?: string): Promise<string> {
  if (ctx.caller.kind !== 'member') throw new ForbiddenError('Only a member session can sign out');
  const id = sessionId ?? ctx.caller.sessionId;
  if (!isUuid(id) || !(await revokeSession(ctx.caller.memberId, id))) {
    throw new NotFoundError('Session', 'You have no live session with this id');
  }
  return id;
}
