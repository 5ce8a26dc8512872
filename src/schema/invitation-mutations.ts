// The invitation mutations: invite (one or many), resend, revoke, and the token holder's accept
// and decline. Resolvers translate arguments and call src/services/invitations.ts.
import type { Permission } from '../auth/permissions.ts';
import { AUTHENTICATION_REQUIRED, builder, returnedRow } from '../builder.ts';
import { prisma } from '../db.ts';
import {
  AlreadyInvitedError,
  AlreadyMemberError,
  DomainNotAllowedError,
  ForbiddenError,
  InvalidTokenError,
  InvitationNotPendingError,
  InvitesDisabledError,
  NoRedirectUrlError,
  PendingInvitationLimitError,
  RateLimitedError,
  RedirectUrlNotAllowedError,
  RoleNotGrantableError,
  RosterError,
  SeatLimitReachedError,
  UnknownRoleError,
} from '../errors.ts';
import {
  acceptInvitation,
  declineInvitation,
  inviteMember,
  inviteMembers,
  resendInvitation,
  revokeInvitation,
  type InviteMemberInput as InviteMemberServiceInput,
  type InviteResult,
} from '../services/invitations.ts';
import {
  resolveOrganizationId,
  resolveOrganizationIdUnchecked,
} from '../services/organization-locator.ts';
import {
  Invitation,
  InvitationPreview,
  invitationScope,
  IssuedSession,
  Locale,
  requireInvitationId,
  SessionMember,
  SessionOrganization,
  type GlobalId,
} from './invitation.ts';
import { Member } from './member.ts';
import { locatorOf, Organization, OrganizationRefInput } from './organization.ts';

/** Everything inviteMember can answer besides the payload (and Forbidden/NotFound/Validation). */
const INVITE_ERRORS = [
  AlreadyMemberError,
  AlreadyInvitedError,
  DomainNotAllowedError,
  InvitesDisabledError,
  SeatLimitReachedError,
  PendingInvitationLimitError,
  UnknownRoleError,
  RoleNotGrantableError,
  NoRedirectUrlError,
  RedirectUrlNotAllowedError,
  RateLimitedError,
];

// inviteMember and each item of inviteMembers share one result union, InviteMemberResult. The
// errors plugin creates a union once per result-type name, so both name the same one.
const INVITE_RESULT = {
  types: INVITE_ERRORS,
  result: { name: 'InviteMemberSuccess' },
  union: {
    name: 'InviteMemberResult',
    description: "One invitation's outcome: its payload, or one of the typed errors it can meet.",
  },
};

const inviteFields = {
  name: "The invitee's name (the member's until they change it).",
  roles: 'Role keys granted on accepting; default ["member"].',
  redirectUrl:
    "An http(s) URL the emailed link points to, with ?token= added; default: the organization's defaultRedirectUrl. Its origin must be allowed (REDIRECT_ORIGINS and the organization's allowedRedirectOrigins); a member session, when the organization lists no origins of its own, may only use the default's origin.",
  templateId: 'A custom email template (letters, digits, "_", "-").',
  expirationMinutes:
    "5 to 10080; default: the organization's defaultInviteExpirationMinutes, else 10080 (7 days).",
  trustedMetadata: 'Copied to the member on accepting. API keys only.',
  invitedByMemberId:
    'API keys only: the ACTIVE member (Member.id) the invitation is sent on behalf of. A member session always invites as itself.',
  restrictedResourceIds:
    'Restricts the member to these resource ids (only when roles are exactly ["member"]). Omit for full access.',
  notify:
    'Default true: Roster emails the link. false (API keys only): no email; the payload returns acceptUrl for you to deliver.',
  resendIfPending:
    'If the address already has a pending invitation: rotate its token, renew its expiry, apply the fields given and send it again (instead of AlreadyInvitedError). Needs invitation:resend as well, and the right to grant both its old and its new roles.',
} as const;

/** How an invitation is sent: what decides the permissions an invite needs. */
interface SendOptions {
  notify?: boolean | null;
  resendIfPending?: boolean | null;
}

/**
 * The scope of inviteMember(s): invitation:create, plus invitation:resend when a pending
 * invitation may be re-sent (resendIfPending), plus an API key when the accept link would come
 * back to the caller (notify: false) rather than go to the invitee.
 */
function inviteScope(
  organization: Parameters<typeof locatorOf>[0],
  invitations: readonly SendOptions[],
  defaults: SendOptions = {},
) {
  const effective = invitations.map((item) => ({
    notify: item.notify ?? defaults.notify,
    resendIfPending: item.resendIfPending ?? defaults.resendIfPending,
  }));
  const permission: Permission[] = ['invitation:create'];
  if (effective.some((item) => item.resendIfPending)) permission.push('invitation:resend');
  const scope = { permission: { organization: locatorOf(organization), permission } };
  return effective.some((item) => item.notify === false)
    ? { $all: { ...scope, apiKey: true } }
    : scope;
}

