// The authorization matrix: every Query and Mutation field (and node/nodes per node type), run by
// every kind of caller against every kind of target, through the real Yoga server, must answer
// exactly what PRODUCT.md ("Authorization") and issue 7 say.
//
// How to read it:
// - CALLERS are the columns. A caller is a profile (what it is and what it may do); the outcome
//   for each caller follows from the row by the few rules in `expectedOutcomes` below:
//     * a dead credential (deactivated member, expired or revoked session) gets 401 UNAUTHENTICATED
//       for every operation: nothing, not even what anonymous callers may do;
//     * anyone: token-bearing operations (the token is the credential) and `viewer`;
//     * an API key may do everything, everywhere (PRODUCT.md: like a Stytch project secret);
//     * a member session acts only inside its own organization and only with the row's permission
//       (else ForbiddenError: the scope refuses; for node/nodes, null exactly like a missing id);
//       on top of that a row may require an owner (anything done to an owner or to an invitation
//       granting owner, and the security-sensitive settings), more permissions (`holds`), the
//       right to grant some roles (`grants`: only owners grant owner; any other role only by
//       someone holding all its permissions), or say that a link is handed out only to API keys.
//       Refusals by such a rule may be ForbiddenError or RoleNotGrantableError (REFUSED_BY_RULE);
//       where today's code already answers one precisely, the row pins it (`grantRefused`).
// - ROWS are the lines: one operation on one kind of target. `org` is where the target lives:
//   A is the organization of the callers, B another one (whose owner is the caller "outsider").
//
// Outcomes are strings: the result's __typename ("+link" when it hands out an accept link),
// "null" for a node, a list for nodes, the permissions granted for isAuthorized, "Viewer:KIND",
// "UNAUTHENTICATED" for a 401, or "error: …" for anything the schema did not type.
//
// The first tests below fail when the schema gains a field, a node type, or an operation on
// objects of another organization without rows here: nothing can skip this table.
//
// Worlds: each row builds one world (organizations A and B, every caller, an API key) shared by
// its cells, and each cell makes its own fresh target; rows marked `fresh` (they change the world
// itself) build one world per cell. Set-up goes straight through Prisma (test/helpers/fixtures.ts).
import crypto from 'node:crypto';
import { getNamedType, isInterfaceType, isObjectType } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_PERMISSIONS, BUILTIN_ROLES, type Permission } from '../src/auth/permissions.ts';
import { schema } from '../src/schema/index.ts';
import {
  globalId,
  newApiKey,
  newCustomRoles,
  newInvitations,
  newMembers,
  newOrganization,
  newSignInLinks,
  randomAddress,
  uniqueSlug,
  type InvitationSpec,
  type MemberSpec,
  type SeededMember,
} from './helpers/fixtures.ts';
import { useTestServer, type GraphQLResponse } from './helpers/server.ts';

const server = useTestServer();

// ---------------------------------------------------------------------------------------------
// The callers (columns)

type Profile =
  | { kind: 'anonymous' }
  | { kind: 'apiKey' }
  | { kind: 'session'; org: 'A' | 'B'; roles: string[]; permissions: ReadonlySet<Permission> }
  /** A credential that no longer works: deactivated member, expired or revoked session. */
  | { kind: 'dead' };

interface CallerDefinition {
  profile: Profile;
  /** How the caller's member is seeded (session callers and dead credentials). */
  seed?: MemberSpec & { org: 'A' | 'B' };
}

const roleKeyFor = (permission: Permission) => `only-${permission.replace(':', '-')}`;

function session(org: 'A' | 'B', roles: string[], permissions: Iterable<Permission>) {
  return { kind: 'session' as const, org, roles, permissions: new Set(permissions) };
}

const CALLERS: Record<string, CallerDefinition> = {
  anonymous: { profile: { kind: 'anonymous' } },
  // API keys cannot be narrowed today (the api_keys table holds no permissions, and
  // src/auth/access.ts gives a key every permission), so "an API key with one permission" is not
  // a caller that exists. Add one per permission here when keys can be narrowed.
  'API key': { profile: { kind: 'apiKey' } },
  owner: {
    profile: session('A', ['owner'], BUILTIN_ROLES.owner.permissions),
    seed: { org: 'A', roles: ['owner'] },
  },
  admin: {
    profile: session('A', ['admin'], BUILTIN_ROLES.admin.permissions),
    seed: { org: 'A', roles: ['admin'] },
  },
  member: {
    profile: session('A', ['member'], BUILTIN_ROLES.member.permissions),
    seed: { org: 'A', roles: ['member'] },
  },
  // A custom role holding one permission, for each permission there is.
  ...Object.fromEntries(
    ALL_PERMISSIONS.map((permission): [string, CallerDefinition] => [
      `only ${permission}`,
      {
        profile: session('A', [roleKeyFor(permission)], [permission]),
        seed: { org: 'A', roles: [roleKeyFor(permission)] },
      },
    ]),
  ),
  // The attacker of issue 7 item 3: a member who may also invite, but not resend.
  'member + invitation:create': {
    profile: session(
      'A',
      ['member', roleKeyFor('invitation:create')],
      [...BUILTIN_ROLES.member.permissions, 'invitation:create'],
    ),
    seed: { org: 'A', roles: ['member', roleKeyFor('invitation:create')] },
  },
  // The owner of organization B: everything there, nothing in A.
  outsider: {
    profile: session('B', ['owner'], BUILTIN_ROLES.owner.permissions),
    seed: { org: 'B', roles: ['owner'] },
  },
  // Owners whose credential died: deactivated (its session itself still unexpired and
  // unrevoked), a session past its expiry, a revoked session.
  'deactivated owner': {
    profile: { kind: 'dead' },
    seed: { org: 'A', roles: ['owner'], status: 'DEACTIVATED', session: 'live' },
  },
  'owner, expired session': {
    profile: { kind: 'dead' },
    seed: { org: 'A', roles: ['owner'], session: 'expired' },
  },
  'owner, revoked session': {
    profile: { kind: 'dead' },
    seed: { org: 'A', roles: ['owner'], session: 'revoked' },
  },
};
const CALLER_NAMES = Object.keys(CALLERS);

