// Who is calling: the kind of caller and, for a member session, its member, organization and
// permissions.
import { createAccess } from '../auth/access.ts';
import { ALL_PERMISSIONS } from '../auth/permissions.ts';
import { builder } from '../builder.ts';
import { prisma } from '../db.ts';

const ViewerKind = builder.enumType('ViewerKind', {
  description: 'What kind of credential the caller presented.',
  values: {
    API_KEY: { description: 'A backend holding an API key.' },
    MEMBER: { description: 'A member session (a frontend).' },
    ANONYMOUS: { description: 'No credential.' },
  } as const,
});

const VIEWER_KINDS = { apiKey: 'API_KEY', member: 'MEMBER', anonymous: 'ANONYMOUS' } as const;

/**
 * Null on purpose, with no row to load: the query is read (spread) so that plugin-prisma's
 * development check (onUnusedQuery, src/builder.ts) knows it was not forgotten.
 */
function noRow(query: object): null {
  void { ...query };
  return null;
}

/**
 * Whether plugin-prisma's query for a model type asks for its columns only (select mode: every
 * entry a column, `true`; include mode: nothing to include), so that a row already read whole
 * answers it.
 */
function columnsOnly(query: { include?: unknown; select?: unknown }): boolean {
  const { include, select } = query;
  if (select != null) {
    return Object.values(select as Record<string, unknown>).every((entry) => entry === true);
  }
  return include == null || Object.keys(include).length === 0;
}

const Viewer = builder.simpleObject('Viewer', {
  description: 'The caller of this request.',
  fields: (t) => ({
    kind: t.field({ type: ViewerKind, description: 'What kind of caller this is.' }),
  }),
});

builder.objectFields(Viewer, (t) => ({
  member: t.prismaField({
    type: 'Member',
    nullable: true,
    description: "A member session's own member; null for API keys and anonymous callers.",
    resolve: (query, _viewer, _args, ctx) => {
      if (ctx.caller.kind !== 'member') return noRow(query);
      // Authentication read the member's row with the session, in this request: reused unless
      // relations are asked for (then plugin-prisma's query loads them with the row).
      if (ctx.caller.member && columnsOnly(query)) return ctx.caller.member;
      return prisma.member.findUnique({ ...query, where: { id: ctx.caller.memberId } });
    },
  }),
  organization: t.prismaField({
    type: 'Organization',
    nullable: true,
    description: "A member session's organization; null for API keys and anonymous callers.",
    resolve: (query, _viewer, _args, ctx) =>
      ctx.caller.kind === 'member'
        ? prisma.organization.findUnique({ ...query, where: { id: ctx.caller.organizationId } })
        : noRow(query),
  }),
  sessionId: t.id({
    nullable: true,
    description: "A member session's id (what revokeSession takes); null otherwise.",
    resolve: (_viewer, _args, ctx) => (ctx.caller.kind === 'member' ? ctx.caller.sessionId : null),
  }),
  permissions: t.stringList({
    description:
      'What the caller may do, as "resource:action" strings: a member session\'s permissions in its organization, every permission for an API key, none for anonymous callers.',
    resolve: async (_viewer, _args, ctx) => {
      if (ctx.caller.kind === 'apiKey') return [...ALL_PERMISSIONS];
      if (ctx.caller.kind === 'anonymous') return [];
      const granted = await createAccess(ctx.caller).permissions(ctx.caller.organizationId);
      return ALL_PERMISSIONS.filter((permission) => granted.has(permission));
    },
  }),
}));

builder.queryField('viewer', (t) =>
  t.field({
    type: Viewer,
    description: 'Who is calling: an API key, a member session, or nobody.',
    resolve: (_root, _args, ctx) => ({ kind: VIEWER_KINDS[ctx.caller.kind] }),
  }),
);
