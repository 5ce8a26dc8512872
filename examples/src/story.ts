// The whole story a product built on Roster goes through, in the roles it is played in:
//   backend (API key):   create the customer's organization, invite its first owner and a colleague
//   mail:                the owner opens the link Roster sent
//   frontend (no auth):  the accept page previews the invitation, then accepts it
//   frontend (session):  the new owner lists the organization's members with its session token
// Every result is a union of a payload and typed errors, switched on __typename with a `never`
// check, so a new error type in schema.graphql breaks this file's typecheck until it is handled.
import { createClient } from './client.ts';
import { assertNever, readable, RosterError } from './errors.ts';
import {
  AcceptInvitationDocument,
  CreateOrganizationDocument,
  InvitationPreviewDocument,
  InviteMemberDocument,
  OrganizationMembersDocument,
  type AcceptInvitationMutation,
  type CreateOrganizationMutation,
  type InvitationPreviewQuery,
  type InviteMemberMutation,
  type OrganizationMembersQuery,
} from './gql/graphql.ts';
import { waitForMailLink } from './mail.ts';

export interface StoryOptions {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  graphqlUrl: string;
  /** An API key, e.g. from `roster bootstrap --json` or `roster api-key create`. */
  apiKey: string;
  /** The local mail sink, <DATA_DIR>/mail. */
  mailDir: string;
  /** The new organization's slug (unique). */
  slug: string;
  /** Where the frontend's accept page lives; the emailed link is this with ?token= added. */
  acceptPageUrl: string;
  owner: { email: string; name: string };
  colleague: { email: string; name: string };
  log?: (line: string) => void;
}

export interface StoryResult {
  organization: { id: string; slug: string; name: string };
  preview: { organizationName: string; email: string; roles: string[]; status: string };
  owner: { id: string; email: string; roles: string[]; status: string };
  members: { totalCount: number; nodes: { email: string; status: string; roles: string[] }[] };
}

type CreateOrganizationResult = CreateOrganizationMutation['createOrganization'];
type InviteMemberResult = InviteMemberMutation['inviteMember'];
type InvitationPreviewResult = InvitationPreviewQuery['invitationByToken'];
type AcceptInvitationResult = AcceptInvitationMutation['acceptInvitation'];
type OrganizationResult = OrganizationMembersQuery['organization'];

function createdOrganization(result: CreateOrganizationResult) {
  switch (result.__typename) {
    case 'OrganizationPayload':
      return readable(result.organization, 'the organization (organization:read)');
    case 'ConflictError':
      throw new RosterError(result, 'the slug is taken: choose another one');
    case 'ValidationError':
      throw new RosterError(result, `fix the input field "${result.field}"`);
    case 'ForbiddenError':
      throw new RosterError(result, 'createOrganization needs an API key');
    case 'NotFoundError':
      throw new RosterError(result, 'something the input names does not exist');
    case 'RedirectUrlNotAllowedError':
      throw new RosterError(result, `add ${result.origin} to the server's REDIRECT_ORIGINS`);
    default:
      return assertNever(result);
  }
}

function sentInvitation(result: InviteMemberResult) {
  switch (result.__typename) {
    case 'InviteMemberPayload':
      return readable(result.invitation, 'the invitation (invitation:read)');
    case 'AlreadyInvitedError':
      throw new RosterError(result, 'pass resendIfPending: true to send it again');
    case 'AlreadyMemberError':
      throw new RosterError(result, `${result.email} is a member already`);
    case 'DomainNotAllowedError':
      throw new RosterError(result, `allowed domains: ${result.allowedDomains.join(', ')}`);
    case 'InvitesDisabledError':
      throw new RosterError(result, "the organization's invitePolicy is DISABLED");
    case 'NoRedirectUrlError':
      throw new RosterError(result, 'pass redirectUrl or set settings.defaultRedirectUrl');
    case 'RedirectUrlNotAllowedError':
      throw new RosterError(result, `redirect to an allowed origin, not ${result.origin}`);
    case 'PendingInvitationLimitError':
      throw new RosterError(result, `at most ${result.limit} pending: revoke or wait for some`);
    case 'RateLimitedError':
      throw new RosterError(result, `retry in ${result.retryAfterSeconds} s`);
    case 'RoleNotGrantableError':
      throw new RosterError(result, `the caller may not grant "${result.roleKey}"`);
    case 'SeatLimitReachedError':
      throw new RosterError(result, `all ${result.seatLimit} seats are taken`);
    case 'UnknownRoleError':
      throw new RosterError(result, `no role "${result.roleKey}" in the organization`);
    case 'ValidationError':
      throw new RosterError(result, `fix the input field "${result.field}"`);
    case 'ForbiddenError':
      throw new RosterError(result, 'the caller lacks invitation:create');
    case 'NotFoundError':
      throw new RosterError(result, `no such ${result.resource}`);
    default:
      return assertNever(result);
  }
}