// ---------------------------------------------------------------------------------------------
// Worlds

interface Org {
  id: string;
  slug: string;
}

interface World {
  a: Org;
  b: Org;
  tokens: Record<string, string | undefined>;
  /** Targets made in advance, by kind (see `take`). */
  pools: Map<string, unknown[]>;
}

async function newWorld(): Promise<World> {
  const a = await newOrganization();
  const b = await newOrganization();
  await newCustomRoles(
    a.id,
    ALL_PERMISSIONS.map((permission) => ({
      key: roleKeyFor(permission),
      permissions: [permission],
    })),
  );
  const seeded = Object.entries(CALLERS).filter(([, caller]) => caller.seed);
  const seed = async (org: 'A' | 'B') => {
    const entries = seeded.filter(([, caller]) => caller.seed!.org === org);
    const members = await newMembers(
      org === 'A' ? a.id : b.id,
      entries.map(([, caller]) => caller.seed!),
    );
    return entries.map(([name], index): [string, SeededMember] => [name, members[index]!]);
  };
  const members = [...(await seed('A')), ...(await seed('B'))];
  const tokens: Record<string, string | undefined> = {
    anonymous: undefined,
    'API key': await newApiKey('matrix'),
  };
  for (const [name, member] of members) tokens[name] = member.token;
  return { a, b, tokens, pools: new Map() };
}

// Targets: a fresh one per cell, made in batches (the first cell of a row that needs a kind of
// target makes one for every cell of the row, in a few statements).
const org = (world: World, which: 'A' | 'B') => (which === 'A' ? world.a : world.b);
const ref = (world: World, which: 'A' | 'B') => ({ slug: org(world, which).slug });
const memberId = (member: { id: string }) => globalId('Member', member.id);
const invitationId = (invitation: { id: string }) => globalId('Invitation', invitation.id);

async function take<T>(world: World, kind: string, make: (count: number) => Promise<T[]>) {
  let pool = world.pools.get(kind) as T[] | undefined;
  if (!pool?.length) {
    pool = await make(CALLER_NAMES.length);
    world.pools.set(kind, pool);
  }
  return pool.pop()!;
}
const times = <T>(count: number, value: T): T[] => Array.from({ length: count }, () => value);

function aMember(world: World, which: 'A' | 'B', spec: Partial<MemberSpec> = {}) {
  return take(world, `member ${which} ${JSON.stringify(spec)}`, (count) =>
    newMembers(org(world, which).id, times(count, { roles: ['member'], session: 'none', ...spec })),
  );
}
function anInvitation(world: World, which: 'A' | 'B', spec: InvitationSpec = {}) {
  return take(world, `invitation ${which} ${JSON.stringify(spec)}`, (count) =>
    newInvitations(org(world, which).id, times(count, spec)),
  );
}
/** A custom role carrying member:read; its key. */
function aRole(world: World, which: 'A' | 'B') {
  return take(world, `role ${which}`, async (count) => {
    const keys = times(count, 0).map(() => `role-${crypto.randomBytes(4).toString('hex')}`);
    await newCustomRoles(
      org(world, which).id,
      keys.map((key) => ({ key, permissions: ['member:read'] })),
    );
    return keys;
  });
}
/** A DEACTIVATED former owner whose owner invitation has expired (issue 7, item 2). */
function anExpiredOwnerInvitation(world: World) {
  return take(world, 'expired owner invitation', async (count) => {
    const owners = await newMembers(
      world.a.id,
      times(count, { roles: ['owner'], status: 'DEACTIVATED' as const }),
    );
    return newInvitations(
      world.a.id,
      owners.map((owner) => ({ roles: ['owner'], status: 'EXPIRED' as const, email: owner.email })),
    );
  });
}
/** The token of a live sign-in link of an ACTIVE member. */
function aSignInLinkToken(world: World) {
  return take(world, 'sign-in link', async (count) => {
    const members = await newMembers(
      world.a.id,
      times(count, { roles: ['member'], session: 'none' as const }),
    );
    return newSignInLinks(
      world.a.id,
      members.map((member) => member.id),
    );
  });
}
const madeUpId = (typename: string) => globalId(typename, crypto.randomUUID());

// ---------------------------------------------------------------------------------------------
// The rows

/** Who succeeds; see the header. */
type Who =
  | 'anyone'
  | 'apiKey'
  | 'session'
  | {
      /** The permission the scope checks, in the target's organization. */
      perm: Permission;
      /** Further permissions the operation needs. */
      holds?: Permission[];
      /** Only an owner may do it (it acts on an owner, or is a security-sensitive setting). */
      owner?: true;
      /** Roles the caller must be able to grant. */
      grants?: string[];
      /** It hands out an accept link: an API-key-only capability. */
      linkToKeysOnly?: true;
    };

interface Row {
  field: string;
  /** The target, in words. */
  target: string;
  /** Where the target lives: A (the callers' organization), B (another one), or nowhere. */
  org: 'A' | 'B' | null;
  who: Who;
  /** The outcome on success (a function when it depends on the caller). */
  ok: string | ((profile: Profile, row: Row) => string);
  /** What a refused caller gets; default ForbiddenError ("null" for node). */
  refused?: string;
  /** What the grant rule answers; default REFUSED_BY_RULE. */
  grantRefused?: string;
  /** For node/nodes: the node types the row reads. */
  nodeTypes?: string[];
  /** One world per cell: the row changes the world itself. */
  fresh?: true;
  document: string;
  variables: (world: World) => Promise<Record<string, unknown>>;
}

const REFUSED_BY_RULE = ['ForbiddenError', 'RoleNotGrantableError'];

/** `field(args) { __typename ... }` as a mutation or query with the given variable definitions. */
function doc(kind: 'query' | 'mutation', field: string, params: string, args: string, more = '') {
  return `${kind} Op${params} { ${field}${args} { __typename ... on Error { message } ${more} } }`;
}
const mutation = (field: string, params: string, args: string, more = '') =>
  doc('mutation', field, params, args, more);
const query = (field: string, params: string, args: string, more = '') =>
  doc('query', field, params, args, more);

