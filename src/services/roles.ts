// Roles: the built-in owner/admin/member and each organization's custom roles. Also the "granter"
// (who is changing roles, with what permissions) that the no-escalation rule needs.
import { z } from 'zod';
import {
  BUILTIN_ROLE_KEYS,
  BUILTIN_ROLES,
  isBuiltinRole,
  isPermission,
  permissionsOf,
  type Permission,
  type RoleDefinition,
} from '../auth/permissions.ts';
import type { Caller, Context } from '../context.ts';
import { prisma, type Transaction } from '../db.ts';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RoleNotGrantableError,
  ValidationError,
} from '../errors.ts';
import { recordAudit } from './audit.ts';
import { lockOrganization } from './seats.ts';
import { isUniqueViolation, nameSchema, parse, roleKeySchema } from './validation.ts';

/** A role as the API shows it. */
export interface RoleView {
  key: string;
  name: string;
  description: string | null;
  permissions: string[];
  builtIn: boolean;
}

export function builtinRoleViews(): RoleView[] {
  return BUILTIN_ROLE_KEYS.map((key) => ({
    key,
    name: BUILTIN_ROLES[key].name,
    description: BUILTIN_ROLES[key].description,
    permissions: [...BUILTIN_ROLES[key].permissions],
    builtIn: true,
  }));
}

export function customRoleView(role: {
  key: string;
  name: string;
  description: string | null;
  permissions: string[];
}): RoleView {
  return {
    key: role.key,
    name: role.name,
    description: role.description,
    permissions: role.permissions,
    builtIn: false,
  };
}

/** Whoever changes roles: an API key (may grant anything) or a member with its roles. */
export type Granter = 'apiKey' | { roles: string[]; permissions: ReadonlySet<Permission> };

/** The caller as a granter in `organizationId`, read inside the transaction. */
export async function granterOf(
  tx: Transaction,
  caller: Caller,
  organizationId: string,
  customRoles: readonly RoleDefinition[],
): Promise<Granter> {
  if (caller.kind === 'apiKey') return 'apiKey';
  // The scopes already checked this; services are callable without GraphQL, so check again.
  if (caller.kind !== 'member' || caller.organizationId !== organizationId) {
    throw new ForbiddenError();
  }
  const member = await tx.member.findUnique({
    where: { id: caller.memberId },
    select: { roles: true, status: true },
  });
  return granterFrom(caller, organizationId, member, customRoles);
}

/**
 * granterOf over a row already read: `member` is the calling member's row (roles and status) as
 * read inside the transaction, or null; ignored for an API key.
 */
export function granterFrom(
  caller: Caller,
  organizationId: string,
  member: { roles: string[]; status: string } | null,
  customRoles: readonly RoleDefinition[],
): Granter {
  if (caller.kind === 'apiKey') return 'apiKey';
  if (caller.kind !== 'member' || caller.organizationId !== organizationId) {
    throw new ForbiddenError();
  }
  if (!member || member.status !== 'ACTIVE') throw new ForbiddenError();
  return { roles: member.roles, permissions: permissionsOf(member.roles, customRoles) };
}

export function isOwner(granter: Granter): boolean {
  return granter === 'apiKey' || granter.roles.includes('owner');
}

const customRoleKeySchema = roleKeySchema.refine(
  (key) => !isBuiltinRole(key),
  'owner, admin and member are built-in role keys',
);

const permissionsSchema = z
  .array(
    z.string().refine(isPermission, {
      error: (issue) =>
        `unknown permission "${String(issue.input)}"; permissions are "resource:action" strings such as "member:read"`,
    }),
  )
  .max(100)
  .transform((permissions) => [...new Set(permissions)] as Permission[]);

const descriptionSchema = z.string().trim().max(1000);

const createRoleSchema = z.object({
  key: customRoleKeySchema,
  name: nameSchema,
  description: descriptionSchema.nullish(),
  permissions: permissionsSchema,
});

const updateRoleSchema = z.object({
  key: z.string(),
  name: nameSchema.nullish(),
  description: descriptionSchema.nullish(),
  permissions: permissionsSchema.nullish(),
});

export type CreateRoleInput = z.input<typeof createRoleSchema>;
export type UpdateRoleInput = z.input<typeof updateRoleSchema>;

/** A member may only hand out permissions it holds itself. */
function assertMayGrantPermissions(granter: Granter, key: string, permissions: Iterable<string>) {
  if (granter === 'apiKey') return;
  for (const permission of permissions) {
    if (!isPermission(permission) || !granter.permissions.has(permission)) {
      throw new RoleNotGrantableError(key);
    }
  }
}

