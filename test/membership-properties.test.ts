// Properties of membership under random sequences of operations by random actors, through the
// real Yoga server (fast-check). Two organizations, A and B, each with an owner, an admin, a
// member and a "helper" (a custom role that may invite, resend, revoke and update members, but
// holds no admin or owner rights), plus an API key; they invite with random roles, accept, revoke,
// resend, change roles, deactivate, reactivate, sign members out, create roles and read, on
// either organization; time passes now and then (an invitation expires and the sweep runs).
//
// After every step:
// 1. every organization keeps an ACTIVE owner;
// 2. nobody holds a role that no one entitled to grant it granted. Each (re)issue of an
//    invitation grants its roles (PRODUCT.md: the grant rule holds "on every path that creates,
//    re-issues, revives or rewrites an invitation"), so the actor must have been entitled to each
//    of them just before the step; a member that became ACTIVE by accepting may hold only what its
//    invitation granted; any other role a member newly holds (updateMember, reactivateMember) must
//    be one the actor was entitled to grant; a new custom role may carry only permissions its
//    creator held. Entitled: an API key; or an ACTIVE member of that organization holding every
//    permission of the role, and for `owner` an owner;
// 3. nothing in organization A is read or changed through B (nor B through A): a session acting
//    on the other organization is refused and that organization's rows are exactly as before;
// 4. an accept link reaches only an API key (a member never receives another person's link).
//
// Deterministic: a fixed seed (override with FC_SEED), printed with the shrunk counterexample.
import crypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_PERMISSIONS,
  firstUngrantableRole,
  permissionsOf,
  type Permission,
} from '../src/auth/permissions.ts';
import { prisma } from '../src/db.ts';
import { expireInvitations } from '../src/services/invitations.ts';
import {
  globalId,
  newApiKey,
  newCustomRoles,
  newInvitations,
  newMembers,
  newOrganization,
} from './helpers/fixtures.ts';
import { useTestServer, type GraphQLResponse } from './helpers/server.ts';

const server = useTestServer();

const SEED = Number(process.env.FC_SEED ?? 20261129);
const NUM_RUNS = Number(process.env.FC_RUNS ?? 12);
const MAX_STEPS = 25;

const ORGS = ['A', 'B'] as const;
type OrgName = (typeof ORGS)[number];

const HELPER_PERMISSIONS: Permission[] = [
  'organization:read',
  'member:read',
  'invitation:read',
  'role:read',
  'invitation:create',
  'invitation:resend',
  'invitation:revoke',
  'member:update',
];
const SEEDED_ROLES = [
  { key: 'helper', permissions: HELPER_PERMISSIONS },
  { key: 'reader', permissions: ['member:read'] },
];
const ROLE_POOL = ['owner', 'admin', 'member', 'helper', 'reader'];
const SESSION_ROLES = ['owner', 'admin', 'member', 'helper'] as const;
const ACTORS = ['apiKey', ...ORGS.flatMap((o) => SESSION_ROLES.map((r) => `${o}:${r}`))];
/** A few addresses, so that invitations meet pending invitations, members and former members. */
const EMAILS = 5;

// ---------------------------------------------------------------------------------------------
// Steps

const pick = fc.nat({ max: 1000 });
const roles = fc.subarray(ROLE_POOL, { minLength: 1, maxLength: 2 });
const operation = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('invite' as const),
      email: fc.nat({ max: EMAILS - 1 }),
      roles,
      notify: fc.boolean(),
      resendIfPending: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('accept' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('resend' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('updateRoles' as const), pick, roles }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deactivate' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reactivate' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revokeSessions' as const), pick }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('createRole' as const),
      permissions: fc.subarray(ALL_PERMISSIONS, { minLength: 1, maxLength: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      pick,
      what: fc.constantFrom('Member', 'Invitation'),
    }),
  },
);
// Mostly on the actor's own organization, one step in four on the other one.
const step = fc
  .record({ actor: fc.constantFrom(...ACTORS), other: fc.nat({ max: 3 }), op: operation })
  .map(({ actor, other, op }) => {
    const own: OrgName =
      actor.startsWith('B:') || (actor === 'apiKey' && other % 2 === 1) ? 'B' : 'A';
    const org: OrgName = other === 0 && actor !== 'apiKey' ? (own === 'A' ? 'B' : 'A') : own;
    return { actor, org, op };
  });
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