const INVITE_DOC = mutation(
  'inviteMember',
  '($input: InviteMemberInput!)',
  '(input: $input)',
  '... on InviteMemberPayload { acceptUrl }',
);
const INVITE_MANY_DOC = `mutation Op($input: InviteMembersInput!) {
  inviteMembers(input: $input) {
    __typename
    ... on Error { message }
    ... on InviteMembersPayload {
      results { __typename ... on Error { message } ... on InviteMemberPayload { acceptUrl } }
    }
  }
}`;
const RESEND_DOC = mutation(
  'resendInvitation',
  '($invitation: ID!)',
  '(id: $invitation)',
  '... on ResendInvitationPayload { acceptUrl }',
);
const REVOKE_INVITATION_DOC = mutation(
  'revokeInvitation',
  '($invitation: ID!)',
  '(id: $invitation)',
);
const UPDATE_MEMBER_DOC = mutation(
  'updateMember',
  '($input: UpdateMemberInput!)',
  '(input: $input)',
);
const DEACTIVATE_DOC = mutation('deactivateMember', '($member: ID!)', '(id: $member)');
const REACTIVATE_DOC = mutation('reactivateMember', '($member: ID!)', '(id: $member)');
const REVOKE_SESSIONS_DOC = mutation('revokeMemberSessions', '($member: ID!)', '(id: $member)');
const UPDATE_ORG_DOC = mutation(
  'updateOrganization',
  '($input: UpdateOrganizationInput!)',
  '(input: $input)',
);
const DELETE_ORG_DOC = mutation(
  'deleteOrganization',
  '($organization: OrganizationRef)',
  '(organization: $organization)',
);
const CREATE_ROLE_DOC = mutation('createRole', '($input: CreateRoleInput!)', '(input: $input)');
const UPDATE_ROLE_DOC = mutation('updateRole', '($input: UpdateRoleInput!)', '(input: $input)');
const DELETE_ROLE_DOC = mutation(
  'deleteRole',
  '($organization: OrganizationRef, $key: String!)',
  '(organization: $organization, key: $key)',
);
const ORGANIZATION_DOC = query(
  'organization',
  '($by: OrganizationRef)',
  '(by: $by)',
  '... on Organization { id }',
);
const MEMBER_DOC = query('member', '($id: ID!)', '(id: $id)', '... on Member { id }');
const MEMBER_BY_EMAIL_DOC = query(
  'memberByEmail',
  '($organization: OrganizationRef, $email: EmailAddress!)',
  '(organization: $organization, email: $email)',
  '... on Member { id }',
);
const INVITATION_DOC = query('invitation', '($id: ID!)', '(id: $id)', '... on Invitation { id }');
const NODE_DOC = 'query Op($id: ID!) { node(id: $id) { __typename id } }';
const NODES_DOC = 'query Op($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }';
const IS_AUTHORIZED_DOC = `query Op($organization: OrganizationRef) { ${ALL_PERMISSIONS.map(
  (permission, index) => {
    const [resource, action] = permission.split(':');
    return `p${index}: isAuthorized(organization: $organization, resource: "${resource}", action: "${action}")`;
  },
).join(' ')} }`;

/** The permissions a caller holds in an organization, as isAuthorized should report them. */
function permissionsIn(profile: Profile, which: 'A' | 'B' | null): string {
  const held =
    profile.kind === 'apiKey'
      ? ALL_PERMISSIONS
      : profile.kind === 'session' && profile.org === which
        ? ALL_PERMISSIONS.filter((permission) => profile.permissions.has(permission))
        : [];
  return held.join(' ') || '(none)';
}

/** What node(id) shows a caller: the type when it may read it there, else null. */
const NODE_PERMISSION: Record<string, Permission> = {
  Organization: 'organization:read',
  Member: 'member:read',
  Invitation: 'invitation:read',
};
function nodeFor(profile: Profile, typename: string, which: 'A' | 'B' | null): string {
  if (which === null) return 'null';
  if (profile.kind === 'apiKey') return typename;
  if (profile.kind !== 'session' || profile.org !== which) return 'null';
  return profile.permissions.has(NODE_PERMISSION[typename]!) ? typename : 'null';
}
/** The ids the nodes row asks for, in order: [type, organization] (null: a made-up id). */
const NODES_ASKED: [string, 'A' | 'B' | null][] = [
  ['Organization', 'A'],
  ['Member', 'A'],
  ['Invitation', 'A'],
  ['Organization', 'B'],
  ['Member', 'B'],
  ['Invitation', 'B'],
  ['Member', null],
];

const node = (typename: string, which: 'A' | 'B' | null): Row => ({
  field: 'node',
  target: which
    ? `a ${typename} of ${which === 'A' ? 'own' : 'another'} org`
    : `a made-up ${typename} id`,
  org: which,
  who: which ? { perm: NODE_PERMISSION[typename]! } : 'anyone',
  ok: which ? typename : 'null',
  refused: 'null',
  nodeTypes: [typename],
  document: NODE_DOC,
  variables: async (world) => {
    if (!which) return { id: madeUpId(typename) };
    const id =
      typename === 'Organization'
        ? org(world, which).id
        : typename === 'Member'
          ? (await aMember(world, which)).id
          : (await anInvitation(world, which)).id;
    return { id: globalId(typename, id) };
  },
});

