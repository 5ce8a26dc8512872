// Operations and look-ups shared by the invitation and sign-in tests.
import crypto from 'node:crypto';
import { expect } from 'vitest';
import { prisma } from '../../src/db.ts';
import { globalId } from './fixtures.ts';
import type { TestServer } from './server.ts';

export function randomEmail(prefix = 'invitee'): string {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}@example.com`;
}

/** The database id inside a global id. */
export function idOf(globalIdValue: string): string {
  return Buffer.from(globalIdValue, 'base64').toString('utf8').split(':')[1]!;
}

export function orgRef(organizationId: string) {
  return { id: globalId('Organization', organizationId) };
}

/** The `token` query parameter of a link. */
export function tokenOf(link: string): string {
  const token = new URL(link).searchParams.get('token');
  expect(token).toBeTruthy();
  return token!;
}

/** A token of the right shape that no invitation has. */
export function madeUpInvitationToken(): string {
  return `ri_${crypto.randomBytes(32).toString('base64url')}`;
}

export const INVITE_RESULT_FIELDS = /* GraphQL */ `
  fragment InviteResultFields on InviteMemberResult {
    __typename
    ... on InviteMemberPayload {
      acceptUrl
      invitation {
        id
        email
        name
        roles
        status
        expiresAt
        redirectUrl
        locale
        notify
        sendCount
        lastSentAt
        templateId
        trustedMetadata
        untrustedMetadata
        hasRestrictedAccess
        restrictedResourceIds
        invitedByApiKey
        invitedBy {
          id
        }
        member {
          id
        }
        delivery {
          status
          attempts
        }
      }
      member {
        id
        email
        name
        status
        roles
        restrictedResourceIds
        hasRestrictedAccess
      }
      organization {
        id
        slug
      }
    }
    ... on Error {
      message
      code
    }
    ... on ValidationError {
      field
    }
    ... on DomainNotAllowedError {
      domain
      allowedDomains
    }
    ... on SeatLimitReachedError {
      seatLimit
    }
    ... on PendingInvitationLimitError {
      limit
    }
    ... on RoleNotGrantableError {
      role: roleKey
    }
    ... on UnknownRoleError {
      role: roleKey
    }
    ... on AlreadyInvitedError {
      email
    }
    ... on AlreadyMemberError {
      email
    }
    ... on RateLimitedError {
      retryAfterSeconds
    }
  }
`;

export const INVITE = /* GraphQL */ `
  mutation Invite($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      ...InviteResultFields
    }
  }
  ${INVITE_RESULT_FIELDS}
`;

export const ACCEPT = /* GraphQL */ `
  mutation Accept($token: String!, $name: String) {
    acceptInvitation(token: $token, name: $name) {
      __typename
      ... on AcceptInvitationPayload {
        session {
          id
          token
          expiresAt
        }
        member {
          id
          email
          name
          roles
          status
        }
        organization {
          id
          slug
          name
        }
        invitation {
          organizationName
          inviterName
          email
          roles
          expiresAt
          status
        }
      }
      ... on Error {
        message
        code
      }
      ... on ValidationError {
        field
      }
    }
  }
`;

export const REVOKE = /* GraphQL */ `
  mutation Revoke($invitation: ID!) {
    revokeInvitation(id: $invitation) {
      __typename
      ... on RevokeInvitationPayload {
        invitation {
          id
          status
          revokedAt
          member {
            id
          }
        }
      }
      ... on InvitationNotPendingError {
        status
      }
      ... on Error {
        message
        code
      }
    }
  }
`;

// GraphQL results are untyped in these tests.
export type Result = Record<string, any>;

export async function invite(
  server: TestServer,
  token: string,
  input: Record<string, unknown>,
): Promise<Result> {
  const res = await server.gql(INVITE, { input }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.inviteMember;
}

/** Invites with an API key and returns the invitation, its member and its token. */
export async function invited(
  server: TestServer,
  key: string,
  organizationId: string,
  input: Record<string, unknown> = {},
) {
  const result = await invite(server, key, {
    organization: orgRef(organizationId),
    email: randomEmail(),
    ...input,
  });
  expect(result.__typename).toBe('InviteMemberPayload');
  const invitationId = idOf(result.invitation.id);
  const link = result.acceptUrl ?? (await latestEmail(invitationId))!.secret!;
  return {
    result,
    invitationGlobalId: result.invitation.id as string,
    invitationId,
    memberId: idOf(result.member.id),
    email: result.invitation.email as string,
    token: tokenOf(link),
  };
}

export async function latestEmail(invitationId: string) {
  return prisma.emailOutbox.findFirst({
    where: { invitationId },
    orderBy: [{ createdAt: 'desc' }, { status: 'asc' }],
  });
}

export async function emailsTo(address: string) {
  return prisma.emailOutbox.findMany({ where: { toAddress: address } });
}
