// Invitation: the type, Organization.invitations, the invitation queries, and the types the
// token-holder operations return (also used by sign-in.ts). Mutations: invitation-mutations.ts.
import { needsOwnerLevel, type Permission } from '../auth/permissions.ts';
import { builder, permissionIn } from '../builder.ts';
import { prisma, type Prisma } from '../db.ts';
import { InvalidTokenError, NotFoundError, RateLimitedError } from '../errors.ts';
import {
  findInvitationTarget,
  invitationByToken,
  type InvitationPreview as InvitationPreviewShape,
  type InvitationRow,
  type SessionMemberRow,
  type SessionOrganizationRow,
} from '../services/invitations.ts';
import type { IssuedSession as IssuedSessionShape } from '../services/sessions.ts';
import { MemberStatus } from './member.ts';
import { invitationTotalCount, invitationsWhere } from '../services/invitations/counts.ts';
import { isUuid } from '../services/validation.ts';

/** A decoded global id argument. */
export type GlobalId = { id: string; typename: string };

export const InvitationStatus = builder.enumType('InvitationStatus', {
  description: 'Where an invitation is in its life.',
  values: {
    PENDING: { description: 'Sent; its token works until expiresAt.' },
    ACCEPTED: { description: 'Accepted: its member is ACTIVE.' },
    DECLINED: { description: 'Declined by the invitee.' },
    REVOKED: { description: 'Revoked by the organization.' },
    EXPIRED: {
      description:
        'Past expiresAt. Shown as soon as the time passes; stored (with expiredAt) by the periodic sweep.',
    },
  } as const,
});

export const Locale = builder.enumType('Locale', {
  description: 'The language of an email.',
  values: {
    EN: { value: 'en', description: 'English.' },
    ES: { value: 'es', description: 'Spanish.' },
    FR: { value: 'fr', description: 'French.' },
    PT_BR: { value: 'pt_br', description: 'Brazilian Portuguese (pt-BR).' },
  } as const,
});

const EmailDeliveryStatus = builder.enumType('EmailDeliveryStatus', {
  description: 'Where an email is in the outbox.',
  values: {
    QUEUED: { description: 'Waiting to be sent, or to be retried after a failure.' },
    SENT: { description: 'Accepted by the mail server.' },
    FAILED: { description: 'Given up after the last attempt.' },
    CANCELLED: { description: 'Not sent: its link died first (resent, revoked, accepted).' },
  } as const,
});

type DeliveryRow = Pick<
  Prisma.EmailOutboxGetPayload<object>,
  'status' | 'attempts' | 'lastError' | 'sentAt' | 'nextAttemptAt'
>;

const InvitationDelivery = builder.objectRef<DeliveryRow>('InvitationDelivery').implement({
  description: "The delivery state of an invitation's latest email.",
  fields: (t) => ({
    status: t.expose('status', { type: EmailDeliveryStatus, description: 'Where the email is.' }),
    attempts: t.exposeInt('attempts', { description: 'Delivery attempts so far.' }),
    lastError: t.exposeString('lastError', {
      nullable: true,
      description: 'Why the last attempt failed.',
    }),
    sentAt: t.expose('sentAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the mail server accepted it; null unless SENT.',
    }),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'When the next attempt is due while QUEUED; null once SENT, FAILED or CANCELLED.',
      resolve: (delivery) => (delivery.status === 'QUEUED' ? delivery.nextAttemptAt : null),
    }),
  }),
});

/** PENDING past its expiry reads as EXPIRED before the sweep writes it down. */
export function effectiveStatus(invitation: Pick<InvitationRow, 'status' | 'expiresAt'>) {
  return invitation.status === 'PENDING' && invitation.expiresAt.getTime() <= Date.now()
    ? ('EXPIRED' as const)
    : invitation.status;
}

