// Roles: built-in and custom roles of an organization, and the mutations for custom roles.
import { builder } from '../builder.ts';
import { ConflictError, RoleNotGrantableError } from '../errors.ts';
import { resolveOrganizationId } from '../services/organization-locator.ts';
import {
  builtinRoleViews,
  createRole,
  customRoleView,
  deleteRole,
  updateRole,
  type RoleView,
} from '../services/roles.ts';
import { locatorOf, OrganizationRefInput } from './organization.ts';

export const Role = builder.objectRef<RoleView>('Role').implement({
  description:
    'A set of permissions members hold by key: built-in (owner, admin, member) or custom to an organization.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'What Member.roles and invitations refer to.' }),
    name: t.exposeString('name', { description: 'A name for people.' }),
    description: t.exposeString('description', {
      nullable: true,
      description: 'What the role is for; null when none was given.',
    }),
    permissions: t.exposeStringList('permissions', {
      description: '"resource:action" strings, e.g. "invitation:create".',
    }),
    builtIn: t.exposeBoolean('builtIn', {
      description: 'True for owner, admin and member, which cannot be changed.',
    }),
  }),
});

builder.prismaObjectField('Organization', 'roles', (t) =>
  t.field({
    type: [Role],
    nullable: true,
    description:
      'Every role of the organization: the built-in ones first, then custom roles; null, with FORBIDDEN in errors[] at or under this path, without role:read.',
    authScopes: (organization) => ({
      permission: { organizationId: organization.id, permission: 'role:read' },
    }),
    select: { roles: { orderBy: [{ createdAt: 'asc' }, { key: 'asc' }] } },
    resolve: (organization) => [...builtinRoleViews(), ...organization.roles.map(customRoleView)],
  }),
);

const CreateRoleInput = builder.inputType('CreateRoleInput', {
  description: 'A new custom role.',
  fields: (t) => ({
    organization: t.field({
      type: OrganizationRefInput,
      description: 'Required for API keys; a member session defaults to its own.',
    }),
    key: t.string({
      required: true,
      description:
        'Up to 63 lowercase letters, digits, "-" and "_", starting with a letter; unique in the organization; not owner, admin or member.',
    }),
    name: t.string({ required: true, description: 'A name for people.' }),
    description: t.string({ description: 'What the role is for.' }),
    permissions: t.stringList({
      required: true,
      description: 'Permissions you hold yourself, as "resource:action" strings.',
    }),
  }),
});

const UpdateRoleInput = builder.inputType('UpdateRoleInput', {
  description: 'Changes to a custom role; omitted fields stay as they are.',
  fields: (t) => ({
    organization: t.field({
      type: OrganizationRefInput,
      description: 'Required for API keys; a member session defaults to its own.',
    }),
    key: t.string({ required: true, description: 'The role to change.' }),
    name: t.string({ description: 'The new name.' }),
    description: t.string({ description: 'null clears it.' }),
    permissions: t.stringList({
      description:
        'The complete new list. You must hold both the permissions the role had and the new ones.',
    }),
  }),
});

const CreateRolePayload = builder.simpleObject('CreateRolePayload', {
  description: 'The result of createRole.',
  fields: (t) => ({ role: t.field({ type: Role, description: 'The new role.' }) }),
});

const UpdateRolePayload = builder.simpleObject('UpdateRolePayload', {
  description: 'The result of updateRole.',
  fields: (t) => ({ role: t.field({ type: Role, description: 'The role as updated.' }) }),
});

const DeleteRolePayload = builder.simpleObject('DeleteRolePayload', {
  description: 'The result of deleteRole.',
  fields: (t) => ({ deletedRoleKey: t.string({ description: 'The key the role had.' }) }),
});

builder.mutationField('createRole', (t) =>
  t.field({
    type: CreateRolePayload,
    description: 'Creates a custom role (permission role:create).',
    errors: { types: [ConflictError, RoleNotGrantableError] },
    args: { input: t.arg({ type: CreateRoleInput, required: true, description: 'The role.' }) },
    authScopes: (_root, { input }) => ({
      permission: { organization: locatorOf(input.organization), permission: 'role:create' },
    }),
    resolve: async (_root, { input }, ctx) => {
      const organizationId = await resolveOrganizationId(ctx.caller, locatorOf(input.organization));
      return {
        role: await createRole(ctx, organizationId, {
          key: input.key,
          name: input.name,
          description: input.description,
          permissions: input.permissions,
        }),
      };
    },
  }),
);

builder.mutationField('updateRole', (t) =>
  t.field({
    type: UpdateRolePayload,
    description:
      "Changes a custom role's name, description or permissions (permission role:update).",
    errors: { types: [RoleNotGrantableError] },
    args: {
      input: t.arg({ type: UpdateRoleInput, required: true, description: 'What to change.' }),
    },
    authScopes: (_root, { input }) => ({
      permission: { organization: locatorOf(input.organization), permission: 'role:update' },
    }),
    resolve: async (_root, { input }, ctx) => {
      const organizationId = await resolveOrganizationId(ctx.caller, locatorOf(input.organization));
      return {
        role: await updateRole(ctx, organizationId, {
          key: input.key,
          name: input.name,
          description: input.description,
          permissions: input.permissions,
        }),
      };
    },
  }),
);

builder.mutationField('deleteRole', (t) =>
  t.field({
    type: DeleteRolePayload,
    description:
      'Deletes a custom role nobody holds (permission role:delete); ConflictError says how many members and pending invitations still hold it.',
    errors: { types: [ConflictError] },
    args: {
      organization: t.arg({
        type: OrganizationRefInput,
        description: 'Required for API keys; a member session defaults to its own.',
      }),
      key: t.arg.string({ required: true, description: 'The role to delete.' }),
    },
    authScopes: (_root, args) => ({
      permission: { organization: locatorOf(args.organization), permission: 'role:delete' },
    }),
    resolve: async (_root, args, ctx) => {
      const organizationId = await resolveOrganizationId(
        ctx.caller,
        locatorOf(args.organization),
        'organization',
      );
      return { deletedRoleKey: await deleteRole(ctx, organizationId, args.key) };
    },
  }),
);
