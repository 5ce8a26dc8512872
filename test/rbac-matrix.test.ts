// The RBAC matrix: every mutation, run by each kind of caller, must be allowed or refused exactly
// as PRODUCT.md says. owner: everything; admin: everything but deleting the organization and
// granting owner; member: read only; an outsider (the owner of another organization) and an
// anonymous caller: nothing. API keys act on every organization.
//
// Each row names one mutation (a mutation may have several rows, e.g. "grant owner"); a test
// below fails when the schema has a mutation without a row, so a new mutation cannot skip this
// table. Every case builds a fresh world, so no case's effect (a deleted organization, a revoked
// session) can leak into another.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateToken } from '../src/auth/tokens.ts';
import { prisma } from '../src/db.ts';
import { schema } from '../src/schema/index.ts';
import {
  globalId,
  newApiKey,
  newMember,
  newOrganization,
  uniqueSlug,
  type MemberWithSession,
} from './helpers/fixtures.ts';
import { useTestServer } from './helpers/server.ts';

const server = useTestServer();

const CALLERS = ['apiKey', 'owner', 'admin', 'member', 'outsider', 'anonymous'] as const;
type Caller = (typeof CALLERS)[number];

/** Those who administer the organization: what PRODUCT.md grants owner and admin alike. */
const MANAGERS: Caller[] = ['apiKey', 'owner', 'admin'];
/** Every member session acting on itself; an outsider's "self" is in its own organization. */
const SESSIONS: Caller[] = ['owner', 'admin', 'member', 'outsider'];
/** Operations that carry their own token (accept, decline, redeem): anyone may call them. */
const EVERYONE: Caller[] = [...CALLERS];

interface World {
  organization: { id: string; slug: string };
  owner: MemberWithSession;
  admin: MemberWithSession;
  member: MemberWithSession;
  /** The owner of another organization. */
  outsider: MemberWithSession;
  tokens: Record<Caller, string | undefined>;
}

async function newWorld(): Promise<World> {
  const organization = await newOrganization();
  const owner = await newMember(organization.id, ['owner']);
  const admin = await newMember(organization.id, ['admin']);
  const member = await newMember(organization.id, ['member']);
  const outsider = await newMember((await newOrganization()).id, ['owner']);
  return {
    organization,
    owner,
    admin,
    member,
    outsider,
    tokens: {
      apiKey: await newApiKey('rbac'),
      owner: owner.token,
      admin: admin.token,
      member: member.token,
      outsider: outsider.token,
      anonymous: undefined,
    },
  };
}

interface Row {
  /** The Mutation field this row exercises. */
  mutation: string;
  /** Tells apart several rows of one mutation. */
  variant?: string;
  /** The operation; it selects `__typename` of the mutation's result. */
  document: string;
  /** The success member of the result union. */
  success: string;
  /** Creates whatever the operation acts on, in `world`, and returns the variables. */
  prepare: (world: World, caller: Caller) => Promise<Record<string, unknown>>;
  /** Callers that succeed; every other caller gets ForbiddenError unless `refusedWith` says. */
  allowed: readonly Caller[];
  /** Refusals by a rule rather than a permission (e.g. admin granting owner). */
  refusedWith?: Partial<Record<Caller, string>>;
}

function op(mutation: string, params: string, args: string): string {
  return `mutation Op${params} { ${mutation}${args} { __typename ... on Error { message } } }`;
}

const orgRef = (world: World) => ({ slug: world.organization.slug });
const memberRef = (member: { id: string }) => globalId('Member', member.id);

function randomEmail(): string {
  return `target-${crypto.randomBytes(4).toString('hex')}@example.com`;
}

async function plainMember(world: World) {
  return newMember(world.organization.id, ['member'], randomEmail());
}

async function deactivatedMember(world: World) {
  const email = randomEmail();
  return prisma.member.create({
    data: {
      organizationId: world.organization.id,
      email,
      emailNormalized: email,
      status: 'DEACTIVATED',
      roles: ['member'],
      deactivatedAt: new Date(),
    },
  });
}

async function customRole(world: World) {
  const key = `role-${crypto.randomBytes(3).toString('hex')}`;
  await prisma.customRole.create({
    data: {
      organizationId: world.organization.id,
      key,
      name: key,
      permissions: ['member:read'],
    },
  });
  return key;
}

/** An invitation sent through the API with the world's API key; its id and token. */
async function pendingInvitation(world: World): Promise<{ id: string; token: string }> {
  const res = await server.gql(
    `mutation($input: InviteMemberInput!) {
      inviteMember(input: $input) {
        __typename
        ... on InviteMemberPayload { invitation { id } acceptUrl }
      }
    }`,
    { input: { organization: orgRef(world), email: randomEmail(), notify: false } },
    world.tokens.apiKey,
  );
  const payload = res.data!.inviteMember;
  expect(payload.__typename).toBe('InviteMemberPayload');
  const token = new URL(payload.acceptUrl).searchParams.get('token');
  return { id: payload.invitation.id, token: token! };
}