export const Invitation = builder.prismaNode('Invitation', {
  id: { field: 'id' },
  description: 'An invitation to join an organization, sent by email (or returned as a link).',
  // Select mode: a page reads only the columns its fields ask for. The columns below are always
  // read, cheap, and what a page of invitations nearly always shows; the fields on them resolve
  // without a select of their own, so that a row a mutation returns (read whole by its service,
  // with no query plan behind it) answers them without another statement. The other fields
  // declare their columns (t.expose in select mode) and are read only when asked.
  select: {
    organizationId: true,
    email: true,
    name: true,
    roles: true,
    status: true,
    expiresAt: true,
    invitedByApiKeyId: true,
  },
  authScopes: (invitation, ctx) => permissionIn(ctx, invitation.organizationId, 'invitation:read'),
  fields: (t) => ({
    email: t.field({
      type: 'EmailAddress',
      description: 'As given when invited.',
      resolve: (invitation) => invitation.email,
    }),
    name: t.string({
      nullable: true,
      description: "The invitee's name.",
      resolve: (invitation) => invitation.name,
    }),
    roles: t.stringList({
      description: 'Roles the member gets on accepting.',
      resolve: (invitation) => invitation.roles,
    }),
    status: t.field({
      type: InvitationStatus,
      description: 'Where it is in its life; PENDING past expiresAt reads as EXPIRED.',
      resolve: (invitation) => effectiveStatus(invitation),
    }),
    expiresAt: t.field({
      type: 'DateTime',
      description: 'When its link stops working (renewed by resendInvitation).',
      resolve: (invitation) => invitation.expiresAt,
    }),
    redirectUrl: t.exposeString('redirectUrl', {
      description: 'Where the link in the email points; the token is added as ?token=.',
    }),
    templateId: t.exposeString('templateId', {
      nullable: true,
      description: 'The custom email template; null: the built-in one.',
    }),
    locale: t.expose('locale', { type: Locale, description: 'The language of its email.' }),
    notify: t.exposeBoolean('notify', {
      description: 'Whether Roster emails the link (false: the caller delivers it).',
    }),
    trustedMetadata: t.expose('trustedMetadata', {
      type: 'JSONObject',
      description: 'Copied to the member on accepting; written only with an API key.',
    }),
    untrustedMetadata: t.expose('untrustedMetadata', {
      type: 'JSONObject',
      description: 'Copied to the member on accepting.',
    }),
    hasRestrictedAccess: t.exposeBoolean('hasRestrictedAccess', {
      description: 'Whether the member will see only restrictedResourceIds.',
    }),
    restrictedResourceIds: t.exposeStringList('restrictedResourceIds', {
      description: 'The resources the member will be restricted to; empty for full access.',
    }),
    organization: t.relation('organization', {
      nullable: true,
      description:
        'The organization it invites to; null, with FORBIDDEN in errors[] at or under this path, without organization:read.',
    }),
    member: t.relation('member', {
      nullable: true,
      description: 'The member it created (INVITED until accepted); null once revoked or expired.',
    }),
    invitedBy: t.relation('invitedBy', {
      nullable: true,
      description: 'The inviting member; null when an API key invited on its own behalf.',
    }),
    invitedByApiKey: t.boolean({
      description: 'Whether an API key sent it (possibly on behalf of invitedBy).',
      resolve: (invitation) => invitation.invitedByApiKeyId !== null,
    }),
    sendCount: t.exposeInt('sendCount', {
      description: 'How many links were issued (1 + resends).',
    }),
    lastSentAt: t.expose('lastSentAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When an email was last queued for it.',
    }),
    acceptedAt: t.expose('acceptedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was accepted; null unless ACCEPTED.',
    }),
    declinedAt: t.expose('declinedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was declined; null unless DECLINED.',
    }),
    revokedAt: t.expose('revokedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was revoked; null unless REVOKED.',
    }),
    expiredAt: t.expose('expiredAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Set by the expiry sweep (equal to expiresAt).',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was first sent.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
    delivery: t.field({
      type: InvitationDelivery,
      nullable: true,
      description: 'The state of its latest email; null when none was queued (notify: false).',
      // Loaded with the invitation itself, so a page of invitations costs no extra queries.
      select: {
        emails: {
          // Ties in time go to the live mail: CANCELLED sorts last in the enum's order.
          orderBy: [{ createdAt: 'desc' }, { status: 'asc' }],
          take: 1,
          select: {
            status: true,
            attempts: true,
            lastError: true,
            sentAt: true,
            nextAttemptAt: true,
          },
        },
      },
      resolve: (invitation) => invitation.emails[0] ?? null,
    }),
  }),
});

