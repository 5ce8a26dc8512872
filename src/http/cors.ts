// CORS from an allow-list (CORS_ORIGINS). An origin on the list gets exactly itself back; any other
// origin, `null` included, gets no CORS headers at all, so its page cannot read the answer.
// Roster's callers authenticate with a bearer token, not cookies, so credentials are never allowed.
import type { CORSOptions, Plugin } from 'graphql-yoga';
import { CSRF_HEADER } from './transport.ts';

export function corsOptions(allowedOrigins: readonly string[]): (request: Request) => CORSOptions {
  const allowed = new Set(allowedOrigins);
  return (request) => {
    const origin = request.headers.get('origin');
    if (!origin || !allowed.has(origin)) return false;
    return {
      origin: [origin],
      credentials: false,
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'content-type', 'accept', 'x-request-id', CSRF_HEADER],
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    };
  };
}

/** The answer depends on Origin whenever there is a list, so caches must key on it. */
export function useVaryOrigin(allowedOrigins: readonly string[]): Plugin {
  return {
    onResponse({ response }) {
      if (allowedOrigins.length === 0) return;
      const vary = response.headers.get('vary');
      if (!vary?.toLowerCase().includes('origin')) {
        response.headers.set('vary', vary ? `${vary}, Origin` : 'Origin');
      }
    },
  };
}
