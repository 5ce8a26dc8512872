// Input validation with zod; the first problem becomes a ValidationError naming the field.
import { z } from 'zod';
import { ROLE_KEY_PATTERN } from '../auth/permissions.ts';
import { Prisma } from '../db.ts';
import { ConflictError, ValidationError } from '../errors.ts';

export function parse<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix = 'input',
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  throw new ValidationError(field, `${field}: ${issue.message}`);
}

export const slugSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/,
    'lowercase letters, digits and inner hyphens only',
  );

export const nameSchema = z.string().trim().min(1).max(200);

export const emailSchema = z.string().trim().max(254).pipe(z.email());

export const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'not a domain name',
  );

export const httpUrlSchema = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

/** JSON metadata: an object, at most 16 KiB once serialized. */
export const metadataSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => JSON.stringify(value).length <= 16_384, 'must be at most 16 KiB of JSON');

/** One role key, built-in or custom (see ROLE_KEY_PATTERN). */
export const roleKeySchema = z
  .string()
  .trim()
  .regex(
    ROLE_KEY_PATTERN,
    'a role key is 1 to 63 lowercase letters, digits, "-" or "_", starting with a letter',
  );

/** Role keys as given for a member or an invitation: at least one, duplicates dropped. */
export function roleKeysSchema(holder: 'a member' | 'an invitation') {
  return z
    .array(roleKeySchema)
    .min(1, `${holder} needs at least one role`)
    .max(50)
    .transform((roles) => [...new Set(roles)]);
}

/** The resource ids a restricted member may see, duplicates dropped. */
export const resourceIdsSchema = z
  .array(z.string().trim().min(1).max(200))
  .max(1000)
  .transform((ids) => [...new Set(ids)]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuids; a malformed one is answered as "not found" without asking the database. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Maps a unique-constraint violation to a ConflictError; rethrows anything else. */
export function conflictOnUnique(error: unknown, message: string): never {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
    throw new ConflictError(message);
  }
  throw error;
}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}
