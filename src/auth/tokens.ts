// Secrets handed to callers (API keys, sessions, invitation and sign-in tokens): 32 random bytes,
// base64url, with a short prefix saying what they are. Only their SHA-256 is stored, and a token is
// found by looking its hash up through a unique index: the secret itself is never compared, and
// what the index compares is a digest an attacker cannot steer byte by byte.
import crypto from 'node:crypto';

export const TOKEN_PREFIXES = {
  apiKey: 'rk_',
  session: 'rs_',
  invitation: 'ri_',
  signIn: 'rl_',
} as const;

export type TokenKind = keyof typeof TOKEN_PREFIXES;

export function generateToken(kind: TokenKind): { token: string; hash: string } {
  const token = TOKEN_PREFIXES[kind] + crypto.randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True when `token` has the shape of a `kind` token (a cheap check before any lookup). */
export function looksLike(kind: TokenKind, token: string): boolean {
  return token.startsWith(TOKEN_PREFIXES[kind]) && /^[A-Za-z0-9_-]{43}$/.test(token.slice(3));
}