function invitationPreview(result: InvitationPreviewResult) {
  switch (result.__typename) {
    case 'InvitationPreview':
      return result;
    case 'InvalidTokenError':
      // Wrong, used, expired and revoked tokens look alike on purpose.
      throw new RosterError(result, 'show "this link no longer works" and offer a new invitation');
    case 'RateLimitedError':
      throw new RosterError(result, `retry in ${result.retryAfterSeconds} s`);
    case 'ValidationError':
      throw new RosterError(result, `fix the input field "${result.field}"`);
    case 'ForbiddenError':
    case 'NotFoundError':
      throw new RosterError(result, 'show the error and offer a new invitation');
    default:
      return assertNever(result);
  }
}

function acceptedInvitation(result: AcceptInvitationResult) {
  switch (result.__typename) {
    case 'AcceptInvitationPayload':
      return result;
    case 'InvalidTokenError':
      throw new RosterError(result, 'show "this link no longer works" and offer a new invitation');
    case 'RateLimitedError':
      throw new RosterError(result, `retry in ${result.retryAfterSeconds} s`);
    case 'DomainNotAllowedError':
      throw new RosterError(result, 'the organization no longer accepts this address');
    case 'InvitesDisabledError':
      throw new RosterError(result, 'the organization has turned invitations off');
    case 'SeatLimitReachedError':
      throw new RosterError(result, `all ${result.seatLimit} seats are taken: ask an admin`);
    case 'ValidationError':
      throw new RosterError(result, `fix the input field "${result.field}"`);
    case 'ForbiddenError':
    case 'NotFoundError':
      throw new RosterError(result, 'show the error and offer a new invitation');
    default:
      return assertNever(result);
  }
}

function ownOrganization(result: OrganizationResult) {
  switch (result.__typename) {
    case 'Organization':
      return result;
    case 'ForbiddenError':
      // Also what an expired or revoked session gets: send the person to sign in again.
      throw new RosterError(result, 'sign in again (sendSignInLink)');
    case 'NotFoundError':
      throw new RosterError(result, `no such ${result.resource}`);
    case 'ValidationError':
      throw new RosterError(result, `fix the argument "${result.field}"`);
    default:
      return assertNever(result);
  }
}

export async function runStory(options: StoryOptions): Promise<StoryResult> {
  const log = options.log ?? (() => {});
  const backend = createClient(options.graphqlUrl, options.apiKey);

  // Backend: the customer's organization, its accept links pointing at the frontend.
  const organization = createdOrganization(
    (
      await backend.request(CreateOrganizationDocument, {
        input: {
          name: `${options.slug} Inc.`,
          slug: options.slug,
          settings: { defaultRedirectUrl: options.acceptPageUrl },
        },
      })
    ).createOrganization,
  );
  log(`created organization ${organization.slug} (${organization.id})`);

  // Backend: invite the first owner, and a colleague who will not have answered yet.
  const invitedAt = new Date();
  for (const [person, roles] of [
    [options.owner, ['owner']],
    [options.colleague, ['member']],
  ] as const) {
    const invitation = sentInvitation(
      (
        await backend.request(InviteMemberDocument, {
          input: {
            organization: { id: organization.id },
            email: person.email,
            name: person.name,
            roles: [...roles],
          },
        })
      ).inviteMember,
    );
    log(`invited ${invitation.email} as ${invitation.roles.join(', ')} (${invitation.status})`);
  }

  // Mail: the owner's invitation links to the accept page with ?token=.
  const link = await waitForMailLink(options.mailDir, options.owner.email, { since: invitedAt });
  const token = link.searchParams.get('token');
  if (!token) throw new Error(`The invitation link has no token: ${link.origin}${link.pathname}`);
  log(
    `found the invitation mail to ${options.owner.email}, linking to ${link.origin}${link.pathname}`,
  );

  // Frontend, accept page: no credentials, the token is enough.
  const anonymous = createClient(options.graphqlUrl);
  const preview = invitationPreview(
    (await anonymous.request(InvitationPreviewDocument, { token })).invitationByToken,
  );
  log(`preview: join ${preview.organizationName} as ${preview.roles.join(', ')}`);
  const accepted = acceptedInvitation(
    (await anonymous.request(AcceptInvitationDocument, { token, name: options.owner.name }))
      .acceptInvitation,
  );
  log(`accepted: ${accepted.member.email} is ${accepted.member.status}`);

  // Frontend, signed in: the session token is the bearer from now on.
  const member = createClient(options.graphqlUrl, accepted.session.token);
  const own = ownOrganization(
    (await member.request(OrganizationMembersDocument, { first: 50 })).organization,
  );
  const members = readable(own.members, 'its members (member:read)');
  const nodes = members.edges.map(({ node }) => ({
    email: node.email,
    status: node.status,
    roles: node.roles,
  }));
  log(`members of ${own.name}: ${nodes.map((node) => `${node.email} ${node.status}`).join(', ')}`);

  return {
    organization,
    preview: {
      organizationName: preview.organizationName,
      email: preview.email,
      roles: preview.roles,
      status: preview.status,
    },
    owner: {
      id: accepted.member.id,
      email: accepted.member.email,
      roles: accepted.member.roles,
      status: accepted.member.status,
    },
    members: { totalCount: members.totalCount, nodes },
  };
}