/** Why an invite was refused by its scope: a member session asking for the link says so. */
function inviteRefusal(
  caller: { kind: string },
  invitations: readonly SendOptions[],
  defaults: SendOptions,
  message: string,
): ForbiddenError {
  if (caller.kind === 'anonymous') return new ForbiddenError(AUTHENTICATION_REQUIRED);
  const wantsLink = invitations.some((item) => (item.notify ?? defaults.notify) === false);
  return new ForbiddenError(
    wantsLink
      ? 'Only API keys may use notify: false: the accept link would come back to the caller'
      : message,
  );
}

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** The fields of one invitation, shared by inviteMember's input and inviteMembers' items. */
function invitationFields(t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>) {
  return {
    email: t.field({
      type: 'EmailAddress',
      required: true,
      description: 'The address to invite, compared case-insensitively.',
    }),
    name: t.string({ description: inviteFields.name }),
    roles: t.stringList({ description: inviteFields.roles }),
    redirectUrl: t.string({ description: inviteFields.redirectUrl }),
    templateId: t.string({ description: inviteFields.templateId }),
    locale: t.field({ type: Locale, description: 'The email language; default EN.' }),
    expirationMinutes: t.int({ description: inviteFields.expirationMinutes }),
    trustedMetadata: t.field({ type: 'JSONObject', description: inviteFields.trustedMetadata }),
    untrustedMetadata: t.field({ type: 'JSONObject', description: 'Copied to the member.' }),
    invitedByMemberId: t.globalID({ description: inviteFields.invitedByMemberId }),
    restrictedResourceIds: t.stringList({ description: inviteFields.restrictedResourceIds }),
    notify: t.boolean({ description: inviteFields.notify }),
    resendIfPending: t.boolean({ description: inviteFields.resendIfPending }),
  };
}

const InviteMemberItem = builder.inputType('InviteMemberItem', {
  description: 'One invitation in inviteMembers; unset fields take the batch defaults.',
  fields: (t) => invitationFields(t),
});

const InviteMemberInput = builder.inputType('InviteMemberInput', {
  description: 'Who to invite, with what roles, and how.',
  fields: (t) => ({
    organization: t.field({
      type: OrganizationRefInput,
      description: "Required with an API key; a member session's own organization otherwise.",
    }),
    ...invitationFields(t),
  }),
});

const InviteMembersInput = builder.inputType('InviteMembersInput', {
  description: 'Up to 100 invitations, with defaults for the fields they leave unset.',
  fields: (t) => ({
    organization: t.field({
      type: OrganizationRefInput,
      description: "Required with an API key; a member session's own organization otherwise.",
    }),
    invitations: t.field({
      type: [InviteMemberItem],
      required: true,
      description: '1 to 100 invitations, processed in order, each on its own.',
    }),
    roles: t.stringList({ description: inviteFields.roles }),
    redirectUrl: t.string({ description: inviteFields.redirectUrl }),
    locale: t.field({ type: Locale, description: 'Default EN.' }),
    expirationMinutes: t.int({ description: inviteFields.expirationMinutes }),
    notify: t.boolean({ description: inviteFields.notify }),
    resendIfPending: t.boolean({ description: inviteFields.resendIfPending }),
  }),
});

type InviteItemArgs = {
  invitedByMemberId?: GlobalId | null;
} & Omit<InviteMemberServiceInput, 'invitedByMemberId'>;

/** The service input for one invitation; a global id of anything but a Member names no one. */
function serviceInput(item: InviteItemArgs): InviteMemberServiceInput {
  const { invitedByMemberId, ...rest } = item;
  return {
    ...rest,
    invitedByMemberId:
      invitedByMemberId == null
        ? invitedByMemberId
        : invitedByMemberId.typename === 'Member'
          ? invitedByMemberId.id
          : 'not-a-member',
  };
}

const InviteMemberPayload = builder.simpleObject('InviteMemberPayload', {
  description: 'The invitation sent, the INVITED member it created, and the organization.',
  fields: (t) => ({
    invitation: t.prismaField({
      type: 'Invitation',
      nullable: true,
      description:
        'The invitation, PENDING; null, with FORBIDDEN in errors[] at or under this path, without invitation:read (it is sent all the same).',
      resolve: (query, payload) =>
        returnedRow(query, payload, 'invitation', (id) =>
          prisma.invitation.findUnique({ ...query, where: { id } }),
        ),
    }),
    member: t.prismaField({
      type: 'Member',
      nullable: true,
      description:
        'The member it created, INVITED until accepted; null, with FORBIDDEN in errors[] at or under this path, without member:read.',
      resolve: (query, payload) =>
        returnedRow(query, payload, 'member', (id) =>
          prisma.member.findUnique({ ...query, where: { id } }),
        ),
    }),
    organization: t.field({
      type: Organization,
      nullable: true,
      description:
        'The organization invited to; null, with FORBIDDEN in errors[] at or under this path, without organization:read.',
    }),
    acceptUrl: t.string({
      nullable: true,
      description:
        'With notify: false, the accept link (redirect URL with ?token=) for you to deliver; null when Roster emails it.',
    }),
  }),
});