/** A live sign-in link for the world's plain member; its token. */
async function signInLinkToken(world: World): Promise<string> {
  const { token, hash } = generateToken('signIn');
  await prisma.signInLink.create({
    data: {
      organizationId: world.organization.id,
      memberId: world.member.id,
      tokenHash: hash,
      redirectUrl: 'https://app.example.com/sign-in',
      expiresAt: new Date(Date.now() + 15 * 60_000),
    },
  });
  return token;
}

const ROWS: Row[] = [
  // Organizations. Creating one is for backends only (PRODUCT.md: "create (API key)").
  {
    mutation: 'createOrganization',
    document: op('createOrganization', '($input: CreateOrganizationInput!)', '(input: $input)'),
    success: 'OrganizationPayload',
    allowed: ['apiKey'],
    prepare: async () => ({ input: { name: 'New', slug: uniqueSlug('new') } }),
  },
  {
    mutation: 'updateOrganization',
    document: op('updateOrganization', '($input: UpdateOrganizationInput!)', '(input: $input)'),
    success: 'OrganizationPayload',
    allowed: MANAGERS,
    prepare: async (world) => ({ input: { organization: orgRef(world), name: 'Renamed' } }),
  },
  {
    mutation: 'deleteOrganization',
    document: op(
      'deleteOrganization',
      '($organization: OrganizationRef)',
      '(organization: $organization)',
    ),
    success: 'DeleteOrganizationPayload',
    allowed: ['apiKey', 'owner'],
    prepare: async (world) => ({ organization: orgRef(world) }),
  },

  // Members.
  {
    mutation: 'updateMember',
    document: op('updateMember', '($input: UpdateMemberInput!)', '(input: $input)'),
    success: 'UpdateMemberPayload',
    allowed: MANAGERS,
    prepare: async (world) => ({
      input: { member: memberRef(await plainMember(world)), name: 'Renamed' },
    }),
  },
  {
    mutation: 'updateMember',
    variant: 'granting owner',
    document: op('updateMember', '($input: UpdateMemberInput!)', '(input: $input)'),
    success: 'UpdateMemberPayload',
    allowed: ['apiKey', 'owner'],
    refusedWith: { admin: 'RoleNotGrantableError' },
    prepare: async (world) => ({
      input: { member: memberRef(await plainMember(world)), roles: ['owner'] },
    }),
  },
  {
    mutation: 'deactivateMember',
    document: op('deactivateMember', '($member: ID!)', '(member: $member)'),
    success: 'DeactivateMemberPayload',
    allowed: MANAGERS,
    prepare: async (world) => ({ member: memberRef(await plainMember(world)) }),
  },
  {
    mutation: 'reactivateMember',
    document: op('reactivateMember', '($member: ID!)', '(member: $member)'),
    success: 'ReactivateMemberPayload',
    allowed: MANAGERS,
    prepare: async (world) => ({ member: memberRef(await deactivatedMember(world)) }),
  },
  {
    mutation: 'revokeMemberSessions',
    document: op('revokeMemberSessions', '($member: ID!)', '(member: $member)'),
    success: 'RevokeMemberSessionsPayload',
    allowed: MANAGERS,
    prepare: async (world) => ({ member: memberRef(await plainMember(world)) }),
  },
  {
    mutation: 'updateSelf',
    document: op('updateSelf', '($input: UpdateSelfInput!)', '(input: $input)'),
    success: 'UpdateSelfPayload',
    allowed: SESSIONS,
    prepare: async () => ({ input: { name: 'Me' } }),
  },

  // Sessions.
  {
    mutation: 'revokeSession',
    document: op('revokeSession', '($id: ID)', '(id: $id)'),
    success: 'RevokeSessionPayload',
    allowed: SESSIONS,
    prepare: async () => ({}),
  },

  // Roles.
  {
    mutation: 'createRole',
    document: op('createRole', '($input: CreateRoleInput!)', '(input: $input)'),
    success: 'CreateRolePayload',
    allowed: MANAGERS,
    prepare: async (world) => ({
      input: {
        organization: orgRef(world),
        key: `role-${crypto.randomBytes(3).toString('hex')}`,
        name: 'Reader',
        permissions: ['member:read', 'invitation:create'],
      },
    }),
  },
  {
    mutation: 'createRole',
    variant: 'carrying organization:delete',
    document: op('createRole', '($input: CreateRoleInput!)', '(input: $input)'),
    success: 'CreateRolePayload',
    allowed: ['apiKey', 'owner'],
    refusedWith: { admin: 'RoleNotGrantableError' },
    prepare: async (world) => ({
      input: {
        organization: orgRef(world),
        key: `role-${crypto.randomBytes(3).toString('hex')}`,
        name: 'Closer',
        permissions: ['organization:delete'],
      },
    }),
  },
  {
    mutation: 'updateRole',
    document: op('updateRole', '($input: UpdateRoleInput!)', '(input: $input)'),
    success: 'UpdateRolePayload',
    allowed: MANAGERS,
    prepare: async (world) => ({
      input: { organization: orgRef(world), key: await customRole(world), name: 'Renamed' },
    }),
  },
  {
    mutation: 'deleteRole',
    document: op(
      'deleteRole',
      '($organization: OrganizationRef, $key: String!)',
      '(organization: $organization, key: $key)',
    ),
    success: 'DeleteRolePayload',
    allowed: MANAGERS,
    prepare: async (world) => ({ organization: orgRef(world), key: await customRole(world) }),
  },

  // Invitations.
  {
    mutation: 'inviteMember',
    document: op('inviteMember', '($input: InviteMemberInput!)', '(input: $input)'),
    success: 'InviteMemberPayload',
    allowed: MANAGERS,
    prepare: async (world) => ({
      input: { organization: orgRef(world), email: randomEmail(), notify: false },
    }),
  },
  {
    mutation: 'inviteMember',
    variant: 'granting owner',
    document: op('inviteMember', '($input: InviteMemberInput!)', '(input: $input)'),
    success: 'InviteMemberPayload',
    allowed: ['apiKey', 'owner'],
    refusedWith: { admin: 'RoleNotGrantableError' },
    prepare: async (world) => ({
      input: { organization: orgRef(world), email: randomEmail(), roles: ['owner'], notify: false },
    }),
  },
  {
    mutation: 'inviteMembers',
    document: op('inviteMembers', '($input: InviteMembersInput!)', '(input: $input)'),
    success: 'InviteMembersPayload',
    allowed: MANAGERS,
    prepare: async (world) => ({
      input: {
        organization: orgRef(world),
        invitations: [{ email: randomEmail() }, { email: randomEmail() }],
        notify: false,
      },
    }),
  },
  {
    mutation: 'resendInvitation',
    document: op('resendInvitation', '($invitation: ID!)', '(invitation: $invitation)'),
    success: 'ResendInvitationPayload',
    allowed: MANAGERS,
    prepare: async (world) => ({ invitation: (await pendingInvitation(world)).id }),
  },
  {
    mutation: 'revokeInvitation',
    document: op('revokeInvitation', '($invitation: ID!)', '(invitation: $invitation)'),
    success: 'RevokeInvitationPayload',
    allowed: MANAGERS,
    prepare: async (world) => ({ invitation: (await pendingInvitation(world)).id }),
  },
  // The token is the credential: whoever holds it may accept or decline, signed in or not.
  {
    mutation: 'acceptInvitation',
    document: op('acceptInvitation', '($token: String!)', '(token: $token)'),
    success: 'AcceptInvitationPayload',
    allowed: EVERYONE,
    prepare: async (world) => ({ token: (await pendingInvitation(world)).token }),
  },
  {
    mutation: 'declineInvitation',
    document: op('declineInvitation', '($token: String!)', '(token: $token)'),
    success: 'DeclineInvitationPayload',
    allowed: EVERYONE,
    prepare: async (world) => ({ token: (await pendingInvitation(world)).token }),
  },

  // Sign-in by email link: public by design (a sign-in form), the link's token is the credential.
  {
    mutation: 'sendSignInLink',
    document: op('sendSignInLink', '($input: SendSignInLinkInput!)', '(input: $input)'),
    success: 'SendSignInLinkPayload',
    allowed: ['apiKey'],
    prepare: async (world) => ({
      input: { organization: orgRef(world), email: world.member.email },
    }),
  },
  {
    mutation: 'redeemSignInLink',
    document: op('redeemSignInLink', '($token: String!)', '(token: $token)'),
    success: 'RedeemSignInLinkPayload',
    allowed: EVERYONE,
    prepare: async (world) => ({ token: await signInLinkToken(world) }),
  },
];

function rowName(row: Row): string {
  return row.variant ? `${row.mutation} (${row.variant})` : row.mutation;
}

describe('the RBAC matrix', () => {
  it('has a row for every mutation in the schema, and no row for a mutation that is gone', () => {
    const inSchema = Object.keys(schema.getMutationType()!.getFields()).sort();
    const inTable = [...new Set(ROWS.map((row) => row.mutation))].sort();
    expect({
      withoutRow: inSchema.filter((name) => !inTable.includes(name)),
      notInSchema: inTable.filter((name) => !inSchema.includes(name)),
    }).toEqual({ withoutRow: [], notInSchema: [] });
  });

  for (const row of ROWS) {
    describe(rowName(row), () => {
      for (const caller of CALLERS) {
        const expected = row.allowed.includes(caller)
          ? row.success
          : (row.refusedWith?.[caller] ?? 'ForbiddenError');
        it(`as ${caller}: ${expected}`, async () => {
          const world = await newWorld();
          const variables = await row.prepare(world, caller);
          const res = await server.gql(row.document, variables, world.tokens[caller]);
          expect(res.errors).toBeUndefined();
          expect(res.data![row.mutation]).toMatchObject({ __typename: expected });
        });
      }
    });
  }
});