const ROWS: Row[] = [
  // --- Queries ------------------------------------------------------------------------------
  {
    field: 'viewer',
    target: 'the caller itself',
    org: null,
    who: 'anyone',
    ok: (profile) =>
      `Viewer:${profile.kind === 'apiKey' ? 'API_KEY' : profile.kind === 'session' ? 'MEMBER' : 'ANONYMOUS'}`,
    document: 'query Op { viewer { __typename kind } }',
    variables: async () => ({}),
  },
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'isAuthorized',
    target: `each permission in ${which === 'A' ? 'own' : 'another'} org`,
    org: which,
    who: 'anyone',
    ok: (profile, row) => permissionsIn(profile, row.org),
    document: IS_AUTHORIZED_DOC,
    variables: async (world) => ({ organization: ref(world, which) }),
  })),
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'organization',
    target: `${which === 'A' ? 'own' : 'another'} org`,
    org: which,
    who: { perm: 'organization:read' },
    ok: 'Organization',
    document: ORGANIZATION_DOC,
    variables: async (world) => ({ by: ref(world, which) }),
  })),
  {
    field: 'member',
    target: 'a member of own org',
    org: 'A',
    who: { perm: 'member:read' },
    ok: 'Member',
    document: MEMBER_DOC,
    variables: async (world) => ({ id: memberId(await aMember(world, 'A')) }),
  },
  {
    field: 'member',
    target: 'an owner of own org',
    org: 'A',
    who: { perm: 'member:read' },
    ok: 'Member',
    document: MEMBER_DOC,
    variables: async (world) => ({ id: memberId(await aMember(world, 'A', { roles: ['owner'] })) }),
  },
  {
    field: 'member',
    target: 'a member of another org',
    org: 'B',
    who: { perm: 'member:read' },
    ok: 'Member',
    document: MEMBER_DOC,
    variables: async (world) => ({ id: memberId(await aMember(world, 'B')) }),
  },
  {
    // A session must not tell a made-up id from another organization's (same ForbiddenError).
    field: 'member',
    target: 'a made-up id',
    org: null,
    who: 'apiKey',
    ok: 'NotFoundError',
    document: MEMBER_DOC,
    variables: async () => ({ id: madeUpId('Member') }),
  },
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'memberByEmail',
    target: `a member of ${which === 'A' ? 'own' : 'another'} org`,
    org: which,
    who: { perm: 'member:read' },
    ok: 'Member',
    document: MEMBER_BY_EMAIL_DOC,
    variables: async (world) => ({
      organization: ref(world, which),
      email: (await aMember(world, which)).email,
    }),
  })),
  {
    field: 'invitation',
    target: 'a pending owner invitation of own org',
    org: 'A',
    who: { perm: 'invitation:read' },
    ok: 'Invitation',
    document: INVITATION_DOC,
    variables: async (world) => ({
      id: invitationId(await anInvitation(world, 'A', { roles: ['owner'] })),
    }),
  },
  {
    field: 'invitation',
    target: 'an invitation of another org',
    org: 'B',
    who: { perm: 'invitation:read' },
    ok: 'Invitation',
    document: INVITATION_DOC,
    variables: async (world) => ({ id: invitationId(await anInvitation(world, 'B')) }),
  },
  {
    field: 'invitation',
    target: 'a made-up id',
    org: null,
    who: 'apiKey',
    ok: 'NotFoundError',
    document: INVITATION_DOC,
    variables: async () => ({ id: madeUpId('Invitation') }),
  },
  {
    field: 'invitationByToken',
    target: 'a live token',
    org: null,
    who: 'anyone',
    ok: 'InvitationPreview',
    document: query('invitationByToken', '($token: String!)', '(token: $token)'),
    variables: async (world) => ({ token: (await anInvitation(world, 'A')).token }),
  },
  // node(id): what one may not see is null, exactly like an id nobody has (issue 7, item 8).
  ...['Organization', 'Member', 'Invitation'].flatMap((typename) => [
    node(typename, 'A'),
    node(typename, 'B'),
    node(typename, null),
  ]),
  {
    field: 'nodes',
    target: NODES_ASKED.map(([typename, which]) => `${typename}@${which ?? 'made-up'}`).join(' '),
    org: null,
    who: 'anyone',
    ok: (profile) =>
      NODES_ASKED.map(([typename, which]) => nodeFor(profile, typename, which)).join(', '),
    nodeTypes: [...new Set(NODES_ASKED.map(([typename]) => typename))],
    document: NODES_DOC,
    variables: async (world) => ({
      ids: await (async () => {
        const ids: string[] = [];
        for (const [typename, which] of NODES_ASKED) {
          if (!which) ids.push(madeUpId(typename));
          else if (typename === 'Organization') ids.push(globalId(typename, org(world, which).id));
          else if (typename === 'Member') ids.push(memberId(await aMember(world, which)));
          else ids.push(invitationId(await anInvitation(world, which)));
        }
        return ids;
      })(),
    }),
  },

  // --- Organizations --------------------------------------------------------------------------
  {
    field: 'createOrganization',
    target: 'a new org',
    org: null,
    who: 'apiKey',
    ok: 'OrganizationPayload',
    document: mutation(
      'createOrganization',
      '($input: CreateOrganizationInput!)',
      '(input: $input)',
    ),
    variables: async () => ({ input: { name: 'New', slug: uniqueSlug('new') } }),
  },
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'updateOrganization',
    target: `${which === 'A' ? 'own' : 'another'} org: name`,
    org: which,
    who: { perm: 'organization:update' },
    ok: 'OrganizationPayload',
    document: UPDATE_ORG_DOC,
    variables: async (world) => ({ input: { organization: ref(world, which), name: 'Renamed' } }),
  })),
  {
    field: 'updateOrganization',
    target: 'own org: seat limit (not security-sensitive)',
    org: 'A',
    who: { perm: 'organization:update' },
    ok: 'OrganizationPayload',
    document: UPDATE_ORG_DOC,
    variables: async (world) => ({
      input: { organization: ref(world, 'A'), settings: { seatLimit: 1000 } },
    }),
  },
  // Security-sensitive settings are owner-level (issue 7, item 1; PRODUCT.md). Each cell sets a
  // new value, so that no cell's change is a no-op.
  {
    field: 'updateOrganization',
    target: 'own org: defaultRedirectUrl',
    org: 'A',
    who: { perm: 'organization:update', owner: true },
    ok: 'OrganizationPayload',
    document: UPDATE_ORG_DOC,
    variables: async (world) => ({
      input: {
        organization: ref(world, 'A'),
        settings: { defaultRedirectUrl: `https://app.example.com/${crypto.randomUUID()}` },
      },
    }),
  },
  {
    field: 'updateOrganization',
    target: 'own org: allowedEmailDomains',
    org: 'A',
    who: { perm: 'organization:update', owner: true },
    ok: 'OrganizationPayload',
    document: UPDATE_ORG_DOC,
    variables: async (world) => ({
      input: {
        organization: ref(world, 'A'),
        settings: {
          allowedEmailDomains: [`d${crypto.randomBytes(4).toString('hex')}.example.com`],
        },
      },
    }),
  },
  {
    field: 'updateOrganization',
    target: 'own org: invitePolicy',
    org: 'A',
    who: { perm: 'organization:update', owner: true },
    ok: 'OrganizationPayload',
    fresh: true,
    document: UPDATE_ORG_DOC,
    variables: async (world) => ({
      input: { organization: ref(world, 'A'), settings: { invitePolicy: 'DISABLED' } },
    }),
  },
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'deleteOrganization',
    target: `${which === 'A' ? 'own' : 'another'} org`,
    org: which,
    who: { perm: 'organization:delete' },
    ok: 'DeleteOrganizationPayload',
    fresh: true,
    document: DELETE_ORG_DOC,
    variables: async (world) => ({ organization: ref(world, which) }),
  })),

  // --- Members --------------------------------------------------------------------------------
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'updateMember',
    target: `a member of ${which === 'A' ? 'own' : 'another'} org: name`,
    org: which,
    who: { perm: 'member:update' },
    ok: 'UpdateMemberPayload',
    document: UPDATE_MEMBER_DOC,
    variables: async (world) => ({
      input: { id: memberId(await aMember(world, which)), name: 'Renamed' },
    }),
  })),
  {
    field: 'updateMember',
    target: 'a member: roles → admin',
    org: 'A',
    who: { perm: 'member:update', grants: ['admin', 'member'] },
    ok: 'UpdateMemberPayload',
    grantRefused: 'RoleNotGrantableError',
    document: UPDATE_MEMBER_DOC,
    variables: async (world) => ({
      input: { id: memberId(await aMember(world, 'A')), roles: ['admin'] },
    }),
  },
  {
    field: 'updateMember',
    target: 'a member: roles → owner',
    org: 'A',
    who: { perm: 'member:update', owner: true, grants: ['owner', 'member'] },
    ok: 'UpdateMemberPayload',
    grantRefused: 'RoleNotGrantableError',
    document: UPDATE_MEMBER_DOC,
    variables: async (world) => ({
      input: { id: memberId(await aMember(world, 'A')), roles: ['owner'] },
    }),
  },
  {
    field: 'updateMember',
    target: 'an owner: name',
    org: 'A',
    who: { perm: 'member:update', owner: true },
    ok: 'UpdateMemberPayload',
    document: UPDATE_MEMBER_DOC,
    variables: async (world) => ({
      input: { id: memberId(await aMember(world, 'A', { roles: ['owner'] })), name: 'Renamed' },
    }),
  },
  {
    field: 'updateMember',
    target: 'an owner: roles → admin',
    org: 'A',
    who: { perm: 'member:update', owner: true, grants: ['owner', 'admin'] },
    ok: 'UpdateMemberPayload',
    document: UPDATE_MEMBER_DOC,
    variables: async (world) => ({
      input: {
        id: memberId(await aMember(world, 'A', { roles: ['owner'] })),
        roles: ['admin'],
      },
    }),
  },
  {
    field: 'updateMember',
    target: 'a member: trustedMetadata',
    org: 'A',
    who: 'apiKey',
    ok: 'UpdateMemberPayload',
    document: UPDATE_MEMBER_DOC,
    variables: async (world) => ({
      input: { id: memberId(await aMember(world, 'A')), trustedMetadata: { plan: 'gold' } },
    }),
  },
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'deactivateMember',
    target: `a member of ${which === 'A' ? 'own' : 'another'} org`,
    org: which,
    who: { perm: 'member:delete', grants: ['member'] },
    ok: 'DeactivateMemberPayload',
    document: DEACTIVATE_DOC,
    variables: async (world) => ({ member: memberId(await aMember(world, which)) }),
  })),
  {
    field: 'deactivateMember',
    target: 'an owner',
    org: 'A',
    who: { perm: 'member:delete', owner: true },
    ok: 'DeactivateMemberPayload',
    document: DEACTIVATE_DOC,
    variables: async (world) => ({
      member: memberId(await aMember(world, 'A', { roles: ['owner'] })),
    }),
  },
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'reactivateMember',
    target: `a deactivated member of ${which === 'A' ? 'own' : 'another'} org`,
    org: which,
    who: { perm: 'member:update', grants: ['member'] },
    ok: 'ReactivateMemberPayload',
    document: REACTIVATE_DOC,
    variables: async (world) => ({
      member: memberId(await aMember(world, which, { status: 'DEACTIVATED' })),
    }),
  })),
  {
    field: 'reactivateMember',
    target: 'a deactivated owner',
    org: 'A',
    who: { perm: 'member:update', owner: true },
    ok: 'ReactivateMemberPayload',
    document: REACTIVATE_DOC,
    variables: async (world) => ({
      member: memberId(await aMember(world, 'A', { roles: ['owner'], status: 'DEACTIVATED' })),
    }),
  },
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'revokeMemberSessions',
    target: `a member of ${which === 'A' ? 'own' : 'another'} org`,
    org: which,
    who: { perm: 'member:update' },
    ok: 'RevokeMemberSessionsPayload',
    document: REVOKE_SESSIONS_DOC,
    variables: async (world) => ({ member: memberId(await aMember(world, which)) }),
  })),
  {
    field: 'revokeMemberSessions',
    target: 'an owner',
    org: 'A',
    who: { perm: 'member:update', owner: true },
    ok: 'RevokeMemberSessionsPayload',
    document: REVOKE_SESSIONS_DOC,
    variables: async (world) => ({
      member: memberId(await aMember(world, 'A', { roles: ['owner'] })),
    }),
  },
  {
    field: 'updateSelf',
    target: 'the caller itself',
    org: null,
    who: 'session',
    ok: 'UpdateSelfPayload',
    document: mutation('updateSelf', '($input: UpdateSelfInput!)', '(input: $input)'),
    variables: async () => ({ input: { name: 'Me' } }),
  },
  {
    // Signs the caller out: each caller's session is used by this row only.
    field: 'revokeSession',
    target: "the caller's own session",
    org: null,
    who: 'session',
    ok: 'RevokeSessionPayload',
    document: mutation('revokeSession', '', ''),
    variables: async () => ({}),
  },

  // --- Roles ----------------------------------------------------------------------------------
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'createRole',
    target: `${which === 'A' ? 'own' : 'another'} org: carrying member:read`,
    org: which,
    who: { perm: 'role:create', holds: ['member:read'] },
    ok: 'CreateRolePayload',
    grantRefused: 'RoleNotGrantableError',
    document: CREATE_ROLE_DOC,
    variables: async (world) => ({
      input: {
        organization: ref(world, which),
        key: `role-${crypto.randomBytes(4).toString('hex')}`,
        name: 'Reader',
        permissions: ['member:read'],
      },
    }),
  })),
  {
    field: 'createRole',
    target: 'own org: carrying organization:delete',
    org: 'A',
    who: { perm: 'role:create', holds: ['organization:delete'] },
    ok: 'CreateRolePayload',
    grantRefused: 'RoleNotGrantableError',
    document: CREATE_ROLE_DOC,
    variables: async (world) => ({
      input: {
        organization: ref(world, 'A'),
        key: `role-${crypto.randomBytes(4).toString('hex')}`,
        name: 'Closer',
        permissions: ['organization:delete'],
      },
    }),
  },
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'updateRole',
    target: `a custom role of ${which === 'A' ? 'own' : 'another'} org: name`,
    org: which,
    who: { perm: 'role:update' },
    ok: 'UpdateRolePayload',
    document: UPDATE_ROLE_DOC,
    variables: async (world) => ({
      input: { organization: ref(world, which), key: await aRole(world, which), name: 'Renamed' },
    }),
  })),
  {
    field: 'updateRole',
    target: 'a custom role: adding invitation:create',
    org: 'A',
    who: { perm: 'role:update', holds: ['member:read', 'invitation:create'] },
    ok: 'UpdateRolePayload',
    grantRefused: 'RoleNotGrantableError',
    document: UPDATE_ROLE_DOC,
    variables: async (world) => ({
      input: {
        organization: ref(world, 'A'),
        key: await aRole(world, 'A'),
        permissions: ['member:read', 'invitation:create'],
      },
    }),
  },
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'deleteRole',
    target: `a custom role of ${which === 'A' ? 'own' : 'another'} org`,
    org: which,
    who: { perm: 'role:delete' },
    ok: 'DeleteRolePayload',
    document: DELETE_ROLE_DOC,
    variables: async (world) => ({
      organization: ref(world, which),
      key: await aRole(world, which),
    }),
  })),

  // --- Invitations ----------------------------------------------------------------------------
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'inviteMember',
    target: `a new address in ${which === 'A' ? 'own' : 'another'} org`,
    org: which,
    who: { perm: 'invitation:create', grants: ['member'] },
    ok: 'InviteMemberPayload',
    document: INVITE_DOC,
    variables: async (world) => ({
      input: { organization: ref(world, which), email: randomAddress('new') },
    }),
  })),
  {
    field: 'inviteMember',
    target: 'a new address, granting admin',
    org: 'A',
    who: { perm: 'invitation:create', grants: ['admin'] },
    ok: 'InviteMemberPayload',
    grantRefused: 'RoleNotGrantableError',
    document: INVITE_DOC,
    variables: async (world) => ({
      input: { organization: ref(world, 'A'), email: randomAddress('new'), roles: ['admin'] },
    }),
  },
  {
    field: 'inviteMember',
    target: 'a new address, granting owner',
    org: 'A',
    who: { perm: 'invitation:create', owner: true, grants: ['owner'] },
    ok: 'InviteMemberPayload',
    grantRefused: 'RoleNotGrantableError',
    document: INVITE_DOC,
    variables: async (world) => ({
      input: { organization: ref(world, 'A'), email: randomAddress('new'), roles: ['owner'] },
    }),
  },
  {
    // The link comes back to the caller: for API keys only (issue 7, item 3).
    field: 'inviteMember',
    target: 'a new address, notify: false',
    org: 'A',
    who: { perm: 'invitation:create', grants: ['member'], linkToKeysOnly: true },
    ok: 'InviteMemberPayload+link',
    document: INVITE_DOC,
    variables: async (world) => ({
      input: { organization: ref(world, 'A'), email: randomAddress('new'), notify: false },
    }),
  },
  {
    field: 'inviteMember',
    target: 'a new address, with trustedMetadata',
    org: 'A',
    who: 'apiKey',
    ok: 'InviteMemberPayload',
    document: INVITE_DOC,
    variables: async (world) => ({
      input: {
        organization: ref(world, 'A'),
        email: randomAddress('new'),
        trustedMetadata: { plan: 'gold' },
      },
    }),
  },
  {
    // Resending, resendIfPending included, needs invitation:resend (issue 7, item 3).
    field: 'inviteMember',
    target: 'a pending invitation, resendIfPending',
    org: 'A',
    who: { perm: 'invitation:create', holds: ['invitation:resend'], grants: ['member'] },
    ok: 'InviteMemberPayload',
    document: INVITE_DOC,
    variables: async (world) => ({
      input: {
        organization: ref(world, 'A'),
        email: (await anInvitation(world, 'A')).email,
        resendIfPending: true,
      },
    }),
  },
  {
    // The hijack of issue 7, item 3: a fresh link for someone else's pending invitation.
    field: 'inviteMember',
    target: 'a pending invitation, resendIfPending + notify: false',
    org: 'A',
    who: {
      perm: 'invitation:create',
      holds: ['invitation:resend'],
      grants: ['member'],
      linkToKeysOnly: true,
    },
    ok: 'InviteMemberPayload+link',
    document: INVITE_DOC,
    variables: async (world) => ({
      input: {
        organization: ref(world, 'A'),
        email: (await anInvitation(world, 'A')).email,
        resendIfPending: true,
        notify: false,
      },
    }),
  },
  {
    // Rewriting the roles of a pending owner invitation acts on it (issue 7, item 4).
    field: 'inviteMember',
    target: 'a pending owner invitation, resendIfPending, roles → member',
    org: 'A',
    who: { perm: 'invitation:create', holds: ['invitation:resend'], owner: true },
    ok: 'InviteMemberPayload',
    document: INVITE_DOC,
    variables: async (world) => ({
      input: {
        organization: ref(world, 'A'),
        email: (await anInvitation(world, 'A', { roles: ['owner'] })).email,
        resendIfPending: true,
        roles: ['member'],
      },
    }),
  },
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'inviteMembers',
    target: `a new address in ${which === 'A' ? 'own' : 'another'} org`,
    org: which,
    who: { perm: 'invitation:create', grants: ['member'] },
    ok: 'InviteMemberPayload',
    document: INVITE_MANY_DOC,
    variables: async (world) => ({
      input: { organization: ref(world, which), invitations: [{ email: randomAddress('new') }] },
    }),
  })),
  {
    field: 'inviteMembers',
    target: 'a new address, granting owner',
    org: 'A',
    who: { perm: 'invitation:create', owner: true, grants: ['owner'] },
    ok: 'InviteMemberPayload',
    grantRefused: 'RoleNotGrantableError',
    document: INVITE_MANY_DOC,
    variables: async (world) => ({
      input: {
        organization: ref(world, 'A'),
        invitations: [{ email: randomAddress('new') }],
        roles: ['owner'],
      },
    }),
  },
  {
    field: 'inviteMembers',
    target: 'a new address, notify: false',
    org: 'A',
    who: { perm: 'invitation:create', grants: ['member'], linkToKeysOnly: true },
    ok: 'InviteMemberPayload+link',
    document: INVITE_MANY_DOC,
    variables: async (world) => ({
      input: {
        organization: ref(world, 'A'),
        invitations: [{ email: randomAddress('new') }],
        notify: false,
      },
    }),
  },
  // Resend passes the same role-grant check as a new invite (issue 7, item 2).
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'resendInvitation',
    target: `a pending invitation of ${which === 'A' ? 'own' : 'another'} org`,
    org: which,
    who: { perm: 'invitation:resend', grants: ['member'] },
    ok: 'ResendInvitationPayload',
    document: RESEND_DOC,
    variables: async (world) => ({
      invitation: invitationId(await anInvitation(world, which)),
    }),
  })),
  {
    field: 'resendInvitation',
    target: 'a pending owner invitation',
    org: 'A',
    who: { perm: 'invitation:resend', owner: true, grants: ['owner'] },
    ok: 'ResendInvitationPayload',
    document: RESEND_DOC,
    variables: async (world) => ({
      invitation: invitationId(await anInvitation(world, 'A', { roles: ['owner'] })),
    }),
  },
  {
    field: 'resendInvitation',
    target: "a deactivated owner's expired owner invitation (revival)",
    org: 'A',
    who: { perm: 'invitation:resend', owner: true, grants: ['owner'] },
    ok: 'ResendInvitationPayload',
    document: RESEND_DOC,
    variables: async (world) => ({
      invitation: invitationId(await anExpiredOwnerInvitation(world)),
    }),
  },
  {
    field: 'resendInvitation',
    target: 'a pending invitation made with notify: false',
    org: 'A',
    who: { perm: 'invitation:resend', grants: ['member'], linkToKeysOnly: true },
    ok: 'ResendInvitationPayload+link',
    document: RESEND_DOC,
    variables: async (world) => ({
      invitation: invitationId(await anInvitation(world, 'A', { notify: false })),
    }),
  },
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'revokeInvitation',
    target: `a pending invitation of ${which === 'A' ? 'own' : 'another'} org`,
    org: which,
    who: { perm: 'invitation:revoke' },
    ok: 'RevokeInvitationPayload',
    document: REVOKE_INVITATION_DOC,
    variables: async (world) => ({
      invitation: invitationId(await anInvitation(world, which)),
    }),
  })),
  {
    field: 'revokeInvitation',
    target: 'a pending owner invitation',
    org: 'A',
    who: { perm: 'invitation:revoke', owner: true },
    ok: 'RevokeInvitationPayload',
    document: REVOKE_INVITATION_DOC,
    variables: async (world) => ({
      invitation: invitationId(await anInvitation(world, 'A', { roles: ['owner'] })),
    }),
  },
  // The token is the credential: whoever holds it may accept or decline.
  {
    field: 'acceptInvitation',
    target: 'a live token',
    org: null,
    who: 'anyone',
    ok: 'AcceptInvitationPayload',
    document: mutation('acceptInvitation', '($token: String!)', '(token: $token)'),
    variables: async (world) => ({ token: (await anInvitation(world, 'A')).token }),
  },
  {
    field: 'declineInvitation',
    target: 'a live token',
    org: null,
    who: 'anyone',
    ok: 'DeclineInvitationPayload',
    document: mutation('declineInvitation', '($token: String!)', '(token: $token)'),
    variables: async (world) => ({ token: (await anInvitation(world, 'A')).token }),
  },

  // --- Sign-in --------------------------------------------------------------------------------
  ...(['A', 'B'] as const).map((which): Row => ({
    field: 'sendSignInLink',
    target: `a member of ${which === 'A' ? 'own' : 'another'} org`,
    org: which,
    who: 'apiKey',
    ok: 'SendSignInLinkPayload',
    document: mutation('sendSignInLink', '($input: SendSignInLinkInput!)', '(input: $input)'),
    variables: async (world) => ({
      input: { organization: ref(world, which), email: (await aMember(world, which)).email },
    }),
  })),
  {
    field: 'redeemSignInLink',
    target: 'a live token',
    org: null,
    who: 'anyone',
    ok: 'RedeemSignInLinkPayload',
    document: mutation('redeemSignInLink', '($token: String!)', '(token: $token)'),
    variables: async (world) => ({
      token: await aSignInLinkToken(world),
    }),
  },
];

