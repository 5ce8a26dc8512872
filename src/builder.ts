// The one SchemaBuilder and its plugins; types and fields live in src/schema/.
//
// Plugin order matters: Pothos wraps resolvers with the first plugin outermost. The errors plugin
// comes first so that it also catches the ForbiddenError that scope-auth raises and returns it as
// a typed member of the field's result union; relay comes before scope-auth so that scope
// functions receive decoded global ids; prisma comes last.
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin, { resolveNodes } from '@pothos/plugin-relay';
import ScopeAuthPlugin, { RequestCache } from '@pothos/plugin-scope-auth';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import type { GraphQLResolveInfo } from 'graphql';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { createAccess } from './auth/access.ts';
import type { Permission } from './auth/permissions.ts';
import type { Context } from './context.ts';
import { prisma, Prisma } from './db.ts';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './http/cost.ts';
import PrismaTypes, { getDatamodel } from './generated/pothos-types.ts';
import { EmailAddressScalar } from './schema/email-address.ts';
import type { OrganizationLocator } from './services/organization-locator.ts';
import { isUuid } from './services/validation.ts';

/**
 * The parameter of the `permission` scope: a permission (or several, all needed) in an
 * organization; with `ownerLevel`, the caller must also be owner-level there (an owner or an API
 * key), as for anything done to an owner and for security-sensitive settings.
 */
export type PermissionScope = (
  { organizationId: string } | { organization: OrganizationLocator | null | undefined }
) & { permission: Permission | readonly Permission[]; ownerLevel?: boolean };

/**
 * The scope map `{ permission: { organizationId, permission } }`, one object per request,
 * organization and permission. Type-level authScopes run once per node; scope-auth caches a map's
 * answer by the map's identity, so handing every node of a page the same map answers all but the
 * first from that cache, without evaluating (and allocating) the map again.
 */
export function permissionIn(
  context: Context,
  organizationId: string,
  permission: Permission,
): { readonly permission: PermissionScope } {
  let maps = permissionMaps.get(context);
  if (!maps) {
    maps = new Map();
    permissionMaps.set(context, maps);
  }
  const key = `${permission} ${organizationId}`;
  let map = maps.get(key);
  if (!map) {
    map = Object.freeze({ permission: Object.freeze({ organizationId, permission }) });
    maps.set(key, map);
  }
  return map;
}

/**
 * The resolver of a payload field that returns a row its service read whole (Member and
 * Invitation are select-mode types): handed to plugin-prisma as the field's result, with the query
 * it planned, so that the fields beneath answer from the row (every column is in it) instead of
 * each loading its column again. When the query also asks for what the row lacks (a relation, the
 * latest mail), the row is read again with the query, in one go, as the fields would otherwise
 * have loaded it.
 */
export function returnedRow<Row extends { id: string }>(
  query: { select?: object; include?: object },
  payload: unknown,
  field: string,
  load: (id: string) => Promise<Row | null>,
): Row | null | Promise<Row | null> {
  // A simple object's shape is inferred from its fields, so a field's resolver sees its parent as
  // unknown: the caller names the row type its mutation put under `field`.
  const row = (payload as Record<string, Row | null | undefined>)[field] ?? null;
  if (row === null) return null;
  const asked = query.select ?? query.include ?? {};
  for (const [key, entry] of Object.entries(asked)) {
    if (entry !== true && entry !== false && entry != null && !Object.hasOwn(row, key)) {
      return load(row.id);
    }
  }
  return row;
}

const permissionMaps = new WeakMap<
  Context,
  Map<string, { readonly permission: PermissionScope }>
>();

export const AUTHENTICATION_REQUIRED =
  'Authentication required: send "Authorization: Bearer <API key or session token>"';

const OWNER_LEVEL_REQUIRED =
  'This needs an owner (or an API key): it acts on an owner or on an invitation granting owner, or changes an owner-level setting';

const MODELS = getDatamodel().datamodel.models;

/** Whether loading a node failed only because no row has its id. */
function isMissingRow(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code === 'P2025';
  // PostgreSQL refuses a malformed uuid as invalid text (22P02) before looking for a row.
  return (
    error instanceof Error &&
    error.name === 'DriverAdapterError' &&
    (error.cause as { code?: unknown } | undefined)?.code === '22P02'
  );
}

/** The most ids one `nodes(ids:)` call may ask for: each costs a lookup and a permission check. */
export const MAX_NODE_IDS = 100;

/**
 * Whether the caller may read `node` of type `typename`: the type's own `authScopes`, evaluated
 * through scope-auth's request cache (so the fields of the node reuse the answer), not a copy.
 */
