// Member: the type and its relations. Root fields and mutations for members live below it.
import { needsOwnerLevel, type Permission } from '../auth/permissions.ts';
import { builder, permissionIn, returnedRow } from '../builder.ts';
import type { Context } from '../context.ts';
import { prisma } from '../db.ts';
import {
  ForbiddenError,
  LastOwnerError,
  NotFoundError,
  RoleNotGrantableError,
  SeatLimitReachedError,
  UnknownRoleError,
} from '../errors.ts';
import {
  deactivateMember,
  findMemberTarget,
  memberByEmailWhere,
  reactivateMember,
  revokeMemberSessions,
  updateMember,
  updateSelf,
} from '../services/members.ts';
import { memberTotalCount, membersWhere } from '../services/invitations/counts.ts';
import { isUuid } from '../services/validation.ts';
import { resolveOrganizationId } from '../services/organization-locator.ts';
import { locatorOf, OrganizationRefInput } from './organization.ts';

export const MemberStatus = builder.enumType('MemberStatus', {
  description: 'Where a member is in its lifecycle.',
  values: {
    INVITED: { description: 'Invited; becomes ACTIVE when the invitation is accepted.' },
    ACTIVE: { description: 'A full member.' },
    DEACTIVATED: { description: 'Removed; can be reactivated.' },
  } as const,
});

