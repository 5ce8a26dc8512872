// isAuthorized: what the viewer may do, for frontends deciding what to show. It answers with the
// same permission logic the scopes use (src/auth/access.ts).
import { createAccess } from '../auth/access.ts';
import { isPermission } from '../auth/permissions.ts';
import { builder } from '../builder.ts';
import { locatorOf, OrganizationRefInput } from './organization.ts';

builder.queryField('isAuthorized', (t) =>
  t.boolean({
    description:
      'Whether the caller may perform `action` on `resource` in the organization (a member session: its own when omitted). Unknown resources, actions and organizations answer false.',
    args: {
      organization: t.arg({
        type: OrganizationRefInput,
        description:
          "Where; a member session's own when omitted. An API key naming none: anywhere.",
      }),
      resource: t.arg.string({ required: true, description: 'e.g. "invitation".' }),
      action: t.arg.string({ required: true, description: 'e.g. "create".' }),
    },
    resolve: async (_root, args, ctx) => {
      const permission = `${args.resource}:${args.action}`;
      if (!isPermission(permission) || ctx.caller.kind === 'anonymous') return false;
      const access = createAccess(ctx.caller);
      const locator = locatorOf(args.organization);
      const organizationId = await access.organizationId(locator);
      if (!organizationId) {
        // An API key naming no organization may do this anywhere; naming a missing one, nowhere.
        return ctx.caller.kind === 'apiKey' && !args.organization;
      }
      return access.can(organizationId, permission);
    },
  }),
);