// ---------------------------------------------------------------------------------------------
// The world and its state

interface World {
  orgs: Record<OrgName, { id: string; slug: string }>;
  tokens: Record<string, string>;
  /** Actor name → member id (sessions). */
  memberIds: Record<string, string>;
  /** The latest token handed out per invitation (to API keys, or seeded), by invitation id. */
  invitationTokens: Map<string, string>;
  emails: string[];
}

async function newWorld(): Promise<World> {
  const world: World = {
    orgs: {} as World['orgs'],
    tokens: { apiKey: await newApiKey('properties') },
    memberIds: {},
    invitationTokens: new Map(),
    emails: Array.from(
      { length: EMAILS },
      (_, i) => `p${i}-${crypto.randomBytes(3).toString('hex')}@example.com`,
    ),
  };
  for (const name of ORGS) {
    const organization = await newOrganization();
    world.orgs[name] = organization;
    await newCustomRoles(organization.id, SEEDED_ROLES);
    const members = await newMembers(
      organization.id,
      SESSION_ROLES.map((role) => ({ roles: [role] })),
    );
    SESSION_ROLES.forEach((role, i) => {
      world.tokens[`${name}:${role}`] = members[i]!.token!;
      world.memberIds[`${name}:${role}`] = members[i]!.id;
    });
    // Some history, granted by an API key: a pending owner invitation, a pending member
    // invitation whose link the backend delivers, and a former owner whose owner invitation
    // expired.
    const [former] = await newMembers(organization.id, [
      { roles: ['owner'], status: 'DEACTIVATED' },
    ]);
    const seeded = await newInvitations(organization.id, [
      { roles: ['owner'] },
      { roles: ['member'], notify: false },
      { roles: ['owner'], status: 'EXPIRED', email: former!.email },
    ]);
    for (const invitation of seeded) {
      if (invitation.token) world.invitationTokens.set(invitation.id, invitation.token);
    }
  }
  return world;
}

