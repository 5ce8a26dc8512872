// The headers an API should send on every response, and a Content-Security-Policy: nothing at all
// for JSON answers, and for the GraphiQL page exactly its own inline scripts (by hash), the script,
// styles and editor workers it loads from this origin (src/http/graphiql.ts), and requests back to
// this origin.
import crypto from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

/** For everything that is not an HTML page: load nothing, be framed nowhere. */
export const API_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** The policy for an HTML page: its own inline scripts, and scripts and workers from this origin. */
export function pagePolicy(html: string): string {
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    (match) => `'sha256-${crypto.createHash('sha256').update(match[1]!).digest('base64')}'`,
  );
  return [
    "default-src 'none'",
    `script-src 'self' ${hashes.join(' ')}`.trimEnd(),
    // GraphiQL's editor sets styles at run time; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function useSecurityHeaders(options: { hstsMaxAge: number | undefined }): Plugin {
  return {
    onResponse({ response }) {
      const headers = response.headers;
      headers.set('x-content-type-options', 'nosniff');
      headers.set('referrer-policy', 'no-referrer');
      if (options.hstsMaxAge !== undefined) {
        headers.set(
          'strict-transport-security',
          `max-age=${options.hstsMaxAge}; includeSubDomains`,
        );
      }
      if (!headers.get('content-type')?.startsWith('text/html')) {
        headers.set('content-security-policy', API_POLICY);
        return;
      }
      // Only a page reads its own body (for its scripts' hashes): API answers stay synchronous.
      return response
        .clone()
        .text()
        .then((html) => headers.set('content-security-policy', pagePolicy(html)));
    },
  };
}
