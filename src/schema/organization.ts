// Organization: the type, its settings, and its root fields.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { OWNER_LEVEL_SETTINGS } from '../auth/permissions.ts';
import { builder, permissionIn } from '../builder.ts';
import {
  createOrganization,
  deleteOrganization,
  updateOrganization,
} from '../services/organizations.ts';
import {
  resolveOrganizationId,
  type OrganizationLocator,
} from '../services/organization-locator.ts';
import { prisma } from '../db.ts';
import { ConflictError, RedirectUrlNotAllowedError } from '../errors.ts';

export const InvitePolicy = builder.enumType('InvitePolicy', {
  description: 'Who may be invited.',
  values: {
    ALL_ALLOWED: { description: 'Any email address.' },
    RESTRICTED_TO_DOMAINS: { description: 'Only addresses in allowedEmailDomains.' },
    DISABLED: { description: 'No invitations.' },
  } as const,
});

export const OrganizationRefInput = builder.inputType('OrganizationRef', {
  description:
    'Names an organization by exactly one of its id, slug or external id. A member session may omit it to mean its own organization.',
  isOneOf: true,
  fields: (t) => ({
    id: t.globalID({ description: 'The global id (Organization.id).' }),
    slug: t.string({ description: 'The unique slug (Organization.slug).' }),
    externalId: t.string({ description: "The id in the caller's own system." }),
  }),
});

/** Turns the GraphQL reference into the locator services understand. */
export function locatorOf(
  ref:
    | {
        id?: { id: string; typename: string } | null;
        slug?: string | null;
        externalId?: string | null;
      }
    | null
    | undefined,
): OrganizationLocator | undefined {
  if (!ref) return undefined;
  return {
    id: ref.id
      ? ref.id.typename === 'Organization'
        ? ref.id.id
        : '00000000-0000-0000-0000-000000000000'
      : null,
    slug: ref.slug ?? null,
    externalId: ref.externalId ?? null,
  };
}

const OrganizationSettings = builder.simpleObject('OrganizationSettings', {
  description: 'Invitation and membership policy.',
  fields: (t) => ({
    allowedEmailDomains: t.stringList({
      description: 'Domains invitations may go to (see invitePolicy).',
    }),
    invitePolicy: t.field({ type: InvitePolicy, description: 'Who may be invited.' }),
    seatLimit: t.int({
      nullable: true,
      description: 'Active members plus pending invitations may not exceed this.',
    }),
    pendingInvitationLimit: t.int({ nullable: true, description: 'Cap on pending invitations.' }),
    defaultInviteExpirationMinutes: t.int({
      nullable: true,
      description: 'Used when an invite gives no expirationMinutes (else 10080, seven days).',
    }),
    defaultRedirectUrl: t.string({
      nullable: true,
      description: 'Used when an invite gives no redirectUrl.',
    }),
    allowedRedirectOrigins: t.stringList({
      description:
        "Origins the organization's links may point to, within the server's REDIRECT_ORIGINS; empty: all of those.",
    }),
  }),
});

