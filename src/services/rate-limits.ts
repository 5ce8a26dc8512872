// Throttles, kept in PostgreSQL (table rate_limits) so that every replica counts against the same
// numbers. Each limit is a fixed window: POINTS calls per WINDOW for one key (a client address, a
// token, an address, an organization…), set by an environment variable (see configureRateLimits
// and README "### Throttles"). A check consumes its points before the work it guards, with the
// global client and outside any transaction (the embedded database has a single connection).
import net from 'node:net';
import { hashToken, looksLike, type TokenKind } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import type { Caller, Context } from '../context.ts';
import { Prisma, prisma } from '../db.ts';
import { RateLimitedError } from '../errors.ts';

export interface RateLimitWindow {
  readonly points: number;
  readonly durationSeconds: number;
}

/** A window, or 'off' for no limit at all. */
export type RateLimitSetting = RateLimitWindow | 'off';

type RateLimitVariable = Extract<keyof Config, `RATE_LIMIT_${string}`>;

export interface RateLimit {
  /** Prefix of the stored keys: a stored key is `${prefix}:${key}`. */
  readonly prefix: string;
  /** The environment variable that changes it. */
  readonly variable: RateLimitVariable;
  readonly defaults: RateLimitWindow;
}

const MINUTE = 60;
const HOUR = 3600;

/**
 * Every throttle. The defaults let a customer invite 1,000 people in an afternoon through one API
 * key (and let them all accept from one office address), while a guesser or a mail flood stops.
 */
export const RATE_LIMITS = {
  /** acceptInvitation, declineInvitation, invitationByToken, redeemSignInLink, per client address. */
  tokenPerClient: {
    prefix: 'token-ip',
    variable: 'RATE_LIMIT_TOKEN_PER_IP',
    defaults: { points: 300, durationSeconds: MINUTE },
  },
  /** The same operations, per token (keyed by a prefix of its hash, never the token). */
  tokenPerToken: {
    prefix: 'token',
    variable: 'RATE_LIMIT_TOKEN_PER_TOKEN',
    defaults: { points: 30, durationSeconds: 10 * MINUTE },
  },
  /** sendSignInLink per client address (with an API key: the customer's backend). */
  signInPerClient: {
    prefix: 'sign-in-ip',
    variable: 'RATE_LIMIT_SIGN_IN_PER_IP',
    defaults: { points: 3000, durationSeconds: HOUR },
  },
  /** sendSignInLink per email address, member or not. */
  signInPerAddress: {
    prefix: 'sign-in-email',
    variable: 'RATE_LIMIT_SIGN_IN_PER_ADDRESS',
    defaults: { points: 10, durationSeconds: HOUR },
  },
  /** Invitations sent (new and re-sent) per caller: an API key or a member. */
  invitePerCaller: {
    prefix: 'invite-caller',
    variable: 'RATE_LIMIT_INVITE_PER_CALLER',
    defaults: { points: 10_000, durationSeconds: HOUR },
  },
  /** Invitations sent (new and re-sent) per organization. */
  invitePerOrganization: {
    prefix: 'invite-org',
    variable: 'RATE_LIMIT_INVITE_PER_ORGANIZATION',
    defaults: { points: 2000, durationSeconds: HOUR },
  },
  /** Invitations sent (new and re-sent) to one address from one organization. */
  invitePerAddress: {
    prefix: 'invite-email',
    variable: 'RATE_LIMIT_INVITE_PER_ADDRESS',
    defaults: { points: 20, durationSeconds: HOUR },
  },
} as const satisfies Record<string, RateLimit>;

const settings = new Map<string, RateLimitSetting>();

/** The window in force for `limit`, or null when it is off. */
export function rateLimitWindow(limit: RateLimit): RateLimitWindow | null {
  const setting = settings.get(limit.prefix) ?? limit.defaults;
  return setting === 'off' ? null : setting;
}

/** Applies the RATE_LIMIT_* variables; an unset one restores its limit's default. */
export function configureRateLimits(
  config: Partial<Record<RateLimitVariable, RateLimitSetting | undefined>>,
): void {
  for (const limit of Object.values(RATE_LIMITS)) {
    const setting = config[limit.variable];
    if (setting === undefined) settings.delete(limit.prefix);
    else settings.set(limit.prefix, setting);
  }
}

/** The key as stored in rate_limits (tests use it to prefill a counter). */
export function storedRateLimitKey(limit: RateLimit, key: string): string {
  return `${limit.prefix}:${key}`;
}

