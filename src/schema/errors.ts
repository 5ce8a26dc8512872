// Typed errors: every expected failure is an object type implementing `Error`, returned inside a
// field's result union, so codegen clients can switch on `__typename` exhaustively.
import { builder } from '../builder.ts';
import {
  AlreadyInvitedError,
  AlreadyMemberError,
  ConflictError,
  DomainNotAllowedError,
  ForbiddenError,
  InvalidTokenError,
  InvitationNotPendingError,
  InvitesDisabledError,
  LastOwnerError,
  NoRedirectUrlError,
  NotFoundError,
  PendingInvitationLimitError,
  RateLimitedError,
  RedirectUrlNotAllowedError,
  RoleNotGrantableError,
  RosterError,
  SeatLimitReachedError,
  UnknownRoleError,
  ValidationError,
} from '../errors.ts';

import { InvitationStatus as InvitationStatusValues } from '../generated/prisma/enums.ts';
import { InvitationStatus } from './invitation.ts';

/** The `code` of every typed error (RosterError subclasses the schema declares), one per type. */
const ERROR_CODES = {
  VALIDATION: 'ValidationError: the input is invalid.',
  NOT_FOUND: 'NotFoundError: no such thing, or not visible to you.',
  FORBIDDEN: 'ForbiddenError: not authenticated, or not allowed to do this.',
  CONFLICT: 'ConflictError: the change conflicts with existing data.',
  LAST_OWNER: 'LastOwnerError: the organization would be left without an active owner.',
  ROLE_NOT_GRANTABLE: 'RoleNotGrantableError: you may not grant or remove this role.',
  UNKNOWN_ROLE: 'UnknownRoleError: no role with this key in the organization.',
  ALREADY_MEMBER: 'AlreadyMemberError: the address already belongs to a member.',
  ALREADY_INVITED: 'AlreadyInvitedError: the address already has a pending invitation.',
  DOMAIN_NOT_ALLOWED: "DomainNotAllowedError: the address's domain is not allowed.",
  INVITES_DISABLED: 'InvitesDisabledError: the organization accepts no invitations.',
  SEAT_LIMIT_REACHED: 'SeatLimitReachedError: no free seat.',
  PENDING_INVITATION_LIMIT: 'PendingInvitationLimitError: too many pending invitations.',
  NO_REDIRECT_URL: 'NoRedirectUrlError: no redirect URL given and no default.',
  REDIRECT_URL_NOT_ALLOWED: 'RedirectUrlNotAllowedError: a link would point to a refused origin.',
  RATE_LIMITED: 'RateLimitedError: a throttle refused the call; retry later.',
  INVALID_TOKEN: 'InvalidTokenError: the token is not (or no longer) valid.',
  INVITATION_NOT_PENDING: 'InvitationNotPendingError: the invitation is no longer pending.',
} as const;

type ErrorCodeValue = keyof typeof ERROR_CODES;

function isErrorCode(code: string): code is ErrorCodeValue {
  return Object.hasOwn(ERROR_CODES, code);
}

export const ErrorCode = builder.enumType('ErrorCode', {
  description:
    'The machine-readable kind of an expected failure, one per error type; switch on it (or on __typename). A code not listed here is a bug: report it.',
  values: Object.fromEntries(
    Object.entries(ERROR_CODES).map(([code, description]) => [code, { description }]),
  ) as { [K in ErrorCodeValue]: { description: string } },
});

export const ErrorInterface = builder.interfaceRef<RosterError>('Error').implement({
  description:
    'An expected failure, returned as a member of a result union (select `... on Error { message code }`). Every error type implements this interface.',
  fields: (t) => ({
    message: t.exposeString('message', {
      description: 'A sentence for people; may change between versions, so do not match on it.',
    }),
    code: t.field({
      type: ErrorCode,
      description: 'A stable machine-readable code: switch on it.',
      resolve: (error) => {
        // Every declared error type has its code in ErrorCode; anything else is a bug (masked).
        if (!isErrorCode(error.code)) throw new Error(`No ErrorCode for ${error.code}`);
        return error.code;
      },
    }),
  }),
});

const INVITATION_STATUSES: readonly string[] = Object.values(InvitationStatusValues);

