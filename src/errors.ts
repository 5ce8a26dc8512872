// Expected failures. Services throw these; the schema declares them (src/schema/errors.ts) so that
// clients receive them as typed members of result unions. Anything else is unexpected and masked.

export class RosterError extends Error {
  readonly code: string = 'ERROR';
}

export class ValidationError extends RosterError {
  override readonly code = 'VALIDATION';
  constructor(
    /** The input field at fault, as a dotted path (e.g. "input.email"). */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends RosterError {
  override readonly code = 'NOT_FOUND';
  constructor(
    readonly resource: string,
    message = `${resource} not found`,
  ) {
    super(message);
  }
}

export class ForbiddenError extends RosterError {
  override readonly code = 'FORBIDDEN';
  constructor(message = 'You are not allowed to do this') {
    super(message);
  }
}

export class ConflictError extends RosterError {
  override readonly code = 'CONFLICT';
}

export class LastOwnerError extends RosterError {
  override readonly code = 'LAST_OWNER';
  constructor(message = 'An organization must keep at least one active owner') {
    super(message);
  }
}

export class RoleNotGrantableError extends RosterError {
  override readonly code = 'ROLE_NOT_GRANTABLE';
  constructor(readonly role: string) {
    super(`You may not grant the role "${role}"`);
  }
}

export class UnknownRoleError extends RosterError {
  override readonly code = 'UNKNOWN_ROLE';
  constructor(readonly role: string) {
    super(`There is no role "${role}" in this organization`);
  }
}

export class AlreadyMemberError extends RosterError {
  override readonly code = 'ALREADY_MEMBER';
  constructor(readonly email: string) {
    super(`${email} is already a member of this organization`);
  }
}

export class AlreadyInvitedError extends RosterError {
  override readonly code = 'ALREADY_INVITED';
  constructor(readonly email: string) {
    super(`${email} already has a pending invitation; pass resendIfPending to send it again`);
  }
}

export class DomainNotAllowedError extends RosterError {
  override readonly code = 'DOMAIN_NOT_ALLOWED';
  constructor(
    readonly domain: string,
    readonly allowedDomains: string[],
  ) {
    super(`Invitations to @${domain} are not allowed in this organization`);
  }
}

export class InvitesDisabledError extends RosterError {
  override readonly code = 'INVITES_DISABLED';
  constructor() {
    super('Invitations are turned off for this organization');
  }
}

export class SeatLimitReachedError extends RosterError {
  override readonly code = 'SEAT_LIMIT_REACHED';
  constructor(readonly seatLimit: number) {
    super(
      `The organization has used all of its ${seatLimit} seats (active members plus pending invitations)`,
    );
  }
}

export class PendingInvitationLimitError extends RosterError {
  override readonly code = 'PENDING_INVITATION_LIMIT';
  constructor(readonly limit: number) {
    super(`The organization already has ${limit} pending invitations, its limit`);
  }
}

export class NoRedirectUrlError extends RosterError {
  override readonly code = 'NO_REDIRECT_URL';
  constructor() {
    super('No redirectUrl was given and the organization has no default redirect URL');
  }
}

export class RateLimitedError extends RosterError {
  override readonly code = 'RATE_LIMITED';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many requests; retry in ${retryAfterSeconds} seconds`);
  }
}

/** Wrong, used, expired, revoked and made-up tokens all look the same, so none can be probed. */
export class InvalidTokenError extends RosterError {
  override readonly code = 'INVALID_TOKEN';
  constructor() {
    super('This link is invalid or has expired');
  }
}

export class InvitationNotPendingError extends RosterError {
  override readonly code = 'INVITATION_NOT_PENDING';
  constructor(readonly status: string) {
    super(`The invitation is ${status.toLowerCase()}, not pending`);
  }
}

/** The database cannot be reached: nothing the caller did; the same request may succeed later. */
export class ServiceUnavailableError extends RosterError {
  override readonly code = 'SERVICE_UNAVAILABLE';
  constructor(readonly retryAfterSeconds: number) {
    super(`The service is temporarily unavailable; retry in ${retryAfterSeconds} seconds`);
  }
}

/** A link would point to an origin off the allow-list (REDIRECT_ORIGINS, then the organization's). */
export class RedirectUrlNotAllowedError extends RosterError {
  override readonly code = 'REDIRECT_URL_NOT_ALLOWED';
  constructor(readonly origin: string) {
    super(
      `Links may not point to ${origin}: it is not among the redirect origins allowed for this organization`,
    );
  }
}