export const Member = builder.prismaNode('Member', {
  id: { field: 'id' },
  description: 'A person in an organization.',
  // Select mode: a page reads only the columns its fields ask for. The columns below are always
  // read, cheap, and what a page of members nearly always shows; the fields on them resolve
  // without a select of their own, so that a row a mutation returns (read whole by its service,
  // with no query plan behind it) answers them without another statement. The other fields
  // declare their columns (t.expose in select mode) and are read only when asked.
  select: { id: true, organizationId: true, email: true, name: true, status: true, roles: true },
  // Readable with member:read in its organization; a member session may always read itself.
  authScopes: (member, ctx) =>
    ctx.caller.kind === 'member' && ctx.caller.memberId === member.id
      ? { memberSession: true }
      : permissionIn(ctx, member.organizationId, 'member:read'),
  fields: (t) => ({
    email: t.field({
      type: 'EmailAddress',
      description: 'The address, as given when invited; unique in the organization.',
      resolve: (member) => member.email,
    }),
    name: t.string({
      nullable: true,
      description: 'The name; null when unknown.',
      resolve: (member) => member.name,
    }),
    status: t.field({
      type: MemberStatus,
      description: 'Where the member is in its lifecycle.',
      resolve: (member) => member.status,
    }),
    roles: t.stringList({
      description: 'Role keys: owner, admin, member or custom.',
      resolve: (member) => member.roles,
    }),
    trustedMetadata: t.expose('trustedMetadata', {
      type: 'JSONObject',
      description: 'Written only with an API key.',
    }),
    untrustedMetadata: t.expose('untrustedMetadata', {
      type: 'JSONObject',
      description: 'The member may write its own.',
    }),
    hasRestrictedAccess: t.exposeBoolean('hasRestrictedAccess', {
      description: 'When true, the member sees only restrictedResourceIds.',
    }),
    restrictedResourceIds: t.exposeStringList('restrictedResourceIds', {
      description: 'The resources a restricted member may see; empty unless hasRestrictedAccess.',
    }),
    organization: t.relation('organization', {
      nullable: true,
      description:
        'The organization it belongs to; null, with FORBIDDEN in errors[] at or under this path, without organization:read.',
    }),
    invitedBy: t.relation('invitedBy', {
      nullable: true,
      description: 'The member who invited this one.',
    }),
    activatedAt: t.expose('activatedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it became ACTIVE (accepted); null while INVITED.',
    }),
    deactivatedAt: t.expose('deactivatedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was last deactivated; null unless DEACTIVATED.',
    }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      description: 'When it was invited or created.',
    }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

/** A decoded global id argument. */
type GlobalId = { id: string; typename: string };

/** The member id a global id names, or null when it names something else. */
function memberIdOf(ref: GlobalId): string | null {
  return ref.typename === 'Member' && isUuid(ref.id) ? ref.id : null;
}

/**
 * The scope for acting on one member: `permission` in the member's own organization, and
 * owner-level when the member holds owner (anything but reading; see needsOwnerLevel). A member
 * that does not exist lets API keys through (the service then answers NotFoundError) and refuses
 * member sessions, which never learn whether an id exists outside their organization. With `ctx`,
 * a member session may also act on itself (for reads).
 */
async function memberScope(ref: GlobalId, permission: Permission, ctx?: Context) {
  const memberId = memberIdOf(ref);
  // Reading oneself needs no permission (passed `ctx` only for reads).
  if (ctx?.caller.kind === 'member' && ctx.caller.memberId === memberId) {
    return { memberSession: true };
  }
  const target = memberId ? await findMemberTarget(memberId) : null;
  if (!target) return { apiKey: true };
  return {
    permission: {
      organizationId: target.organizationId,
      permission,
      ownerLevel: needsOwnerLevel(permission, target.roles),
    },
  };
}

/** The service-level id for a global id; a wrong type or malformed id is simply not found. */
function requireMemberId(ref: GlobalId): string {
  const memberId = memberIdOf(ref);
  if (!memberId) throw new NotFoundError('Member');
  return memberId;
}

// Organization.members: declared here so organization.ts stays about organizations.
builder.prismaObjectField('Organization', 'members', (t) =>
  t.relatedConnection(
    'members',
    {
      description:
        'Members of the organization, newest first, filtered by status, role and emailContains (all optional); null, with FORBIDDEN in errors[] at or under this path, without member:read.',
      nullable: true,
      cursor: 'id',
      authScopes: (organization) => ({
        permission: { organizationId: organization.id, permission: 'member:read' },
      }),
      args: {
        status: t.arg({ type: [MemberStatus], description: 'Any of these statuses.' }),
        role: t.arg.string({ description: 'Members holding this role key.' }),
        emailContains: t.arg.string({
          description:
            'Members whose email address contains this text, compared case-insensitively (a substring, not a whole address; % and _ are plain characters).',
        }),
      },
      query: (args) => ({
        where: membersWhere(args),
        orderBy: [{ createdAt: 'desc' as const }, { id: 'desc' as const }],
      }),
    },
    {
      name: 'MemberConnection',
      description: 'A page of members.',
      fields: (tc) => ({
        totalCount: tc.int({
          description:
            "How many members match the filters, on all pages. Filtered by status alone (or not at all) it is read from the organization's counters, without a scan. With role it counts through the roles index; with emailContains it counts the organization's matching members through the addresses' trigram index (a search of two or fewer characters, which has no trigram, still reads them all).",
          resolve: (connection) => memberTotalCount(connection.parent, connection.args),
        }),
      }),
    },
    { name: 'MemberEdge', description: 'A member in a page of members.' },
  ),
);

builder.queryField('member', (t) =>
  t.prismaField({
    type: 'Member',
    description: 'A member by its global id (Member.id).',
    errors: {},
    args: { id: t.arg.globalID({ required: true, description: 'Member.id' }) },
    authScopes: (_root, args, ctx) => memberScope(args.id, 'member:read', ctx),
    resolve: async (query, _root, args) => {
      const member = await prisma.member.findUnique({
        ...query,
        where: { id: requireMemberId(args.id) },
      });
      if (!member) throw new NotFoundError('Member');
      return member;
    },
  }),
);

builder.queryField('memberByEmail', (t) =>
  t.prismaField({
    type: 'Member',
    description:
      'A member of an organization by email, compared case-insensitively (a member session: its own organization when omitted).',
    errors: {},
    args: {
      organization: t.arg({
        type: OrganizationRefInput,
        description: "Which organization; a member session's own when omitted.",
      }),
      email: t.arg({
        type: 'EmailAddress',
        required: true,
        description:
          'The whole address (for a substring, use Organization.members(emailContains:)).',
      }),
    },
    authScopes: (_root, args) => ({
      permission: { organization: locatorOf(args.organization), permission: 'member:read' },
    }),
    resolve: async (query, _root, args, ctx) => {
      const organizationId = await resolveOrganizationId(
        ctx.caller,
        locatorOf(args.organization),
        'organization',
      );
      const member = await prisma.member.findUnique({
        ...query,
        where: memberByEmailWhere(organizationId, args.email),
      });
      if (!member) throw new NotFoundError('Member');
      return member;
    },
  }),
);

const UpdateMemberInput = builder.inputType('UpdateMemberInput', {
  description: 'Changes to a member; omitted fields stay as they are.',
  fields: (t) => ({
    id: t.globalID({ required: true, description: 'The member to change (Member.id).' }),
    name: t.string({ description: 'null clears it.' }),
    roles: t.stringList({
      description:
        'The complete new list of role keys. You may only grant or remove roles whose permissions you hold; only owners grant, remove or change owner.',
    }),
    trustedMetadata: t.field({
      type: 'JSONObject',
      description: 'Replaces the trusted metadata. API keys only.',
    }),
    untrustedMetadata: t.field({
      type: 'JSONObject',
      description: 'Replaces the untrusted metadata.',
    }),
    restrictedResourceIds: t.stringList({
      description:
        'Restrict the member to these resource ids (only for roles exactly ["member"]); null lifts the restriction.',
    }),
  }),
});

const UpdateMemberPayload = builder.simpleObject('UpdateMemberPayload', {
  description: 'The result of updateMember.',
  fields: (t) => ({
    member: t.prismaField({
      type: 'Member',
      nullable: true,
      description:
        'The member as updated; null, with FORBIDDEN in errors[] at or under this path, without member:read (the change is made all the same).',
      resolve: (query, payload) =>
        returnedRow(query, payload, 'member', (id) =>
          prisma.member.findUnique({ ...query, where: { id } }),
        ),
    }),
  }),
});

const DeactivateMemberPayload = builder.simpleObject('DeactivateMemberPayload', {
  description: 'The result of deactivateMember.',
  fields: (t) => ({
    member: t.prismaField({
      type: 'Member',
      nullable: true,
      description:
        'The member, now DEACTIVATED; null, with FORBIDDEN in errors[] at or under this path, without member:read (it is deactivated all the same).',
      resolve: (query, payload) =>
        returnedRow(query, payload, 'member', (id) =>
          prisma.member.findUnique({ ...query, where: { id } }),
        ),
    }),
  }),
});

const ReactivateMemberPayload = builder.simpleObject('ReactivateMemberPayload', {
  description: 'The result of reactivateMember.',
  fields: (t) => ({
    member: t.prismaField({
      type: 'Member',
      nullable: true,
      description:
        'The member, now ACTIVE; null, with FORBIDDEN in errors[] at or under this path, without member:read (it is reactivated all the same).',
      resolve: (query, payload) =>
        returnedRow(query, payload, 'member', (id) =>
          prisma.member.findUnique({ ...query, where: { id } }),
        ),
    }),
  }),
});

const UpdateSelfInput = builder.inputType('UpdateSelfInput', {
  description: "Changes to the calling member's own profile; omitted fields stay as they are.",
  fields: (t) => ({
    name: t.string({ description: 'null clears it.' }),
    untrustedMetadata: t.field({
      type: 'JSONObject',
      description: 'Replaces the untrusted metadata.',
    }),
  }),
});

const UpdateSelfPayload = builder.simpleObject('UpdateSelfPayload', {
  description: 'The result of updateSelf.',
  fields: (t) => ({
    member: t.prismaField({
      type: 'Member',
      description: 'The calling member.',
      resolve: async (query, payload) => {
        const member = await returnedRow(query, payload, 'member', (id) =>
          prisma.member.findUnique({ ...query, where: { id } }),
        );
        if (!member) throw new NotFoundError('Member');
        return member;
      },
    }),
  }),
});

const RevokeMemberSessionsPayload = builder.simpleObject('RevokeMemberSessionsPayload', {
  description: 'The result of revokeMemberSessions.',
  fields: (t) => ({
    member: t.prismaField({
      type: 'Member',
      nullable: true,
      description:
        'The member signed out everywhere; null, with FORBIDDEN in errors[] at or under this path, without member:read (it is signed out all the same).',
      resolve: (query, payload) =>
        returnedRow(query, payload, 'member', (id) =>
          prisma.member.findUnique({ ...query, where: { id } }),
        ),
    }),
    revokedSessionCount: t.int({ description: 'How many sessions were live.' }),
  }),
});

builder.mutationField('updateMember', (t) =>
  t.field({
    type: UpdateMemberPayload,
    description:
      "Changes a member's name, roles, metadata or restricted access (permission member:update; an owner only by owners and API keys).",
    errors: { types: [UnknownRoleError, RoleNotGrantableError, LastOwnerError] },
    args: {
      input: t.arg({ type: UpdateMemberInput, required: true, description: 'What to change.' }),
    },
    authScopes: async (_root, { input }) => {
      const scope = await memberScope(input.id, 'member:update');
      // trustedMetadata is the backend's to write: it needs an API key on top of the permission.
      return input.trustedMetadata == null ? scope : { $all: { ...scope, apiKey: true } };
    },
    unauthorizedError: (_root, { input }, ctx, _info, result) =>
      new ForbiddenError(
        ctx.caller.kind === 'anonymous'
          ? 'Authentication required: send "Authorization: Bearer <API key or session token>"'
          : ctx.caller.kind === 'member' && input.trustedMetadata != null
            ? 'Only API keys may write trustedMetadata'
            : result.message,
      ),
    resolve: async (_root, { input }, ctx) => ({
      member: await updateMember(ctx, requireMemberId(input.id), {
        name: input.name,
        roles: input.roles,
        trustedMetadata: input.trustedMetadata,
        untrustedMetadata: input.untrustedMetadata,
        restrictedResourceIds: input.restrictedResourceIds,
      }),
    }),
  }),
);

builder.mutationField('deactivateMember', (t) =>
  t.field({
    type: DeactivateMemberPayload,
    description:
      'Removes an ACTIVE member: status DEACTIVATED, every session revoked (permission member:delete; an owner only by owners and API keys). Use revokeInvitation for an INVITED one.',
    errors: { types: [LastOwnerError] },
    args: { id: t.arg.globalID({ required: true, description: 'The member (Member.id).' }) },
    authScopes: (_root, args) => memberScope(args.id, 'member:delete'),
    resolve: async (_root, args, ctx) => ({
      member: await deactivateMember(ctx, requireMemberId(args.id)),
    }),
  }),
);

builder.mutationField('reactivateMember', (t) =>
  t.field({
    type: ReactivateMemberPayload,
    description:
      'Makes a DEACTIVATED member ACTIVE again, if the seat limit allows (permission member:update; an owner only by owners and API keys).',
    errors: { types: [SeatLimitReachedError] },
    args: { id: t.arg.globalID({ required: true, description: 'The member (Member.id).' }) },
    authScopes: (_root, args) => memberScope(args.id, 'member:update'),
    resolve: async (_root, args, ctx) => ({
      member: await reactivateMember(ctx, requireMemberId(args.id)),
    }),
  }),
);

builder.mutationField('updateSelf', (t) =>
  t.field({
    type: UpdateSelfPayload,
    description: "Changes the calling member's own name and untrusted metadata (member sessions).",
    errors: {},
    args: {
      input: t.arg({ type: UpdateSelfInput, required: true, description: 'What to change.' }),
    },
    authScopes: { memberSession: true },
    resolve: async (_root, { input }, ctx) => ({
      member: await updateSelf(ctx, {
        name: input.name,
        untrustedMetadata: input.untrustedMetadata,
      }),
    }),
  }),
);

builder.mutationField('revokeMemberSessions', (t) =>
  t.field({
    type: RevokeMemberSessionsPayload,
    description:
      'Signs a member out everywhere: revokes all its sessions (permission member:update; an owner only by owners and API keys).',
    errors: {},
    args: { id: t.arg.globalID({ required: true, description: 'The member (Member.id).' }) },
    authScopes: (_root, args) => memberScope(args.id, 'member:update'),
    resolve: (_root, args, ctx) => revokeMemberSessions(ctx, requireMemberId(args.id)),
  }),
);