/** The invitation id a global id names, or null when it names something else. */
export function invitationIdOf(ref: GlobalId): string | null {
  return ref.typename === 'Invitation' && isUuid(ref.id) ? ref.id : null;
}

/** The service-level id for a global id; a wrong type or malformed id is simply not found. */
export function requireInvitationId(ref: GlobalId): string {
  const id = invitationIdOf(ref);
  if (!id) throw new NotFoundError('Invitation');
  return id;
}

/**
 * The scope for acting on one invitation: `permission` in its organization, owner-level for an
 * invitation granting owner (anything but reading; see needsOwnerLevel), and an API key for an
 * operation that would hand the caller the link of an invitation the backend delivers itself
 * (`returnsLink` and notify: false). An invitation that does not exist lets API keys through (the
 * resolver answers NotFoundError) and refuses member sessions, which never learn whether an id
 * exists outside their organization.
 */
export async function invitationScope(
  ref: GlobalId,
  permission: Permission,
  { returnsLink = false }: { returnsLink?: boolean } = {},
) {
  const invitationId = invitationIdOf(ref);
  const target = invitationId ? await findInvitationTarget(invitationId) : null;
  if (!target) return { apiKey: true };
  const scope = {
    permission: {
      organizationId: target.organizationId,
      permission,
      ownerLevel: needsOwnerLevel(permission, target.roles),
    },
  };
  return returnsLink && !target.notify ? { $all: { ...scope, apiKey: true } } : scope;
}

// Organization.invitations: declared here so organization.ts stays about organizations.
builder.prismaObjectField('Organization', 'invitations', (t) =>
  t.relatedConnection(
    'invitations',
    {
      description:
        'Invitations of the organization, newest first, filtered by status, emailContains and invitedById (all optional); null, with FORBIDDEN in errors[] at or under this path, without invitation:read.',
      nullable: true,
      cursor: 'id',
      authScopes: (organization) => ({
        permission: { organizationId: organization.id, permission: 'invitation:read' },
      }),
      args: {
        status: t.arg({ type: [InvitationStatus], description: 'Any of these statuses.' }),
        emailContains: t.arg.string({
          description:
            'Invitations whose email address contains this text, compared case-insensitively (a substring, not a whole address; % and _ are plain characters).',
        }),
        invitedById: t.arg.globalID({ description: 'Sent by this member (Member.id).' }),
      },
      query: (args) => ({
        where: invitationsWhere(args, new Date()),
        // The order of the (organization_id, created_at DESC, id DESC) index: a page is read off it.
        orderBy: [{ createdAt: 'desc' as const }, { id: 'desc' as const }],
      }),
    },
    {
      name: 'InvitationConnection',
      description: 'A page of invitations.',
      fields: (tc) => ({
        totalCount: tc.int({
          description:
            "How many invitations match the filters, on all pages. Filtered by status alone (or not at all) it is read from the organization's counters, without a scan (asking PENDING or EXPIRED without the other adds a count of the PENDING invitations past expiresAt not yet swept, through an index). With invitedById it counts that member's invitations through an index; with emailContains it counts the organization's matching invitations through the addresses' trigram index (a search of two or fewer characters, which has no trigram, still reads them all).",
          resolve: (connection) => invitationTotalCount(connection.parent, connection.args),
        }),
      }),
    },
    { name: 'InvitationEdge', description: 'An invitation in a page of invitations.' },
  ),
);