// ---------------------------------------------------------------------------------------------
// The rules

function canGrant(profile: Extract<Profile, { kind: 'session' }>, roles: readonly string[]) {
  return roles.every((role) =>
    role === 'owner'
      ? profile.roles.includes('owner')
      : BUILTIN_ROLES[role as keyof typeof BUILTIN_ROLES].permissions.every((permission) =>
          profile.permissions.has(permission),
        ),
  );
}

/** The outcomes a caller may get from a row (usually exactly one). */
export function expectedOutcomes(row: Row, caller: string): string[] {
  const profile = CALLERS[caller]!.profile;
  if (profile.kind === 'dead') return ['UNAUTHENTICATED'];
  const ok = typeof row.ok === 'function' ? row.ok(profile, row) : row.ok;
  const refused = row.refused ?? 'ForbiddenError';
  const { who } = row;
  if (who === 'anyone') return [ok];
  if (who === 'apiKey') return [profile.kind === 'apiKey' ? ok : refused];
  if (who === 'session') return [profile.kind === 'session' ? ok : refused];
  if (profile.kind === 'apiKey') return [ok];
  if (profile.kind === 'anonymous') return [refused];
  if (profile.org !== row.org || !profile.permissions.has(who.perm)) return [refused];
  if (who.holds?.some((permission) => !profile.permissions.has(permission))) {
    return row.grantRefused ? [row.grantRefused] : REFUSED_BY_RULE;
  }
  if (who.owner && !profile.roles.includes('owner')) return REFUSED_BY_RULE;
  if (who.grants && !canGrant(profile, who.grants)) {
    return row.grantRefused ? [row.grantRefused] : REFUSED_BY_RULE;
  }
  // Refused, or served without handing out the link (e.g. mailed instead).
  if (who.linkToKeysOnly) return [...REFUSED_BY_RULE, ok.replace('+link', '')];
  return [ok];
}

