// Rate limits kept in PostgreSQL (rate-limiter-flexible's Prisma store, table rate_limits), so
// every replica counts against the same numbers. A limiter is consumed before the transaction it
// guards: it uses the global client, and the embedded database has a single connection.
import { RateLimiterPrisma, RateLimiterRes } from 'rate-limiter-flexible';
import { prisma } from '../db.ts';
import { RateLimitedError } from '../errors.ts';

export interface RateLimit {
  /** Prefix of the stored keys: a stored key is `${prefix}:${key}`. */
  prefix: string;
  points: number;
  durationSeconds: number;
}

// `prisma` is assigned when the database opens (and again in tests), so the store reads it on
// every call instead of capturing the client at construction.
const store = {
  get rateLimit() {
    return prisma.rateLimit;
  },
};

const limiters = new Map<string, RateLimiterPrisma>();

function limiterFor(limit: RateLimit): RateLimiterPrisma {
  let limiter = limiters.get(limit.prefix);
  if (!limiter) {
    limiter = new RateLimiterPrisma({
      storeClient: store,
      tableName: 'rateLimit',
      keyPrefix: limit.prefix,
      points: limit.points,
      duration: limit.durationSeconds,
    });
    limiters.set(limit.prefix, limiter);
  }
  return limiter;
}

/** The key as stored in rate_limits (tests use it to prefill a counter). */
export function storedRateLimitKey(limit: RateLimit, key: string): string {
  return `${limit.prefix}:${key}`;
}

/** Takes one point for `key`; throws RateLimitedError when the limit is used up. */
export async function consumeRateLimit(limit: RateLimit, key: string): Promise<void> {
  try {
    await limiterFor(limit).consume(key);
  } catch (rejection) {
    // The limiter rejects with a RateLimiterRes when the limit is reached, an Error otherwise.
    if (rejection instanceof RateLimiterRes) {
      throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
    }
    throw rejection;
  }
}
