// Every operation that takes an organization accepts its id, slug or external id; a member session
// implies its own organization when none is given.
import type { Caller } from '../context.ts';
import { prisma } from '../db.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { isUuid } from './validation.ts';

export interface OrganizationLocator {
  id?: string | null;
  slug?: string | null;
  externalId?: string | null;
}

function where(locator: OrganizationLocator) {
  if (locator.id) return { id: locator.id };
  if (locator.slug) return { slug: locator.slug };
  if (locator.externalId) return { externalId: locator.externalId };
  return undefined;
}

/** The organization's id, or null when no organization matches. */
export async function findOrganizationId(locator: OrganizationLocator): Promise<string | null> {
  if (locator.id && !isUuid(locator.id)) return null;
  const condition = where(locator);
  if (!condition) return null;
  const organization = await prisma.organization.findUnique({
    where: condition,
    select: { id: true },
  });
  return organization?.id ?? null;
}

/**
 * Resolves the organization an operation targets: the locator when given, else the session's own.
 * Throws ValidationError when an API key gives none, NotFoundError when nothing matches.
 */
export async function resolveOrganizationId(
  caller: Caller,
  locator: OrganizationLocator | null | undefined,
  field = 'input.organization',
): Promise<string> {
  if (!locator || !where(locator)) {
    if (caller.kind === 'member') return caller.organizationId;
    throw new ValidationError(field, 'An organization (id, slug or externalId) is required');
  }
  const id = await findOrganizationId(locator);
  if (!id) throw new NotFoundError('Organization');
  return id;
}

/**
 * resolveOrganizationId for an operation whose own first statement reads the organization by id
 * and answers NotFound itself (inviteMember's locked read): an id is taken as given, without a
 * read of its own; a slug or external id is looked up.
 */
export async function resolveOrganizationIdUnchecked(
  caller: Caller,
  locator: OrganizationLocator | null | undefined,
  field = 'input.organization',
): Promise<string> {
  if (locator?.id) {
    if (!isUuid(locator.id)) throw new NotFoundError('Organization');
    return locator.id;
  }
  return resolveOrganizationId(caller, locator, field);
}