type Result = Record<string, any>; // GraphQL results are untyped in these tests.

function typenameOf(value: Result | null | undefined): string {
  if (value == null) return 'null';
  return `${value.__typename}${value.acceptUrl ? '+link' : ''}`;
}

/** What a response amounts to, as an outcome string. */
function outcomeOf(row: Row, res: GraphQLResponse): string {
  const errors = res.errors as
    { message: string; path?: unknown[]; extensions?: Result }[] | undefined;
  if (res.status === 401 || errors?.some((error) => error.extensions?.code === 'UNAUTHENTICATED')) {
    return 'UNAUTHENTICATED';
  }
  if (errors?.length) {
    return `error: ${errors[0]!.message} at ${JSON.stringify(errors[0]!.path ?? [])}`;
  }
  const data = res.data!;
  switch (row.field) {
    case 'isAuthorized':
      return ALL_PERMISSIONS.filter((_, index) => data[`p${index}`] === true).join(' ') || '(none)';
    case 'viewer':
      return `Viewer:${data.viewer.kind}`;
    case 'nodes':
      return (data.nodes as (Result | null)[]).map(typenameOf).join(', ');
    case 'inviteMembers':
      // One invitation per call: its own result is the outcome.
      return data.inviteMembers.__typename === 'InviteMembersPayload'
        ? typenameOf(data.inviteMembers.results[0])
        : typenameOf(data.inviteMembers);
    default:
      return typenameOf(data[row.field]);
  }
}

