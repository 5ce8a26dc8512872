// The Yoga instance, separate from the listener so tests can call `yoga.fetch(...)` in-process.
import crypto from 'node:crypto';
import { GraphQLError } from 'graphql';
import { createYoga, useErrorHandler, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { RosterError } from './errors.ts';
import { clientAddressOf, type Context, type TrustProxy } from './context.ts';
import { useRequestBodyLimit } from './http/body-limit.ts';
import { useGraphiQL } from './http/graphiql.ts';
import { prisma } from './db.ts';
import { corsOptions, useVaryOrigin } from './http/cors.ts';
import { useSecurityHeaders } from './http/headers.ts';
import { documentLimitPlugins } from './http/limits.ts';
import { createMaskError, useSafeErrors } from './http/masking.ts';
import { useNoNulCharacters } from './http/nul-characters.ts';
import { disclosurePlugins } from './http/production.ts';
import { edgeSettings, type EdgeSettings } from './http/settings.ts';
import { strictHttpPlugins } from './http/transport.ts';
import { loadTrustedDocuments, useTrustedDocuments } from './http/trusted-documents.ts';
import { logger } from './logger.ts';
import { schema } from './schema/index.ts';
import { authenticate } from './services/authentication.ts';

export interface YogaOptions {
  graphiql?: boolean;
  /** TRUST_PROXY: when X-Forwarded-For gives the client address (default false: the socket's). */
  trustProxy?: TrustProxy;
  /** The public edge's settings; by default derived from the process's environment. */
  edge?: Partial<EdgeSettings>;
}

const log = logger.child({ component: 'http' });
const REQUEST_ID_HEADER = 'x-request-id';
const requestIds = new WeakMap<Request, string>();

/** A request id for every request: the caller's own (if sane) or a new one; echoed back. */
function requestIdOf(request: Request): string {
  let id = requestIds.get(request);
  if (!id) {
    const given = request.headers.get(REQUEST_ID_HEADER);
    id = given && /^[\w.:-]{1,128}$/.test(given) ? given : crypto.randomUUID();
    requestIds.set(request, id);
  }
  return id;
}

/** When each request started and its path, for its log line. */
const requestStarts = new WeakMap<Request, { started: number; path: string }>();

/** Echoes the request id and logs one line per request with it. */
function useRequestLog(): Plugin {
  return {
    onRequest({ request, url }) {
      requestIdOf(request);
      requestStarts.set(request, { started: performance.now(), path: url.pathname });
    },
    onResponse({ request, response, serverContext }) {
      const requestId = requestIdOf(request);
      response.headers.set(REQUEST_ID_HEADER, requestId);
      const start = requestStarts.get(request);
      log.info(
        {
          requestId,
          method: request.method,
          path: start?.path ?? new URL(request.url).pathname,
          status: response.status,
          durationMs:
            start === undefined ? undefined : Math.round(performance.now() - start.started),
          remote: (serverContext as { req?: { socket?: { remoteAddress?: string } } })?.req?.socket
            ?.remoteAddress,
        },
        'request',
      );
    },
  };
}

/**
 * Unexpected errors (anything not deliberately a GraphQLError) are logged with the request id;
 * Yoga's error masking then shows the caller only "Unexpected error.".
 */
function useUnexpectedErrorLog(): Plugin<Context> {
  return useErrorHandler<Context>(({ errors, context }) => {
    for (const error of errors) {
      const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
      if (original instanceof GraphQLError || original instanceof RosterError) continue;
      log.error({ err: original, requestId: context.requestId }, 'unexpected error');
    }
  }) as Plugin<Context>;
}

/** /healthz: the process is up. /readyz: the database answers. */
function useHealthChecks(): Plugin {
  return {
    // Synchronous for every other path: an async hook would put each request's chain on promises.
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === '/healthz') {
        endResponse(fetchAPI.Response.json({ status: 'ok' }));
      } else if (url.pathname === '/readyz') {
        return Promise.resolve()
          .then(() => prisma.$queryRaw`SELECT 1`)
          .then(
            () => endResponse(fetchAPI.Response.json({ status: 'ready' })),
            (error: unknown) => {
              logger.warn({ err: error }, 'readiness check failed');
              endResponse(fetchAPI.Response.json({ status: 'unavailable' }, { status: 503 }));
            },
          );
      }
    },
  };
}

export type RosterYoga = YogaServerInstance<Record<string, unknown>, Context>;

export function createRosterYoga(options: YogaOptions = {}): RosterYoga {
  const edge: EdgeSettings = { ...edgeSettings(), ...options.edge };
  const trusted = edge.trustedDocuments ? loadTrustedDocuments(edge.trustedDocuments) : undefined;
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: false, // served by useGraphiQL (src/http/graphiql.ts)
    logging: log,
    cors: edge.corsOrigins.length ? corsOptions(edge.corsOrigins) : false,
    // useRequestBodyLimit (src/http/body-limit.ts) enforces MAX_REQUEST_BYTES instead.
    maxRequestBodySize: false,
    // Uploads are not a thing here; a multipart body is refused like any non-JSON POST.
    multipart: false,
    batching: false,
    extraParamNames: trusted ? ['documentId'] : [],
    maskedErrors: { maskError: createMaskError(edge.retryAfterSeconds) },
    context: async ({ request, req }): Promise<Context> => ({
      requestId: requestIdOf(request),
      caller: await authenticate(request.headers.get('authorization')),
      // server.ts passes Node's request as `req`; an in-process yoga.fetch has none.
      clientAddress: clientAddressOf(
        request.headers,
        (req as { socket?: { remoteAddress?: string } } | undefined)?.socket?.remoteAddress,
        options.trustProxy ?? false,
      ),
    }),
    plugins: [
      useRequestLog(),
      useSecurityHeaders({ hstsMaxAge: edge.hstsMaxAge }),
      useVaryOrigin(edge.corsOrigins),
      useHealthChecks(),
      useGraphiQL({ enabled: options.graphiql === true, endpoint: '/graphql', title: 'Roster' }),
      ...strictHttpPlugins(),
      ...(trusted ? [useTrustedDocuments(trusted)] : []),
      ...documentLimitPlugins(edge),
      useNoNulCharacters(),
      ...disclosurePlugins(edge),
      useSafeErrors(requestIdOf),
      useUnexpectedErrorLog(),
      // Last, as Yoga places its own: it wraps whichever request parser the others left in place.
      useRequestBodyLimit(edge.maxRequestBytes),
    ],
  });
}
