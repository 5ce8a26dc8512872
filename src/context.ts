// The GraphQL context: who is calling, from where, and the request id, nothing else. Prisma is
// imported from src/db.ts by services; permissions are checked by scopes (src/builder.ts,
// src/auth/access.ts).
import net from 'node:net';
import type { Standing } from './auth/permissions.ts';
import type { Prisma } from './db.ts';

/** A member's row, as Prisma reads it. */
export type MemberRow = Prisma.MemberGetPayload<object>;

export type Caller =
  | { readonly kind: 'apiKey'; readonly apiKeyId: string }
  | {
      readonly kind: 'member';
      readonly memberId: string;
      readonly organizationId: string;
      readonly sessionId: string;
      /**
       * The member's roles and permissions in its organization as authentication read them with
       * the session, in the same statement (so a change takes effect on the next request). Absent
       * for a Caller made without authenticating (an audit actor): the scopes then read them.
       */
      readonly standing?: Standing;
      /** The member's own row, read in that same statement (`viewer { member }` reuses it). */
      readonly member?: MemberRow;
    }
  | { readonly kind: 'anonymous' };

export interface Context {
  readonly caller: Caller;
  readonly requestId: string;
  /** The client's IP address (see clientAddressOf); null for an in-process call with no socket. */
  readonly clientAddress: string | null;
}

/** TRUST_PROXY: false (no proxy), true (every hop), or the number of proxies in front of us. */
export type TrustProxy = boolean | number;

/**
 * The client's address. Without a trusted proxy it is the socket's peer, whatever X-Forwarded-For
 * says (anyone can send that header). Behind N proxies, each appending the address it received
 * from, the client is the Nth address from the right of [X-Forwarded-For…, socket]; with `true`
 * every hop is trusted and the leftmost address is the client's. A malformed entry is not
 * believed: the socket's peer is used instead.
 */
export function clientAddressOf(
  headers: Headers,
  socketAddress: string | undefined,
  trustProxy: TrustProxy,
): string | null {
  const socket = socketAddress ?? null;
  if (trustProxy === false || trustProxy === 0) return socket;
  const forwarded = (headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const hops = socket ? [...forwarded, socket] : forwarded;
  const chosen = trustProxy === true ? hops[0] : hops[Math.max(0, hops.length - 1 - trustProxy)];
  return chosen && net.isIP(chosen) ? chosen : socket;
}
