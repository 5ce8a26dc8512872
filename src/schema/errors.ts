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

export const ErrorInterface = builder.interfaceRef<RosterError>('Error').implement({
  description: 'An expected failure. Every error type implements this interface.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'A sentence for people.' }),
    code: t.exposeString('code', { description: 'A stable machine-readable code.' }),
  }),
});

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
    resource: t.exposeString('resource'),
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
    email: t.exposeString('email'),
  }),
});
builder.objectType(AlreadyInvitedError, {
  name: 'AlreadyInvitedError',
  description: 'The email already has a pending invitation.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof AlreadyInvitedError,
  fields: (t) => ({
    email: t.exposeString('email'),
  }),
});
builder.objectType(DomainNotAllowedError, {
  name: 'DomainNotAllowedError',
  description: "The email's domain is not allowed by the organization.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof DomainNotAllowedError,
  fields: (t) => ({
    domain: t.exposeString('domain'),
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
    seatLimit: t.exposeInt('seatLimit'),
  }),
});
builder.objectType(PendingInvitationLimitError, {
  name: 'PendingInvitationLimitError',
  description: 'The organization reached its cap on pending invitations.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof PendingInvitationLimitError,
  fields: (t) => ({
    limit: t.exposeInt('limit'),
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
    status: t.exposeString('status'),
  }),
});
