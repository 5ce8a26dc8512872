// Turns an outbox row's payload (written by the invitations and sign-in code) into the plain-text
// values the templates interpolate, formatted for the message's locale. Nothing here is escaped
// yet: each output (HTML, text, subject) escapes in its own way.
import { singleLine } from './escape.ts';
import type { LocaleMessages } from './messages.ts';

/** The payload fields the outbox producers write; every one may be missing or malformed. */
export interface EmailPayload {
  organizationName?: string;
  inviterName?: string;
  inviterEmail?: string;
  recipientName?: string;
  roles: string[];
  expiresAt?: Date;
}

function text(source: Record<string, unknown>, key: string): string | undefined {
  const value = source[key];
  if (typeof value !== 'string') return undefined;
  const line = singleLine(value);
  return line === '' ? undefined : line;
}

/** Reads the payload leniently: a wrong or missing field is left out, never an error. */
export function parsePayload(payload: unknown): EmailPayload {
  const source =
    payload && typeof payload === 'object' && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : {};
  const roles = Array.isArray(source.roles)
    ? source.roles.filter((role): role is string => typeof role === 'string' && role !== '')
    : [];
  const expiresRaw = source.expiresAt;
  const expiresAt =
    typeof expiresRaw === 'string' || typeof expiresRaw === 'number'
      ? new Date(expiresRaw)
      : undefined;
  return {
    organizationName: text(source, 'organizationName'),
    inviterName: text(source, 'inviterName'),
    inviterEmail: text(source, 'inviterEmail'),
    recipientName: text(source, 'recipientName'),
    roles: roles.map(singleLine),
    expiresAt: expiresAt && !Number.isNaN(expiresAt.getTime()) ? expiresAt : undefined,
  };
}

/** e.g. "November 21, 2026 at 09:30 AM UTC"; always in UTC, since we do not know the reader's zone. */
export function formatExpiry(date: Date, tag: string): string {
  return new Intl.DateTimeFormat(tag, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
    timeZoneName: 'short',
  }).format(date);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** e.g. "in 7 days", "dans 5 heures", "em 30 minutos". */
export function formatTimeLeft(date: Date, now: Date, tag: string): string {
  const left = date.getTime() - now.getTime();
  const format = new Intl.RelativeTimeFormat(tag, { numeric: 'always' });
  const size = Math.abs(left);
  if (size >= 36 * HOUR) return format.format(Math.round(left / DAY), 'day');
  if (size >= 90 * MINUTE) return format.format(Math.round(left / HOUR), 'hour');
  const minutes = Math.round(left / MINUTE);
  return format.format(minutes === 0 ? Math.sign(left) || 1 : minutes, 'minute');
}

/** Role keys as a sentence list ("admin and member"), built-in roles translated. */
export function formatRoles(roles: string[], messages: LocaleMessages): string {
  const names = roles.map((role) =>
    Object.hasOwn(messages.roleNames, role)
      ? messages.roleNames[role as keyof LocaleMessages['roleNames']]
      : role,
  );
  return new Intl.ListFormat(messages.tag, { style: 'long', type: 'conjunction' }).format(names);
}

/** The values a template may use, as plain single-line text (undefined = not known). */
export interface TemplateValues {
  organization: string;
  /** "Name (email)", or whichever of the two is known. */
  inviter?: string;
  inviterName?: string;
  inviterEmail?: string;
  recipient?: string;
  recipientEmail?: string;
  roles?: string;
  link: string;
  expiresAt?: string;
  expiresIn?: string;
}

export function templateValues(
  payload: EmailPayload,
  context: { link: string; to?: string; messages: LocaleMessages; now: Date },
): TemplateValues {
  const { messages, now } = context;
  const { inviterName, inviterEmail } = payload;
  return {
    organization: payload.organizationName ?? messages.organizationFallback,
    inviter:
      inviterName && inviterEmail
        ? `${inviterName} (${inviterEmail})`
        : (inviterName ?? inviterEmail),
    inviterName,
    inviterEmail,
    recipient: payload.recipientName,
    recipientEmail: context.to ? singleLine(context.to) : undefined,
    roles: payload.roles.length ? formatRoles(payload.roles, messages) : undefined,
    link: singleLine(context.link),
    expiresAt: payload.expiresAt ? formatExpiry(payload.expiresAt, messages.tag) : undefined,
    expiresIn: payload.expiresAt ? formatTimeLeft(payload.expiresAt, now, messages.tag) : undefined,
  };
}
