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

// RFC 5321 §4.5.3.1: a local part of at most 64 octets, a path of at most 256 (so an address of
// at most 254 once the angle brackets are counted), domain labels of at most 63 (RFC 1035).
export const EMAIL_MAX_LENGTH = 254;
export const EMAIL_LOCAL_PART_MAX_LENGTH = 64;
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
// A dot-atom (RFC 5322 §3.2.3); quoted local parts are refused, as most mail systems do.
const LOCAL_PART = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`);
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// A top-level domain: letters, or an internationalized one in its xn-- form.
const TOP_LEVEL_LABEL = /^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;

/**
 * The one rule for email addresses: the input paths (emailSchema) and the EmailAddress scalar's
 * input both use it, so whatever is accepted can be read back.
 */
export function isEmailAddress(value: string): boolean {
  if (value.length > EMAIL_MAX_LENGTH) return false;
  const at = value.lastIndexOf('@');
  const localPart = value.slice(0, at);
  if (at < 1 || localPart.length > EMAIL_LOCAL_PART_MAX_LENGTH) return false;
  if (!LOCAL_PART.test(localPart)) return false;
  const labels = value.slice(at + 1).split('.');
  return (
    labels.length >= 2 &&
    labels.every((label) => DOMAIN_LABEL.test(label)) &&
    TOP_LEVEL_LABEL.test(labels[labels.length - 1]!)
  );
}

export const EMAIL_RULE = `not a valid email address (at most ${EMAIL_LOCAL_PART_MAX_LENGTH} characters before the @, ${EMAIL_MAX_LENGTH} in all)`;

export const emailSchema = z.string().trim().refine(isEmailAddress, EMAIL_RULE);

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

/** A unique-constraint violation, from a model query (P2002) or a raw one (P2010 with 23505). */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2002') return true;
  const cause = (
    error.meta?.driverAdapterError as { cause?: { originalCode?: unknown } } | undefined
  )?.cause;
  return error.code === 'P2010' && cause?.originalCode === '23505';
}