function isInvitationStatus(status: string): status is InvitationStatusValues {
  return INVITATION_STATUSES.includes(status);
}

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input is invalid.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The offending input field, as a dotted path.' }),
  }),
});
builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The thing asked for does not exist (or is not visible to you).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({
    resource: t.exposeString('resource', {
      description: 'What was not found: a type name such as Member, Invitation or Organization.',
    }),
  }),
});
builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: 'The caller is not allowed to do this.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ForbiddenError,
});
builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'The change conflicts with existing data (e.g. a slug in use).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ConflictError,
});
builder.objectType(LastOwnerError, {
  name: 'LastOwnerError',
  description: 'The change would leave the organization without an active owner.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof LastOwnerError,
});
builder.objectType(RoleNotGrantableError, {
  name: 'RoleNotGrantableError',
  description: 'The caller may not grant this role.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof RoleNotGrantableError,
  fields: (t) => ({
    roleKey: t.exposeString('role', { description: 'The role key at fault.' }),
  }),
});
builder.objectType(UnknownRoleError, {
  name: 'UnknownRoleError',
  description: 'No such role in the organization.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof UnknownRoleError,
  fields: (t) => ({
    roleKey: t.exposeString('role', { description: 'The role key at fault.' }),
  }),
});
builder.objectType(AlreadyMemberError, {
  name: 'AlreadyMemberError',
  description: 'The email already belongs to a member.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof AlreadyMemberError,
  fields: (t) => ({
    email: t.expose('email', { type: 'EmailAddress', description: 'The address at fault.' }),
  }),
});
builder.objectType(AlreadyInvitedError, {
  name: 'AlreadyInvitedError',
  description: 'The email already has a pending invitation.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof AlreadyInvitedError,
  fields: (t) => ({
    email: t.expose('email', { type: 'EmailAddress', description: 'The address at fault.' }),
  }),
});
builder.objectType(DomainNotAllowedError, {
  name: 'DomainNotAllowedError',
  description: "The email's domain is not allowed by the organization.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof DomainNotAllowedError,
  fields: (t) => ({
    domain: t.exposeString('domain', { description: 'The domain refused.' }),
    allowedDomains: t.exposeStringList('allowedDomains', {
      description: 'The domains allowed; empty for a token holder accepting an invitation.',
    }),
  }),
});
builder.objectType(InvitesDisabledError, {
  name: 'InvitesDisabledError',
  description: 'The organization does not accept invitations.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvitesDisabledError,
});
builder.objectType(SeatLimitReachedError, {
  name: 'SeatLimitReachedError',
  description: 'Active members plus pending invitations reached the seat limit.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof SeatLimitReachedError,
  fields: (t) => ({
    seatLimit: t.exposeInt('seatLimit', { description: "The organization's seat limit." }),
  }),
});
builder.objectType(PendingInvitationLimitError, {
  name: 'PendingInvitationLimitError',
  description: 'The organization reached its cap on pending invitations.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof PendingInvitationLimitError,
  fields: (t) => ({
    limit: t.exposeInt('limit', { description: "The organization's pending invitation limit." }),
  }),
});
builder.objectType(NoRedirectUrlError, {
  name: 'NoRedirectUrlError',
  description: 'No redirect URL was given and the organization has no default.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NoRedirectUrlError,
});
builder.objectType(RedirectUrlNotAllowedError, {
  name: 'RedirectUrlNotAllowedError',
  description:
    "A link would point to an origin that is not allowed: not in the server's REDIRECT_ORIGINS, or not in the organization's allowedRedirectOrigins.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof RedirectUrlNotAllowedError,
  fields: (t) => ({
    origin: t.exposeString('origin', { description: 'The origin refused.' }),
  }),
});
builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description: 'Too many requests: a throttle refused this call (README "Throttles").',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof RateLimitedError,
  fields: (t) => ({
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', {
      description: 'Seconds until the window of the throttle ends and the call may succeed.',
    }),
  }),
});
builder.objectType(InvalidTokenError, {
  name: 'InvalidTokenError',
  description: 'The token is wrong, used, expired or revoked (deliberately indistinguishable).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidTokenError,
});
builder.objectType(InvitationNotPendingError, {
  name: 'InvitationNotPendingError',
  description: 'The invitation is no longer pending.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvitationNotPendingError,
  fields: (t) => ({
    status: t.field({
      type: InvitationStatus,
      description: 'The status it has instead: ACCEPTED, DECLINED, REVOKED or EXPIRED.',
      resolve: (error) => {
        if (!isInvitationStatus(error.status)) throw new Error(`Unknown status ${error.status}`);
        return error.status;
      },
    }),
  }),
});
