// Per-request permission answers for the scope-auth plugin: "may the caller do X in organization
// O?". API keys may do everything everywhere; a member session only inside its own organization,
// only while active, and only what its roles grant. Results are cached for the request.
import type { Caller } from '../context.ts';
import { prisma } from '../db.ts';
import { findOrganizationId, type OrganizationLocator } from '../services/organization-locator.ts';
import { ALL_PERMISSIONS, permissionsOf, type Permission } from './permissions.ts';

export interface Access {
  /** The organization a locator names (or the session's own when it names none); null if none. */
  organizationId(locator: OrganizationLocator | null | undefined): Promise<string | null>;
  /** The caller's permissions in an organization (every permission for an API key). */
  permissions(organizationId: string): Promise<ReadonlySet<Permission>>;
  can(organizationId: string, permission: Permission): Promise<boolean>;
}

const NONE: ReadonlySet<Permission> = new Set();

export function createAccess(caller: Caller): Access {
  const permissionCache = new Map<string, Promise<ReadonlySet<Permission>>>();
  const locatorCache = new Map<string, Promise<string | null>>();

  async function loadPermissions(organizationId: string): Promise<ReadonlySet<Permission>> {
    if (caller.kind !== 'member' || caller.organizationId !== organizationId) return NONE;
    const member = await prisma.member.findUnique({
      where: { id: caller.memberId },
      select: { status: true, roles: true, organization: { select: { roles: true } } },
    });
    if (!member || member.status !== 'ACTIVE') return NONE;
    return permissionsOf(member.roles, member.organization.roles);
  }

  const access: Access = {
    organizationId(locator) {
      const empty = !locator || (!locator.id && !locator.slug && !locator.externalId);
      if (empty) return Promise.resolve(caller.kind === 'member' ? caller.organizationId : null);
      const key = JSON.stringify([locator.id, locator.slug, locator.externalId]);
      let pending = locatorCache.get(key);
      if (!pending) {
        pending = findOrganizationId(locator);
        locatorCache.set(key, pending);
      }
      return pending;
    },
    permissions(organizationId) {
      if (caller.kind === 'apiKey') return Promise.resolve(new Set(ALL_PERMISSIONS));
      let pending = permissionCache.get(organizationId);
      if (!pending) {
        pending = loadPermissions(organizationId);
        permissionCache.set(organizationId, pending);
      }
      return pending;
    },
    async can(organizationId, permission) {
      return (await access.permissions(organizationId)).has(permission);
    },
  };
  return access;
}