/** Every role of an organization: built-ins first, then custom roles by creation. */
export async function listRoles(organizationId: string): Promise<RoleView[]> {
  const custom = await prisma.customRole.findMany({
    where: { organizationId },
    orderBy: [{ createdAt: 'asc' }, { key: 'asc' }],
  });
  return [...builtinRoleViews(), ...custom.map(customRoleView)];
}

export async function createRole(
  ctx: Context,
  organizationId: string,
  rawInput: CreateRoleInput,
): Promise<RoleView> {
  const input = parse(createRoleSchema, rawInput);
  try {
    return await prisma.$transaction(async (tx) => {
      const customRoles = await tx.customRole.findMany({ where: { organizationId } });
      const granter = await granterOf(tx, ctx.caller, organizationId, customRoles);
      assertMayGrantPermissions(granter, input.key, input.permissions);
      const role = await tx.customRole.create({
        data: {
          organizationId,
          key: input.key,
          name: input.name,
          description: input.description ?? null,
          permissions: input.permissions,
        },
      });
      await recordAudit(
        tx,
        ctx.caller,
        {
          organizationId,
          action: 'role.created',
          targetType: 'Role',
          targetId: role.key,
          data: { permissions: role.permissions },
        },
        ctx.requestId,
      );
      return customRoleView(role);
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ConflictError(`A role with the key "${input.key}" already exists`);
    }
    throw error;
  }
}

function assertCustomKey(key: string, field: string) {
  if (isBuiltinRole(key)) {
    throw new ValidationError(field, `The built-in role "${key}" cannot be changed`);
  }
}

export async function updateRole(
  ctx: Context,
  organizationId: string,
  rawInput: UpdateRoleInput,
): Promise<RoleView> {
  const input = parse(updateRoleSchema, rawInput);
  assertCustomKey(input.key, 'input.key');
  return prisma.$transaction(async (tx) => {
    const customRoles = await tx.customRole.findMany({ where: { organizationId } });
    const role = customRoles.find((candidate) => candidate.key === input.key);
    if (!role) throw new NotFoundError('Role', `There is no role "${input.key}"`);
    const granter = await granterOf(tx, ctx.caller, organizationId, customRoles);
    if (input.permissions) {
      // Changing a role's permissions changes what its holders may do: the caller must hold
      // both what the role had (no demoting above oneself) and what it will have.
      assertMayGrantPermissions(granter, role.key, [...role.permissions, ...input.permissions]);
    }
    const updated = await tx.customRole.update({
      where: { id: role.id },
      data: {
        ...(input.name ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.permissions ? { permissions: input.permissions } : {}),
      },
    });
    await recordAudit(
      tx,
      ctx.caller,
      {
        organizationId,
        action: 'role.updated',
        targetType: 'Role',
        targetId: role.key,
        data: { permissionsBefore: role.permissions, permissionsAfter: updated.permissions },
      },
      ctx.requestId,
    );
    return customRoleView(updated);
  });
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Deletes a custom role nobody holds; returns its key. */
export async function deleteRole(
  ctx: Context,
  organizationId: string,
  key: string,
): Promise<string> {
  assertCustomKey(key, 'key');
  return prisma.$transaction(async (tx) => {
    // Serializes with role changes and invitations, which take the same lock, so the role cannot
    // be granted between the count below and the delete.
    await lockOrganization(tx, organizationId);
    const role = await tx.customRole.findUnique({
      where: { organizationId_key: { organizationId, key } },
    });
    if (!role) throw new NotFoundError('Role', `There is no role "${key}"`);
    // INVITED members are counted through their pending invitations.
    const members = await tx.member.count({
      where: { organizationId, status: { in: ['ACTIVE', 'DEACTIVATED'] }, roles: { has: key } },
    });
    const invitations = await tx.invitation.count({
      where: { organizationId, status: 'PENDING', roles: { has: key } },
    });
    if (members + invitations > 0) {
      throw new ConflictError(
        `The role "${key}" is still held by ${plural(members, 'member')} and ${plural(invitations, 'pending invitation')}; change their roles first`,
      );
    }
    await tx.customRole.delete({ where: { id: role.id } });
    await recordAudit(
      tx,
      ctx.caller,
      {
        organizationId,
        action: 'role.deleted',
        targetType: 'Role',
        targetId: key,
        data: { permissions: role.permissions },
      },
      ctx.requestId,
    );
    return key;
  });
}
