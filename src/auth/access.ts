// Per-request permission answers for the scope-auth plugin: "may the caller do X in organization
// O?". API keys may do everything everywhere; a member session only inside its own organization,
// only while active, and only what its roles grant. Results are cached for the request. A session's
// standing in its own organization comes with the Caller (authentication read it, with the
// session, at the start of this request): no statement of its own.
import type { Caller } from '../context.ts';
import { prisma } from '../db.ts';
import { findOrganizationId, type OrganizationLocator } from '../services/organization-locator.ts';
import { ALL_PERMISSIONS, permissionsOf, type Permission, type Standing } from './permissions.ts';

export interface Access {
  /** The organization a locator names (or the session's own when it names none); null if none. */
  organizationId(locator: OrganizationLocator | null | undefined): Promise<string | null>;
  /** The caller's permissions in an organization (every permission for an API key). */
  permissions(organizationId: string): Promise<ReadonlySet<Permission>>;
  can(organizationId: string, permission: Permission): Promise<boolean>;
  /** Owner-level in an organization: an API key, or an ACTIVE member holding `owner`. */
  isOwner(organizationId: string): Promise<boolean>;
  /**
   * A member session's standing in an organization when it is known without a statement (its
   * own organization, as authentication read it; none in any other), so that the scopes can
   * answer at once; undefined otherwise (API keys, a Caller made without authenticating).
   */
  knownStanding(organizationId: string): Standing | undefined;
}

const NONE: Standing = { roles: [], permissions: new Set() };

export function createAccess(caller: Caller): Access {
  const standingCache = new Map<string, Promise<Standing>>();
  const locatorCache = new Map<string, Promise<string | null>>();

  function knownStanding(organizationId: string): Standing | undefined {
    if (caller.kind !== 'member') return undefined;
    if (caller.organizationId !== organizationId) return NONE;
    // Authentication refused the session unless the member was ACTIVE; what it read is current
    // for this request.
    return caller.standing;
  }

  async function loadStanding(organizationId: string): Promise<Standing> {
    const known = knownStanding(organizationId);
    if (known) return known;
    if (caller.kind !== 'member') return NONE;
    const member = await prisma.member.findUnique({
      where: { id: caller.memberId },
      select: { status: true, roles: true, organization: { select: { roles: true } } },
    });
    if (!member || member.status !== 'ACTIVE') return NONE;
    return {
      roles: member.roles,
      permissions: permissionsOf(member.roles, member.organization.roles),
    };
  }

  function standing(organizationId: string): Promise<Standing> {
    let pending = standingCache.get(organizationId);
    if (!pending) {
      pending = loadStanding(organizationId);
      standingCache.set(organizationId, pending);
    }
    return pending;
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
    async permissions(organizationId) {
      if (caller.kind === 'apiKey') return new Set(ALL_PERMISSIONS);
      return (await standing(organizationId)).permissions;
    },
    async can(organizationId, permission) {
      return (await access.permissions(organizationId)).has(permission);
    },
    async isOwner(organizationId) {
      if (caller.kind === 'apiKey') return true;
      return (await standing(organizationId)).roles.includes('owner');
    },
    knownStanding,
  };
  return access;
}