function rowName(row: Row): string {
  return `${row.field} · ${row.target}`;
}

// ---------------------------------------------------------------------------------------------

describe('the authorization matrix', () => {
  const rootFields = (type: 'Query' | 'Mutation') =>
    Object.keys((type === 'Query' ? schema.getQueryType() : schema.getMutationType())!.getFields());
  const nodeTypes = Object.values(schema.getTypeMap())
    .filter((type) => isObjectType(type) && type.getInterfaces().some((i) => i.name === 'Node'))
    .map((type) => type.name)
    .sort();
  /** Fields that act on no organization's objects: the caller itself, or a token. */
  const WITHOUT_TARGET = [
    'viewer',
    'invitationByToken',
    'acceptInvitation',
    'declineInvitation',
    'redeemSignInLink',
    'updateSelf',
    'revokeSession',
    'createOrganization',
    'nodes',
  ];

  it('has rows for every Query and Mutation field, and none for a field that is gone', () => {
    const inSchema = [...rootFields('Query'), ...rootFields('Mutation')].sort();
    const inTable = [...new Set(ROWS.map((row) => row.field))].sort();
    expect({
      withoutRow: inSchema.filter((name) => !inTable.includes(name)),
      notInSchema: inTable.filter((name) => !inSchema.includes(name)),
    }).toEqual({ withoutRow: [], notInSchema: [] });
  });

  it('tries every field that acts on an organization against another organization', () => {
    const withoutOtherOrg = [...rootFields('Query'), ...rootFields('Mutation')].filter(
      (name) =>
        !WITHOUT_TARGET.includes(name) && !ROWS.some((r) => r.field === name && r.org === 'B'),
    );
    expect(withoutOtherOrg).toEqual([]);
  });

  it('reads every node type through node (own org, another org, made-up id) and nodes', () => {
    expect(isInterfaceType(getNamedType(schema.getQueryType()!.getFields().node!.type))).toBe(true);
    const covered = (typename: string) => ({
      node: ROWS.filter((r) => r.field === 'node' && r.nodeTypes?.includes(typename))
        .map((r) => r.org ?? 'made-up')
        .sort(),
      nodes: ROWS.some((r) => r.field === 'nodes' && r.nodeTypes?.includes(typename)),
    });
    expect(Object.fromEntries(nodeTypes.map((t) => [t, covered(t)]))).toEqual(
      Object.fromEntries(nodeTypes.map((t) => [t, { node: ['A', 'B', 'made-up'], nodes: true }])),
    );
  });

  it('has a caller holding each permission alone', () => {
    const alone = Object.values(CALLERS).flatMap(({ profile }) =>
      profile.kind === 'session' && profile.permissions.size === 1 ? [...profile.permissions] : [],
    );
    expect(alone.sort()).toEqual([...ALL_PERMISSIONS].sort());
  });

  for (const row of ROWS) {
    describe(rowName(row), () => {
      let shared: World | undefined;
      beforeAll(async () => {
        if (!row.fresh) shared = await newWorld();
      });
      for (const caller of CALLER_NAMES) {
        const acceptable = expectedOutcomes(row, caller);
        it(`${caller}: ${acceptable.join(' | ')}`, async () => {
          const world = shared ?? (await newWorld());
          const variables = await row.variables(world);
          const got = outcomeOf(
            row,
            await server.gql(row.document, variables, world.tokens[caller]),
          );
          const cell = `${rowName(row)}, as ${caller}: expected ${acceptable.join(' or ')}, got ${got}`;
          if (!acceptable.includes(got)) expect.fail(cell);
        });
      }
    });
  }
});