async function mayRead(
  context: Context,
  info: GraphQLResolveInfo,
  typename: string,
  node: unknown,
): Promise<boolean> {
  const { authScopes } = builder.configStore.getTypeConfig(typename).pothosOptions as {
    authScopes?: unknown;
  };
  if (authScopes === undefined) return true;
  const cache = RequestCache.fromContext(context, builder);
  const failure =
    typeof authScopes === 'function'
      ? await cache.evaluateTypeScopeFunction(
          authScopes as Parameters<typeof cache.evaluateTypeScopeFunction>[0],
          typename,
          node,
          info,
        )
      : await cache.evaluateScopeMap(
          authScopes as Parameters<typeof cache.evaluateScopeMap>[0],
          info,
        );
  return failure === null;
}

/**
 * node/nodes: null for an id no row has, and the very same null, with no error, for an object the
 * caller may not read (another organization's, or one its permissions do not cover), so that no
 * caller can tell which ids exist. Any other failure stays what it is.
 */
async function nodeOrNull(
  context: Context,
  info: GraphQLResolveInfo,
  { typename, id }: { typename: string; id: string },
  load: () => Promise<unknown>,
): Promise<unknown> {
  // The node types are models keyed by uuids. A malformed id would fail the whole batch of
  // lookups Prisma makes in this tick, other ids' included, so it never reaches the database.
  if (Object.hasOwn(MODELS, typename) && !isUuid(id)) return null;
  let node: unknown;
  try {
    node = await load();
  } catch (error) {
    if (!isMissingRow(error)) throw error;
    return null;
  }
  if (node == null) return null;
  return (await mayRead(context, info, typename, node)) ? node : null;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  AuthScopes: {
    /** Any authenticated caller. */
    authenticated: boolean;
    /** A backend holding an API key. */
    apiKey: boolean;
    /** A member session (a frontend). */
    memberSession: boolean;
    /** A permission in an organization (always true for API keys). */
    permission: PermissionScope;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    EmailAddress: { Input: string; Output: string };
    // Output is what Prisma reads from a Json column; the metadata columns always hold objects.
    JSONObject: { Input: Record<string, unknown>; Output: Prisma.JsonValue };
  };
}>({
  plugins: [ErrorsPlugin, RelayPlugin, ScopeAuthPlugin, PrismaPlugin, SimpleObjectsPlugin],
  defaultFieldNullability: false,
  errors: {
    // Failures nearly every operation can meet; fields add their own with `errors: { types }`.
    defaultTypes: [ForbiddenError, NotFoundError, ValidationError],
    directResult: true,
    defaultUnionOptions: {
      description:
        "The operation's outcome: its payload, or one of the typed errors it can meet (all implement Error).",
      name: ({ fieldName }) => `${fieldName.charAt(0).toUpperCase()}${fieldName.slice(1)}Result`,
    },
  },
  relay: {
    clientMutationId: 'omit',
    nodeQueryOptions: {
      description:
        'Any object with a global id (Relay); null when no object has the id or you may not read it.',
      args: {
        id: { description: 'A global id (the `id` of a Member, Invitation or Organization).' },
      },
      resolve: (_root, args, context, info, resolveNode) =>
        nodeOrNull(context, info, args.id, async () => resolveNode(args.id)),
    },
    nodeTypeOptions: { description: 'An object with a global id, fetchable with `node(id:)`.' },
    pageInfoTypeOptions: { description: 'Where a page of a connection sits (Relay cursors).' },
    idFieldOptions: {
      description: 'The global id: opaque, stable, accepted by node(id:) and by id arguments.',
    },
    firstArgOptions: {
      description: `Page forward: at most this many items after \`after\` (default ${DEFAULT_PAGE_SIZE}; more than ${MAX_PAGE_SIZE} is read as ${MAX_PAGE_SIZE}; negative is an error). Not with \`last\` or \`before\`.`,
    },
    lastArgOptions: {
      description: `Page backward: at most this many items before \`before\` (default ${DEFAULT_PAGE_SIZE}; more than ${MAX_PAGE_SIZE} is read as ${MAX_PAGE_SIZE}; negative is an error). Not with \`first\` or \`after\`.`,
    },
    afterArgOptions: {
      description: "A cursor (an edge's `cursor` or pageInfo.endCursor): the page starts after it.",
    },
    beforeArgOptions: {
      description:
        "A cursor (an edge's `cursor` or pageInfo.startCursor): the page ends before it.",
    },
    cursorFieldOptions: { description: 'Where this item sits: pass it as `after` or `before`.' },
    nodeFieldOptions: { description: 'The item.' },
    edgesFieldOptions: { description: 'The items of this page, in order, each with its cursor.' },
    pageInfoFieldOptions: { description: 'Cursors and whether more pages exist either way.' },
    hasNextPageFieldOptions: {
      description: 'Whether items follow this page (paging forward with `first`).',
    },
    hasPreviousPageFieldOptions: {
      description: 'Whether items precede this page (paging backward with `last`).',
    },
    startCursorFieldOptions: { description: "The first edge's cursor; null for an empty page." },
    endCursorFieldOptions: { description: "The last edge's cursor; null for an empty page." },
    nodesQueryOptions: {
      description: `Objects by global ids (Relay), at most ${MAX_NODE_IDS} ids per call; null for an id no object has or that you may not read.`,
      args: {
        ids: {
          description: `Global ids, at most ${MAX_NODE_IDS}; the answer has one item per id, in order.`,
        },
      },
      // One id at a time, so that an unknown id costs only its own item, not the whole list.
      resolve: (_root, args, context, info): Promise<unknown>[] => {
        // Refused before any lookup: each id costs a query and a permission check.
        if (args.ids.length > MAX_NODE_IDS) {
          throw new ValidationError(
            'ids',
            `nodes accepts at most ${MAX_NODE_IDS} ids per call (got ${args.ids.length}); split the list`,
          );
        }
        return args.ids.map((id) =>
          nodeOrNull(
            context,
            info,
            id,
            async (): Promise<unknown> => (await resolveNodes(builder, context, info, [id]))[0],
          ),
        );
      },
    },
    cursorType: 'String',
  },
  scopeAuth: {
    cacheKey: (value) => JSON.stringify(value),
    unauthorizedError: (_parent, context, _info, result) =>
      new ForbiddenError(
        context.caller.kind === 'anonymous'
          ? AUTHENTICATION_REQUIRED
          : result.message || 'You are not allowed to do this',
      ),
    authScopes: (context) => {
      const access = createAccess(context.caller);
      /**
       * Whether the caller holds the scope's permissions (and owner level) in an organization.
       * Answered synchronously when the caller's standing there is known (a session in any
       * organization: see Access.knownStanding), so that checking each node of a page allocates
       * no promise; scope-auth caches the answer per organization and permission for the request.
       */
      const permitted = (
        scope: PermissionScope,
        organizationId: string | null,
      ): boolean | Promise<boolean> => {
        // A member session never sees other organizations.
        if (!organizationId) return false;
        const permissions: readonly Permission[] =
          typeof scope.permission === 'string' ? [scope.permission] : scope.permission;
        const standing = access.knownStanding(organizationId);
        if (!standing) return permittedLater(scope, organizationId, permissions);
        for (const permission of permissions) {
          if (!standing.permissions.has(permission)) return false;
        }
        if (scope.ownerLevel && !standing.roles.includes('owner')) {
          // Rejected rather than answered false, to say why (the errors plugin types it).
          return Promise.reject(new ForbiddenError(OWNER_LEVEL_REQUIRED));
        }
        return true;
      };
      const permittedLater = async (
        scope: PermissionScope,
        organizationId: string,
        permissions: readonly Permission[],
      ): Promise<boolean> => {
        for (const permission of permissions) {
          if (!(await access.can(organizationId, permission))) return false;
        }
        if (scope.ownerLevel && !(await access.isOwner(organizationId))) {
          throw new ForbiddenError(OWNER_LEVEL_REQUIRED);
        }
        return true;
      };
      return {
        authenticated: context.caller.kind !== 'anonymous',
        apiKey: context.caller.kind === 'apiKey',
        memberSession: context.caller.kind === 'member',
        permission: (scope) => {
          if (context.caller.kind === 'anonymous') return false;
          // An API key holds every permission and is owner-level everywhere, and one naming a
          // missing organization is let through for the resolver to answer NotFound: nothing to
          // look up.
          if (context.caller.kind === 'apiKey') return true;
          return 'organizationId' in scope
            ? permitted(scope, scope.organizationId)
            : access
                .organizationId(scope.organization)
                .then((organizationId) => permitted(scope, organizationId));
        },
      };
    },
  },
  prisma: {
    client: () => prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'error',
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('EmailAddress', EmailAddressScalar);
builder.addScalarType('JSONObject', JSONObjectResolver);

builder.queryType({ description: 'Read organizations, members, invitations and roles.' });
builder.mutationType({ description: 'Change organizations, members, invitations and roles.' });