const InviteMembersPayload = builder
  .objectRef<{ results: (InviteResult | RosterError)[] }>('InviteMembersPayload')
  .implement({
    description: 'One result per invitation, in the order given.',
    fields: (t) => ({
      results: t.field({
        type: [InviteMemberPayload],
        description:
          'One per invitation given, in the same order: its payload or its typed error (an error for one does not stop the others).',
        itemErrors: INVITE_RESULT,
        // The errors plugin turns the error items into their typed results at run time; the
        // field's static type knows only the payload.
        resolve: (payload) => payload.results as InviteResult[],
      }),
    }),
  });

builder.mutationField('inviteMember', (t) =>
  t.field({
    type: InviteMemberPayload,
    description:
      'Invites an address into an organization: creates the invitation and an INVITED member in one transaction and queues the email (permission invitation:create).',
    errors: INVITE_RESULT,
    authScopes: (_root, { input }) => inviteScope(input.organization, [input]),
    unauthorizedError: (_root, { input }, ctx, _info, result) =>
      inviteRefusal(ctx.caller, [input], {}, result.message),
    args: {
      input: t.arg({ type: InviteMemberInput, required: true, description: 'Who and how.' }),
    },
    resolve: async (_root, { input }, ctx) => {
      const { organization, ...fields } = input;
      // The invite's locked read of the organization is its existence check.
      const organizationId = await resolveOrganizationIdUnchecked(
        ctx.caller,
        locatorOf(organization),
      );
      return inviteMember(ctx, organizationId, serviceInput(fields));
    },
  }),
);

builder.mutationField('inviteMembers', (t) =>
  t.field({
    type: InviteMembersPayload,
    description:
      'Invites up to 100 addresses, each on its own: one result per invitation, a payload or its typed error (permission invitation:create).',
    errors: {},
    authScopes: (_root, { input }) => inviteScope(input.organization, input.invitations, input),
    unauthorizedError: (_root, { input }, ctx, _info, result) =>
      inviteRefusal(ctx.caller, input.invitations, input, result.message),
    args: {
      input: t.arg({
        type: InviteMembersInput,
        required: true,
        description: 'The invitations and their defaults.',
      }),
    },
    resolve: async (_root, { input }, ctx) => {
      const { organization, invitations, ...defaults } = input;
      const organizationId = await resolveOrganizationId(ctx.caller, locatorOf(organization));
      return {
        results: await inviteMembers(ctx, organizationId, invitations.map(serviceInput), defaults),
      };
    },
  }),
);

const ResendInvitationPayload = builder.simpleObject('ResendInvitationPayload', {
  description: 'The invitation with its new token and expiry.',
  fields: (t) => ({
    invitation: t.prismaField({
      type: 'Invitation',
      nullable: true,
      description:
        'The invitation, PENDING again; null, with FORBIDDEN in errors[] at or under this path, without invitation:read (it is resent all the same).',
      resolve: (query, payload) =>
        returnedRow(query, payload, 'invitation', (id) =>
          prisma.invitation.findUnique({ ...query, where: { id } }),
        ),
    }),
    acceptUrl: t.string({
      nullable: true,
      description: 'For an invitation with notify: false, the new accept link; else null.',
    }),
  }),
});

builder.mutationField('resendInvitation', (t) =>
  t.field({
    type: ResendInvitationPayload,
    description:
      'Sends an invitation again with a new token (the old link stops working, its unsent mail is cancelled) and a renewed expiry (permission invitation:resend). Like any send it follows the organization’s current invite policy (InvitesDisabledError, DomainNotAllowedError). A PENDING one is simply re-sent. An EXPIRED one is revived to PENDING if it could be sent today: no other pending invitation or active member with that address, a free seat and pending slot, its roles still existing; otherwise the matching error. ACCEPTED, DECLINED and REVOKED ones give InvitationNotPendingError. Like a new invite, the caller must be allowed to grant its roles (RoleNotGrantableError), an invitation granting owner needs an owner, and its redirect URL must still be allowed (RedirectUrlNotAllowedError). For an invitation made with notify: false the new link is returned instead of mailed: API keys only.',
    errors: {
      types: [
        InvitationNotPendingError,
        AlreadyInvitedError,
        AlreadyMemberError,
        DomainNotAllowedError,
        InvitesDisabledError,
        SeatLimitReachedError,
        PendingInvitationLimitError,
        UnknownRoleError,
        RoleNotGrantableError,
        RedirectUrlNotAllowedError,
        RateLimitedError,
      ],
    },
    authScopes: (_root, args) =>
      invitationScope(args.id, 'invitation:resend', { returnsLink: true }),
    args: {
      id: t.arg.globalID({ required: true, description: 'The invitation (Invitation.id).' }),
      expirationMinutes: t.arg.int({
        description:
          "5 to 10080; default: the organization's defaultInviteExpirationMinutes, else 10080.",
      }),
    },
    resolve: (_root, args, ctx) =>
      resendInvitation(ctx, requireInvitationId(args.id), {
        expirationMinutes: args.expirationMinutes,
      }),
  }),
);

