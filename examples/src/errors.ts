// What a client does with Roster's typed errors: each result union is switched on __typename, and
// the `never` default makes the compiler list every case a new schema adds to a union.

/** Fails to compile when a switch over __typename leaves a member of the union out. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled result: ${JSON.stringify(value)}`);
}

/**
 * A nested field Roster answers with null when the caller lacks the permission to read it (the
 * FORBIDDEN error is in errors[] at or under its path); the rest of the answer is still there.
 */
export function readable<T>(value: T | null | undefined, what: string): T {
  if (value == null) throw new Error(`Not allowed to read ${what}: see errors[] for its path`);
  return value;
}

/** Every Roster error carries these (the Error interface); some carry more (field, retryAfterSeconds…). */
export interface TypedError {
  __typename: string;
  code: string;
  message: string;
}

/** A typed error the story cannot continue after, with what a client should do about it. */
export class RosterError extends Error {
  readonly typename: string;
  readonly code: string;

  constructor(error: TypedError, advice: string) {
    super(`${error.__typename} (${error.code}): ${error.message} — ${advice}`);
    this.name = 'RosterError';
    this.typename = error.__typename;
    this.code = error.code;
  }
}