export type RateLimitCheck = readonly [limit: RateLimit, key: string];

/**
 * Takes one point from each (limit, key) in one statement; throws RateLimitedError, with the
 * longest wait among them, when any is used up. A refused call counts too, so a client that keeps
 * trying stays refused until the window ends.
 *
 * One INSERT … ON CONFLICT DO UPDATE per call: the row lock it takes makes concurrent calls on
 * one key count one after the other, and a window that has ended restarts at 1 in the same
 * statement. Keys go in sorted, so two calls locking the same rows lock them in the same order.
 */
export async function consumeRateLimits(checks: readonly RateLimitCheck[]): Promise<void> {
  const counting = rateLimitCounting(checks);
  if (!counting) return;
  counting.settle(await prisma.$queryRaw<RateLimitCount[]>(counting.statement));
}

/** One counter as the statement returns it. */
export interface RateLimitCount {
  key: string;
  points: number;
  retryAfter: number;
}

/**
 * consumeRateLimits in two halves, so that a caller may run the statement as a CTE of its own
 * (`WITH r AS (statement) …`, returning its rows as JSON) and save a round trip: `statement`
 * takes the points, `settle` throws RateLimitedError over the rows it returned. Null when every
 * limit checked is off.
 */
export function rateLimitCounting(
  checks: readonly RateLimitCheck[],
): { statement: Prisma.Sql; settle(rows: readonly RateLimitCount[]): void } | null {
  const limits = new Map<string, RateLimitWindow>();
  for (const [limit, key] of checks) {
    const window = rateLimitWindow(limit);
    if (window) limits.set(storedRateLimitKey(limit, key), window);
  }
  if (limits.size === 0) return null;
  const keys = [...limits.keys()].sort();
  const durations = keys.map((key) => limits.get(key)!.durationSeconds);
  const statement = Prisma.sql`
    INSERT INTO rate_limits AS r (key, points, expire)
    SELECT t.key, 1, now() + t.seconds * interval '1 second'
    FROM unnest(${keys}::text[], ${durations}::int[]) AS t(key, seconds)
    ORDER BY t.key
    ON CONFLICT (key) DO UPDATE
    SET points = CASE WHEN r.expire <= now() THEN 1 ELSE r.points + 1 END,
        expire = CASE WHEN r.expire <= now() THEN excluded.expire ELSE r.expire END
    RETURNING r.key, r.points,
      greatest(1, ceil(extract(epoch FROM coalesce(r.expire, now()) - now())))::int AS "retryAfter"`;
  return {
    statement,
    settle(rows) {
      let retryAfter = 0;
      for (const row of rows) {
        if (row.points > limits.get(row.key)!.points) {
          retryAfter = Math.max(retryAfter, row.retryAfter);
        }
      }
      if (retryAfter > 0) throw new RateLimitedError(retryAfter);
    },
  };
}

/** Deletes counters whose window has ended (a periodic sweep; an ended window is never read). */
export async function deleteExpiredRateLimits(): Promise<number> {
  return prisma.$executeRaw`DELETE FROM rate_limits WHERE expire < now()`;
}

/**
 * The key for a client address: an IPv4 address as it is, an IPv6 address by its /64 network
 * (one subscriber usually holds a whole /64), an IPv4-mapped IPv6 address as IPv4. Without an
 * address (an in-process call with no socket) every such caller shares the key "unknown".
 */
export function clientKey(address: string | null): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (net.isIPv4(address)) return address;
  if (!net.isIPv6(address)) return 'unknown';
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = address.includes('::') && tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export function callerKey(caller: Caller): string {
  switch (caller.kind) {
    case 'apiKey':
      return `api-key:${caller.apiKeyId}`;
    case 'member':
      return `member:${caller.memberId}`;
    case 'anonymous':
      return 'anonymous';
  }
}

/**
 * Throttles one use of a token (accept, decline, preview, redeem): per client address always, and
 * per token when it has the shape of one (a malformed guess would only add a useless counter).
 * The per-token key is a prefix of the token's hash, so the table never holds a usable token.
 */
export async function throttleTokenUse(ctx: Context, kind: TokenKind, token: string) {
  const checks: RateLimitCheck[] = [[RATE_LIMITS.tokenPerClient, clientKey(ctx.clientAddress)]];
  if (looksLike(kind, token)) {
    checks.push([RATE_LIMITS.tokenPerToken, hashToken(token).slice(0, 32)]);
  }
  await consumeRateLimits(checks);
}
