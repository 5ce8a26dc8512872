// The permission model: resources, actions, built-in roles, and what a set of roles may do.
export const RESOURCE_ACTIONS = {
  organization: ['read', 'update', 'delete'],
  member: ['read', 'create', 'update', 'delete'],
  invitation: ['read', 'create', 'resend', 'revoke'],
  role: ['read', 'create', 'update', 'delete'],
} as const;

export type Resource = keyof typeof RESOURCE_ACTIONS;
export type Action<R extends Resource = Resource> = (typeof RESOURCE_ACTIONS)[R][number];
export type Permission = { [R in Resource]: `${R}:${Action<R>}` }[Resource];

export const ALL_PERMISSIONS: Permission[] = Object.entries(RESOURCE_ACTIONS).flatMap(
  ([resource, actions]) => actions.map((action) => `${resource}:${action}` as Permission),
);

export function isPermission(value: string): value is Permission {
  return (ALL_PERMISSIONS as string[]).includes(value);
}

export const BUILTIN_ROLES = {
  owner: {
    name: 'Owner',
    description: 'Everything, including deleting the organization and granting owner',
    permissions: ALL_PERMISSIONS,
  },
  admin: {
    name: 'Admin',
    description: 'Everything but deleting the organization and granting owner',
    permissions: ALL_PERMISSIONS.filter((permission) => permission !== 'organization:delete'),
  },
  member: {
    name: 'Member',
    description: 'Read access',
    permissions: ALL_PERMISSIONS.filter((permission) => permission.endsWith(':read')),
  },
} as const satisfies Record<
  string,
  { name: string; description: string; permissions: Permission[] }
>;

export type BuiltinRoleKey = keyof typeof BUILTIN_ROLES;
export const BUILTIN_ROLE_KEYS = Object.keys(BUILTIN_ROLES) as BuiltinRoleKey[];

/**
 * Own keys only: `key in BUILTIN_ROLES` would also be true for "constructor", "toString" and the
 * other names every object inherits from Object.prototype.
 */
export function isBuiltinRole(key: string): key is BuiltinRoleKey {
  return Object.hasOwn(BUILTIN_ROLES, key);
}

/**
 * What a role key (built-in or custom) looks like, checked wherever a key enters: inviting,
 * changing a member's roles, creating a role. Lower case only, so none of Object.prototype's
 * camel-case names fit; the lookups above and below are safe for the ones that do ("constructor").
 */
export const ROLE_KEY_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

export function isRoleKey(value: string): boolean {
  return ROLE_KEY_PATTERN.test(value);
}

/** A role's definition as the permission checks need it (custom roles come from the database). */
export interface RoleDefinition {
  key: string;
  permissions: readonly string[];
}

/**
 * A member's standing in its organization: its role keys and what they grant. Authentication
 * loads it with the session (src/services/authentication.ts), once per request.
 */
export interface Standing {
  readonly roles: readonly string[];
  readonly permissions: ReadonlySet<Permission>;
}

/** The union of the permissions of `roleKeys`; unknown keys grant nothing. */
export function permissionsOf(
  roleKeys: readonly string[],
  customRoles: readonly RoleDefinition[],
): Set<Permission> {
  const result = new Set<Permission>();
  const custom = new Map(customRoles.map((role) => [role.key, role.permissions]));
  for (const key of roleKeys) {
    const permissions = isBuiltinRole(key) ? BUILTIN_ROLES[key].permissions : custom.get(key);
    for (const permission of permissions ?? [])
      if (isPermission(permission)) result.add(permission);
  }
  return result;
}

/**
 * The grant rule: only owners grant `owner`; any other role may be granted only by someone who
 * holds every permission it carries. Returns the first role that may not be granted, if any.
 */
export function firstUngrantableRole(
  granter: { roles: readonly string[]; permissions: ReadonlySet<Permission> } | 'apiKey',
  roleKeys: readonly string[],
  customRoles: readonly RoleDefinition[],
): string | undefined {
  if (granter === 'apiKey') return undefined;
  for (const key of roleKeys) {
    if (key === 'owner') {
      if (!granter.roles.includes('owner')) return key;
      continue;
    }
    for (const permission of permissionsOf([key], customRoles)) {
      if (!granter.permissions.has(permission)) return key;
    }
  }
  return undefined;
}

/**
 * Anything but reading done to an owner, or to an invitation granting owner, is owner-level (only
 * owners and API keys): the same rule as only owners granting owner.
 */
export function needsOwnerLevel(permission: Permission, targetRoles: readonly string[]): boolean {
  return targetRoles.includes('owner') && !permission.endsWith(':read');
}

/**
 * Organization settings only owners (and API keys) change: where links carrying tokens may point,
 * and who may join (invite policy, email domains).
 */
export const OWNER_LEVEL_SETTINGS = [
  'defaultRedirectUrl',
  'allowedRedirectOrigins',
  'allowedEmailDomains',
  'invitePolicy',
] as const;