export const Organization = builder.prismaNode('Organization', {
  id: { field: 'id' },
  description: 'A customer organization (a tenant) with its members and invitations.',
  authScopes: (organization, ctx) => permissionIn(ctx, organization.id, 'organization:read'),
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Unique, URL-safe name.' }),
    externalId: t.exposeString('externalId', {
      nullable: true,
      description: "The id in the caller's own system; null when none was set.",
    }),
    name: t.exposeString('name', { description: 'The display name.' }),
    settings: t.field({
      type: OrganizationSettings,
      description: 'Invitation and membership policy.',
      select: {
        allowedEmailDomains: true,
        invitePolicy: true,
        seatLimit: true,
        pendingInvitationLimit: true,
        defaultInviteExpirationMinutes: true,
        defaultRedirectUrl: true,
        allowedRedirectOrigins: true,
      },
      resolve: (organization) => organization,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

const OrganizationSettingsInput = builder.inputType('OrganizationSettingsInput', {
  description:
    'Settings to change; omitted fields stay as they are, null clears a limit. Where links point (defaultRedirectUrl, allowedRedirectOrigins) and who may join (invitePolicy, allowedEmailDomains) are owner-level: owners and API keys only.',
  fields: (t) => ({
    allowedEmailDomains: t.stringList({ description: 'Owner-level.' }),
    invitePolicy: t.field({ type: InvitePolicy, description: 'Owner-level.' }),
    seatLimit: t.int({
      description: 'Most active members plus pending invitations (at least 1); null: no limit.',
    }),
    pendingInvitationLimit: t.int({
      description: 'Most pending invitations at once (at least 1); null: no limit.',
    }),
    defaultInviteExpirationMinutes: t.int({ description: '5 to 10080.' }),
    defaultRedirectUrl: t.string({
      description:
        'An http(s) URL on an allowed origin (REDIRECT_ORIGINS and allowedRedirectOrigins). Owner-level.',
    }),
    allowedRedirectOrigins: t.stringList({
      description:
        "Origins (scheme://host[:port]) the organization's links may point to, each within the server's REDIRECT_ORIGINS; [] or null: all of those. Owner-level.",
    }),
  }),
});

/** Whether a settings change touches an owner-level setting (see OWNER_LEVEL_SETTINGS). */
function touchesOwnerLevelSettings(settings: object | null | undefined): boolean {
  if (!settings) return false;
  const given = settings as Record<string, unknown>;
  return OWNER_LEVEL_SETTINGS.some((name) => given[name] !== undefined);
}

const CreateOrganizationInput = builder.inputType('CreateOrganizationInput', {
  description: 'A new organization and its settings.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'The display name.' }),
    slug: t.string({
      required: true,
      description:
        'Unique; lowercase letters, digits and inner hyphens (ConflictError when taken).',
    }),
    externalId: t.string({
      description: "The id in the caller's own system; unique (ConflictError when taken).",
    }),
    settings: t.field({ type: OrganizationSettingsInput, description: 'Default: no limits.' }),
  }),
});

const UpdateOrganizationInput = builder.inputType('UpdateOrganizationInput', {
  description: 'Changes to an organization; omitted fields stay as they are.',
  fields: (t) => ({
    organization: t.field({
      type: OrganizationRefInput,
      description: "The organization to change; a member session's own when omitted.",
    }),
    name: t.string({ description: 'The new display name.' }),
    slug: t.string({ description: 'The new slug (ConflictError when taken).' }),
    externalId: t.string({ description: 'null clears it (ConflictError when taken).' }),
    settings: t.field({
      type: OrganizationSettingsInput,
      description: 'Settings to change; omitted ones stay.',
    }),
  }),
});

const OrganizationPayload = builder.simpleObject('OrganizationPayload', {
  description: 'The organization as it is after the change.',
  fields: (t) => ({
    organization: t.field({
      type: Organization,
      nullable: true,
      description:
        'The organization, changed; null, with FORBIDDEN in errors[] at or under this path, without organization:read (the change is made all the same).',
    }),
  }),
});

const DeleteOrganizationPayload = builder.simpleObject('DeleteOrganizationPayload', {
  description: 'What was deleted.',
  fields: (t) => ({ deletedOrganizationId: t.id({ description: 'The global id it had.' }) }),
});

builder.queryField('organization', (t) =>
  t.prismaField({
    type: 'Organization',
    description:
      'An organization by id, slug or external id (a member session: its own when omitted).',
    errors: {},
    authScopes: (_root, args) => ({
      permission: { organization: locatorOf(args.by), permission: 'organization:read' },
    }),
    args: {
      by: t.arg({
        type: OrganizationRefInput,
        description:
          "Which organization; a member session's own when omitted (API keys must give it).",
      }),
    },
    resolve: async (query, _root, args, ctx) => {
      const id = await resolveOrganizationId(ctx.caller, locatorOf(args.by), 'by');
      return prisma.organization.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('createOrganization', (t) =>
  t.field({
    type: OrganizationPayload,
    description: 'Creates an organization (API keys only). Add its first owner with inviteMember.',
    errors: { types: [ConflictError, RedirectUrlNotAllowedError] },
    authScopes: { apiKey: true },
    args: {
      input: t.arg({
        type: CreateOrganizationInput,
        required: true,
        description: 'The organization.',
      }),
    },
    resolve: async (_root, { input }, ctx) => ({
      organization: await createOrganization(ctx, {
        name: input.name,
        slug: input.slug,
        externalId: input.externalId,
        ...input.settings,
        defaultRedirectUrl: input.settings?.defaultRedirectUrl,
      }),
    }),
  }),
);

builder.mutationField('updateOrganization', (t) =>
  t.field({
    type: OrganizationPayload,
    description:
      'Changes the name, slug, external id or settings (permission organization:update; owner-level settings need an owner or an API key).',
    errors: { types: [ConflictError, RedirectUrlNotAllowedError] },
    authScopes: (_root, { input }) => ({
      permission: {
        organization: locatorOf(input.organization),
        permission: 'organization:update',
        ownerLevel: touchesOwnerLevelSettings(input.settings),
      },
    }),
    args: {
      input: t.arg({
        type: UpdateOrganizationInput,
        required: true,
        description: 'What to change.',
      }),
    },
    resolve: async (_root, { input }, ctx) => {
      const id = await resolveOrganizationId(ctx.caller, locatorOf(input.organization));
      return {
        organization: await updateOrganization(ctx, id, {
          name: input.name,
          slug: input.slug,
          externalId: input.externalId,
          ...input.settings,
        }),
      };
    },
  }),
);

builder.mutationField('deleteOrganization', (t) =>
  t.field({
    type: DeleteOrganizationPayload,
    description: 'Deletes the organization with all its members, invitations and roles.',
    errors: {},
    authScopes: (_root, args) => ({
      permission: { organization: locatorOf(args.organization), permission: 'organization:delete' },
    }),
    args: {
      organization: t.arg({
        type: OrganizationRefInput,
        description: "The organization to delete; a member session's own when omitted.",
      }),
    },
    resolve: async (_root, args, ctx) => {
      const id = await resolveOrganizationId(
        ctx.caller,
        locatorOf(args.organization),
        'organization',
      );
      await deleteOrganization(id);
      return { deletedOrganizationId: encodeGlobalID('Organization', id) };
    },
  }),
);