const RevokeInvitationPayload = builder.simpleObject('RevokeInvitationPayload', {
  description: 'The revoked invitation.',
  fields: (t) => ({
    invitation: t.prismaField({
      type: 'Invitation',
      nullable: true,
      description:
        'The invitation, now REVOKED; null, with FORBIDDEN in errors[] at or under this path, without invitation:read (it is revoked all the same).',
      resolve: (query, payload) =>
        returnedRow(query, payload, 'invitation', (id) =>
          prisma.invitation.findUnique({ ...query, where: { id } }),
        ),
    }),
  }),
});

builder.mutationField('revokeInvitation', (t) =>
  t.field({
    type: RevokeInvitationPayload,
    description:
      'Revokes a PENDING (or expired) invitation: its link stops working, unsent mail is cancelled, and the INVITED member is removed (permission invitation:revoke; one granting owner only by owners and API keys). Accepted, declined or revoked ones give InvitationNotPendingError.',
    errors: { types: [InvitationNotPendingError] },
    authScopes: (_root, args) => invitationScope(args.id, 'invitation:revoke'),
    args: {
      id: t.arg.globalID({ required: true, description: 'The invitation (Invitation.id).' }),
    },
    resolve: async (_root, args, ctx) => ({
      invitation: await revokeInvitation(ctx, requireInvitationId(args.id)),
    }),
  }),
);

const AcceptInvitationPayload = builder.simpleObject('AcceptInvitationPayload', {
  description:
    'The new ACTIVE member, its organization and a session (use its token as the bearer from now on).',
  fields: (t) => ({
    session: t.field({ type: IssuedSession, description: "The new member's first session." }),
    member: t.field({ type: SessionMember, description: 'The member, now ACTIVE.' }),
    organization: t.field({ type: SessionOrganization, description: 'The organization joined.' }),
    invitation: t.field({ type: InvitationPreview, description: 'Now ACCEPTED.' }),
  }),
});

builder.mutationField('acceptInvitation', (t) =>
  t.field({
    type: AcceptInvitationPayload,
    description:
      'Accepts an invitation by the token from its link (no credentials needed): the member becomes ACTIVE and a session is returned. A token works once; wrong, used, expired, revoked and declined tokens all give InvalidTokenError. The organization’s current policy applies: InvitesDisabledError, DomainNotAllowedError, or SeatLimitReachedError when the active members would exceed the seat limit; the invitation then stays pending. Throttled per client address and per token (RateLimitedError).',
    errors: {
      types: [
        InvalidTokenError,
        InvitesDisabledError,
        DomainNotAllowedError,
        SeatLimitReachedError,
        RateLimitedError,
      ],
    },
    args: {
      token: t.arg.string({ required: true, description: 'The token from the link (?token=).' }),
      name: t.arg.string({ description: "The member's name, if they give one now." }),
    },
    resolve: async (_root, args, ctx) => {
      const accepted = await acceptInvitation(ctx, args.token, args.name);
      return {
        session: accepted.session,
        member: accepted.member,
        organization: accepted.organization,
        invitation: accepted.preview,
      };
    },
  }),
);

const DeclineInvitationPayload = builder.simpleObject('DeclineInvitationPayload', {
  description: 'The declined invitation.',
  fields: (t) => ({
    invitation: t.field({ type: InvitationPreview, description: 'Now DECLINED.' }),
  }),
});

builder.mutationField('declineInvitation', (t) =>
  t.field({
    type: DeclineInvitationPayload,
    description:
      'Declines an invitation by its token (no credentials needed); the INVITED member is removed. Any token that is not live gives InvalidTokenError. Throttled per client address and per token (RateLimitedError).',
    errors: { types: [InvalidTokenError, RateLimitedError] },
    args: {
      token: t.arg.string({ required: true, description: 'The token from the link (?token=).' }),
    },
    resolve: async (_root, args, ctx) => ({
      invitation: await declineInvitation(ctx, args.token),
    }),
  }),
);