builder.queryField('invitation', (t) =>
  t.prismaField({
    type: 'Invitation',
    description: 'An invitation by its global id (Invitation.id).',
    errors: {},
    args: { id: t.arg.globalID({ required: true, description: 'Invitation.id' }) },
    authScopes: (_root, args) => invitationScope(args.id, 'invitation:read'),
    resolve: async (query, _root, args) => {
      const invitation = await prisma.invitation.findUnique({
        ...query,
        where: { id: requireInvitationId(args.id) },
      });
      if (!invitation) throw new NotFoundError('Invitation');
      return invitation;
    },
  }),
);

// What a token holder sees. Callers of the token operations are usually anonymous, so these are
// plain summaries rather than the Invitation, Member and Organization types (which need
// permissions in the organization); the session returned reads those.

export const InvitationPreview = builder
  .objectRef<InvitationPreviewShape>('InvitationPreview')
  .implement({
    description:
      'What the holder of an invitation token may see: nothing beyond what the email says.',
    fields: (t) => ({
      organizationName: t.exposeString('organizationName', {
        description: 'The name of the organization it invites to.',
      }),
      inviterName: t.exposeString('inviterName', {
        nullable: true,
        description: 'Who invited; null when an API key did, or the inviter has no name.',
      }),
      email: t.expose('email', { type: 'EmailAddress', description: 'The address invited.' }),
      roles: t.exposeStringList('roles', { description: 'Role keys the member gets.' }),
      expiresAt: t.expose('expiresAt', {
        type: 'DateTime',
        description: 'When the link stops working.',
      }),
      status: t.expose('status', {
        type: InvitationStatus,
        description:
          'PENDING in a preview (a token that is not pending is invalid); DECLINED after declining.',
      }),
    }),
  });

export const IssuedSession = builder.objectRef<IssuedSessionShape>('IssuedSession').implement({
  description: 'A new member session. The token is shown only now; send it as a bearer token.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The session id (for revokeSession).' }),
    token: t.exposeString('token', {
      description:
        'The bearer token ("Authorization: Bearer <token>"). Shown once: keep it secret, never log it.',
    }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      description: 'When the session ends (revokeSession ends it earlier).',
    }),
  }),
});

export const SessionMember = builder.objectRef<SessionMemberRow>('SessionMember').implement({
  description: 'The member a new session belongs to.',
  fields: (t) => ({
    id: t.globalID({
      description: 'The global id of the Member.',
      resolve: (member) => ({ type: 'Member', id: member.id }),
    }),
    email: t.expose('email', { type: 'EmailAddress', description: "The member's address." }),
    name: t.exposeString('name', { nullable: true, description: 'The name; null when unknown.' }),
    roles: t.exposeStringList('roles', { description: 'Role keys the member holds.' }),
    status: t.expose('status', { type: MemberStatus, description: 'ACTIVE for a new session.' }),
  }),
});

export const SessionOrganization = builder
  .objectRef<SessionOrganizationRow>('SessionOrganization')
  .implement({
    description: 'The organization a new session belongs to.',
    fields: (t) => ({
      id: t.globalID({
        description: 'The global id of the Organization.',
        resolve: (organization) => ({ type: 'Organization', id: organization.id }),
      }),
      slug: t.exposeString('slug', { description: 'The unique slug.' }),
      name: t.exposeString('name', { description: 'The display name.' }),
    }),
  });

builder.queryField('invitationByToken', (t) =>
  t.field({
    type: InvitationPreview,
    description:
      'A public preview of a pending invitation by its token: organization, inviter, email, roles and expiry. Any token that is not live (wrong, used, expired, revoked) gives InvalidTokenError. Throttled per client address and per token (RateLimitedError).',
    errors: { types: [InvalidTokenError, RateLimitedError] },
    args: {
      token: t.arg.string({ required: true, description: 'The token from the link (?token=).' }),
    },
    resolve: (_root, args, ctx) => invitationByToken(ctx, args.token),
  }),
);
