// The one SchemaBuilder and its plugins; types and fields live in src/schema/.
//
// Plugin order matters: Pothos wraps resolvers with the first plugin outermost. The errors plugin
// comes first so that it also catches the ForbiddenError that scope-auth raises and returns it as
// a typed member of the field's result union; relay comes before scope-auth so that scope
// functions receive decoded global ids; prisma comes last.
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import {
  DateTimeResolver,
  EmailAddressResolver,
  JSONObjectResolver,
  URLResolver,
} from 'graphql-scalars';
import { createAccess } from './auth/access.ts';
import type { Permission } from './auth/permissions.ts';
import type { Context } from './context.ts';
import { prisma, type Prisma } from './db.ts';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import PrismaTypes, { getDatamodel } from './generated/pothos-types.ts';
import type { OrganizationLocator } from './services/organization-locator.ts';

/** The parameter of the `permission` scope: a permission in an organization. */
export type PermissionScope =
  | { organizationId: string; permission: Permission }
  | { organization: OrganizationLocator | null | undefined; permission: Permission };

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
    URL: { Input: URL; Output: string | URL };
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
    nodeQueryOptions: { description: 'Any object with a global id (Relay).' },
    nodeTypeOptions: { description: 'An object with a global id, fetchable with `node(id:)`.' },
    pageInfoTypeOptions: { description: 'Where a page of a connection sits (Relay cursors).' },
    nodesQueryOptions: { description: 'Objects by global ids (Relay).' },
    cursorType: 'String',
  },
  scopeAuth: {
    cacheKey: (value) => JSON.stringify(value),
    unauthorizedError: (_parent, context, _info, result) =>
      new ForbiddenError(
        context.caller.kind === 'anonymous'
          ? 'Authentication required: send "Authorization: Bearer <API key or session token>"'
          : result.message || 'You are not allowed to do this',
      ),
    authScopes: (context) => {
      const access = createAccess(context.caller);
      return {
        authenticated: context.caller.kind !== 'anonymous',
        apiKey: context.caller.kind === 'apiKey',
        memberSession: context.caller.kind === 'member',
        permission: async (scope) => {
          if (context.caller.kind === 'anonymous') return false;
          const organizationId =
            'organizationId' in scope
              ? scope.organizationId
              : await access.organizationId(scope.organization);
          // An API key naming an organization that does not exist is let through, so the
          // resolver can answer NotFound; a member session never sees other organizations.
          if (!organizationId) return context.caller.kind === 'apiKey';
          return access.can(organizationId, scope.permission);
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
builder.addScalarType('EmailAddress', EmailAddressResolver);
builder.addScalarType('JSONObject', JSONObjectResolver);
builder.addScalarType('URL', URLResolver);

builder.queryType({ description: 'Read organizations, members, invitations and roles.' });
builder.mutationType({ description: 'Change organizations, members, invitations and roles.' });