/** Everything the properties look at, for both organizations. */
async function snapshot(world: World) {
  const organizationIds = ORGS.map((name) => world.orgs[name].id);
  const where = { organizationId: { in: organizationIds } };
  const [members, invitations, customRoles, sessions] = await Promise.all([
    prisma.member.findMany({
      where,
      select: {
        id: true,
        organizationId: true,
        email: true,
        status: true,
        roles: true,
        name: true,
      },
      orderBy: { id: 'asc' },
    }),
    prisma.invitation.findMany({
      where,
      select: {
        id: true,
        organizationId: true,
        email: true,
        status: true,
        roles: true,
        tokenHash: true,
        expiresAt: true,
        memberId: true,
        sendCount: true,
      },
      orderBy: { id: 'asc' },
    }),
    prisma.customRole.findMany({
      where,
      select: { organizationId: true, key: true, permissions: true },
      orderBy: { key: 'asc' },
    }),
    prisma.memberSession.findMany({
      where: { member: where },
      select: { id: true, memberId: true, revokedAt: true },
      orderBy: { id: 'asc' },
    }),
  ]);
  return { members, invitations, customRoles, sessions };
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>;

function ofOrganization(state: Snapshot, organizationId: string) {
  const memberIds = new Set(
    state.members.filter((m) => m.organizationId === organizationId).map((m) => m.id),
  );
  return JSON.stringify({
    members: state.members.filter((m) => m.organizationId === organizationId),
    invitations: state.invitations.filter((i) => i.organizationId === organizationId),
    customRoles: state.customRoles.filter((r) => r.organizationId === organizationId),
    sessions: state.sessions.filter((s) => memberIds.has(s.memberId)),
  });
}

// ---------------------------------------------------------------------------------------------
// Running a step

const INVITE = `mutation($input: InviteMemberInput!) { inviteMember(input: $input) {
  __typename ... on InviteMemberPayload { acceptUrl invitation { id } } } }`;
const RESEND = `mutation($id: ID!) { resendInvitation(id: $id) {
  __typename ... on ResendInvitationPayload { acceptUrl invitation { id } } } }`;
const simple = (field: string, params: string, args: string) =>
  `mutation(${params}) { ${field}(${args}) { __typename } }`;
const DOCS = {
  accept: simple('acceptInvitation', '$token: String!', 'token: $token'),
  revoke: simple('revokeInvitation', '$id: ID!', 'id: $id'),
  updateRoles: `mutation($input: UpdateMemberInput!) { updateMember(input: $input) { __typename } }`,
  deactivate: simple('deactivateMember', '$id: ID!', 'id: $id'),
  reactivate: simple('reactivateMember', '$id: ID!', 'id: $id'),
  revokeSessions: simple('revokeMemberSessions', '$id: ID!', 'id: $id'),
  createRole: `mutation($input: CreateRoleInput!) { createRole(input: $input) { __typename } }`,
  read: `query($id: ID!) { node(id: $id) { __typename id } }`,
};

interface Outcome {
  /** The result's typename (or "null", "UNAUTHENTICATED", "error: …"); null when not sent. */
  result: string | null;
  /** An accept link in the response. */
  link: string | null;
  /** The organization the step acted on (null: not sent). */
  targetOrg: OrgName | null;
}

function resultOf(res: GraphQLResponse): { result: string; link: string | null; payload: any } {
  if (res.status === 401) return { result: 'UNAUTHENTICATED', link: null, payload: null };
  if (res.errors?.length)
    return { result: `error: ${res.errors[0]!.message}`, link: null, payload: null };
  const payload = Object.values(res.data!)[0] as any;
  return {
    result: payload === null ? 'null' : payload.__typename,
    link: payload?.acceptUrl ?? null,
    payload,
  };
}

const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;
const idOf = (id: string) => Buffer.from(id, 'base64').toString('utf8').split(':')[1]!;

async function run(world: World, state: Snapshot, { actor, org, op }: Step): Promise<Outcome> {
  const organization = world.orgs[org];
  const members = state.members.filter((m) => m.organizationId === organization.id);
  const invitations = state.invitations.filter((i) => i.organizationId === organization.id);
  const token = world.tokens[actor];
  const send = async (document: string, variables: Record<string, unknown>, bearer = token) => {
    const { result, link, payload } = resultOf(await server.gql(document, variables, bearer));
    return { result, link, targetOrg: org, payload };
  };
  const member = (n: number) => members[n % members.length]!;
  const remember = (invitationGlobalId: string, link: string) =>
    world.invitationTokens.set(idOf(invitationGlobalId), tokenOf(link));
  switch (op.kind) {
    case 'invite': {
      const out = await send(INVITE, {
        input: {
          organization: { slug: organization.slug },
          email: world.emails[op.email],
          roles: op.roles,
          notify: op.notify,
          resendIfPending: op.resendIfPending,
        },
      });
      if (out.link && actor === 'apiKey') remember(out.payload.invitation.id, out.link);
      return out;
    }
    case 'resend': {
      if (!invitations.length) return { result: null, link: null, targetOrg: null };
      const invitation = invitations[op.pick % invitations.length]!;
      const out = await send(RESEND, { id: globalId('Invitation', invitation.id) });
      if (out.link && actor === 'apiKey') remember(out.payload.invitation.id, out.link);
      return out;
    }
    case 'accept': {
      // The invitee, with whatever link reached it: the email's, or the one an API key was given.
      const pending = invitations.filter((i) => i.status === 'PENDING' && i.tokenHash);
      if (!pending.length) return { result: null, link: null, targetOrg: null };
      const invitation = pending[op.pick % pending.length]!;
      const email = await prisma.emailOutbox.findFirst({
        where: { invitationId: invitation.id, status: 'QUEUED', secret: { not: null } },
        orderBy: { createdAt: 'desc' },
      });
      const token = email?.secret
        ? tokenOf(email.secret)
        : world.invitationTokens.get(invitation.id);
      if (!token) return { result: null, link: null, targetOrg: null };
      // Anyone holding the token may accept: this acts on no organization as the actor.
      const out = await send(DOCS.accept, { token }, undefined);
      return { result: out.result, link: null, targetOrg: null };
    }
    case 'revoke': {
      if (!invitations.length) return { result: null, link: null, targetOrg: null };
      return send(DOCS.revoke, {
        id: globalId('Invitation', invitations[op.pick % invitations.length]!.id),
      });
    }
    case 'expire': {
      // Time passes for one pending invitation, and the expiry sweep runs.
      const pending = invitations.filter((i) => i.status === 'PENDING');
      if (!pending.length) return { result: null, link: null, targetOrg: null };
      await prisma.invitation.update({
        where: { id: pending[op.pick % pending.length]!.id },
        data: { expiresAt: new Date(Date.now() - 1000) },
      });
      await expireInvitations();
      return { result: 'time passed', link: null, targetOrg: null };
    }
    case 'updateRoles':
      return send(DOCS.updateRoles, {
        input: { id: globalId('Member', member(op.pick).id), roles: op.roles },
      });
    case 'deactivate':
    case 'reactivate':
    case 'revokeSessions':
      return send(DOCS[op.kind], { id: globalId('Member', member(op.pick).id) });
    case 'createRole':
      return send(DOCS.createRole, {
        input: {
          organization: { slug: organization.slug },
          key: `r-${crypto.randomBytes(3).toString('hex')}`,
          name: 'Random',
          permissions: op.permissions,
        },
      });
    case 'read': {
      const rows = op.what === 'Member' ? members : invitations;
      if (!rows.length) return { result: null, link: null, targetOrg: null };
      return send(DOCS.read, { id: globalId(op.what, rows[op.pick % rows.length]!.id) });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The properties

/** Whether `actor` could grant `role` in the organization, by the state before the step. */
function entitled(
  world: World,
  before: Snapshot,
  actor: string,
  organizationId: string,
  role: string,
) {
  if (actor === 'apiKey') return true;
  const me = before.members.find((m) => m.id === world.memberIds[actor]);
  if (!me || me.status !== 'ACTIVE' || me.organizationId !== organizationId) return false;
  const customRoles = before.customRoles.filter((r) => r.organizationId === organizationId);
  const granter = { roles: me.roles, permissions: permissionsOf(me.roles, customRoles) };
  return firstUngrantableRole(granter, [role], customRoles) === undefined;
}

function holdsAll(
  world: World,
  before: Snapshot,
  actor: string,
  organizationId: string,
  permissions: string[],
) {
  if (actor === 'apiKey') return true;
  const me = before.members.find((m) => m.id === world.memberIds[actor]);
  if (!me || me.status !== 'ACTIVE' || me.organizationId !== organizationId) return false;
  const held = permissionsOf(
    me.roles,
    before.customRoles.filter((r) => r.organizationId === organizationId),
  );
  return permissions.every((permission) => held.has(permission as Permission));
}

/** Every broken property after a step, in words (empty: all hold). */
function violations(
  world: World,
  before: Snapshot,
  after: Snapshot,
  s: Step,
  outcome: Outcome,
): string[] {
  const found: string[] = [];
  const { actor } = s;
  const orgName = (id: string) => ORGS.find((name) => world.orgs[name].id === id)!;

  // 1. An active owner in every organization.
  for (const name of ORGS) {
    const owners = after.members.filter(
      (m) =>
        m.organizationId === world.orgs[name].id &&
        m.status === 'ACTIVE' &&
        m.roles.includes('owner'),
    );
    if (!owners.length) found.push(`organization ${name} has no ACTIVE owner`);
  }

  // 2. Every role held was granted by someone entitled to grant it.
  if (outcome.result !== 'time passed') {
    for (const invitation of after.invitations) {
      const previous = before.invitations.find((i) => i.id === invitation.id);
      const issued =
        invitation.status === 'PENDING' && invitation.tokenHash !== (previous?.tokenHash ?? null);
      const added = issued
        ? invitation.roles
        : invitation.roles.filter((r) => !previous?.roles.includes(r));
      for (const role of added) {
        if (!entitled(world, before, actor, invitation.organizationId, role)) {
          found.push(
            `${actor} ${issued ? (previous ? 're-issued' : 'issued') : 'rewrote'} an invitation of ${orgName(invitation.organizationId)} granting "${role}", which it may not grant`,
          );
        }
      }
    }
    for (const member of after.members.filter((m) => m.status === 'ACTIVE')) {
      const previous = before.members.find((m) => m.id === member.id);
      if (previous?.status === 'ACTIVE') {
        for (const role of member.roles.filter((r) => !previous.roles.includes(r))) {
          if (!entitled(world, before, actor, member.organizationId, role)) {
            found.push(
              `${actor} gave ${member.email} (${orgName(member.organizationId)}) the role "${role}", which it may not grant`,
            );
          }
        }
        continue;
      }
      const accepted = after.invitations.find(
        (i) =>
          i.status === 'ACCEPTED' &&
          before.invitations.some((b) => b.id === i.id && b.status === 'PENDING') &&
          i.email.toLowerCase() === member.email.toLowerCase() &&
          i.organizationId === member.organizationId,
      );
      const granted = accepted ? before.invitations.find((i) => i.id === accepted.id)!.roles : null;
      for (const role of member.roles) {
        const ok = granted
          ? granted.includes(role)
          : entitled(world, before, actor, member.organizationId, role);
        if (!ok) {
          found.push(
            `${member.email} (${orgName(member.organizationId)}) became ACTIVE holding "${role}" ${granted ? 'beyond what its invitation granted' : `through ${actor}, which may not grant it`}`,
          );
        }
      }
    }
    for (const role of after.customRoles.filter(
      (r) =>
        !before.customRoles.some((b) => b.organizationId === r.organizationId && b.key === r.key),
    )) {
      if (!holdsAll(world, before, actor, role.organizationId, role.permissions)) {
        found.push(
          `${actor} created the role "${role.key}" in ${orgName(role.organizationId)} with permissions it does not hold`,
        );
      }
    }
  }

  // 3. Nothing of one organization read or changed through the other.
  if (actor !== 'apiKey' && outcome.targetOrg && !actor.startsWith(`${outcome.targetOrg}:`)) {
    const target = world.orgs[outcome.targetOrg];
    if (ofOrganization(before, target.id) !== ofOrganization(after, target.id)) {
      found.push(`${actor} changed organization ${outcome.targetOrg}`);
    }
    // A refusal reveals nothing; so does an authorization error (issue 7 item 8 wants null there,
    // which the authorization matrix checks).
    const refused = ['ForbiddenError', 'NotFoundError', 'null', 'UNAUTHENTICATED'];
    if (
      outcome.result &&
      !refused.includes(outcome.result) &&
      !outcome.result.startsWith('error: Not authorized')
    ) {
      found.push(`${actor} got ${outcome.result} from organization ${outcome.targetOrg}`);
    }
  }

  // 4. Links only to API keys.
  if (outcome.link && actor !== 'apiKey') found.push(`${actor} was handed an accept link`);
  return found;
}

describe('membership properties', () => {
  it(`hold over random sequences of operations (seed ${SEED}, ${NUM_RUNS} runs of up to ${MAX_STEPS} steps)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: MAX_STEPS }), async (steps) => {
        const world = await newWorld();
        let state = await snapshot(world);
        const trace: string[] = [];
        for (const s of steps) {
          const outcome = await run(world, state, s);
          const next = await snapshot(world);
          trace.push(
            `${s.actor} ${JSON.stringify(s.op)} on ${s.org} → ${outcome.result ?? 'skipped'}`,
          );
          const broken = violations(world, state, next, s, outcome);
          if (broken.length) {
            throw new Error(`${broken.join('; ')}\n  after:\n    ${trace.join('\n    ')}`);
          }
          state = next;
        }
      }),
      {
        seed: SEED,
        numRuns: NUM_RUNS,
        interruptAfterTimeLimit: 50_000,
        markInterruptAsFailure: false,
      },
    );
  }, 180_000);
});
