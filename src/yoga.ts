// The Yoga instance, separate from the listener so tests can call `yoga.fetch(...)` in-process.
import crypto from 'node:crypto';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { createYoga, maskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Context } from './context.ts';
import { prisma } from './db.ts';
import { logger } from './logger.ts';
import { schema } from './schema/index.ts';
import { authenticate } from './services/authentication.ts';

export interface YogaOptions {
  graphiql?: boolean;
}

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

function useRequestId(): Plugin {
  return {
    onRequest({ request }) {
      requestIdOf(request);
    },
    onResponse({ request, response }) {
      response.headers.set(REQUEST_ID_HEADER, requestIdOf(request));
    },
  };
}

/** /healthz: the process is up. /readyz: the database answers. */
function useHealthChecks(): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === '/healthz') {
        endResponse(fetchAPI.Response.json({ status: 'ok' }));
      } else if (url.pathname === '/readyz') {
        try {
          await prisma.$queryRaw`SELECT 1`;
          endResponse(fetchAPI.Response.json({ status: 'ready' }));
        } catch (error) {
          logger.warn({ err: error }, 'readiness check failed');
          endResponse(fetchAPI.Response.json({ status: 'unavailable' }, { status: 503 }));
        }
      }
    },
  };
}

export type RosterYoga = YogaServerInstance<Record<string, unknown>, Context>;

export function createRosterYoga(options: YogaOptions = {}): RosterYoga {
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: options.graphiql
      ? { title: 'Roster', defaultQuery: '{ viewer { __typename } }' }
      : false,
    renderGraphiQL,
    logging: logger.child({ component: 'yoga' }),
    maskedErrors: {
      // Expected failures are typed results or deliberate GraphQLErrors; anything else is logged
      // here, with its request id, and reaches the caller only as "Unexpected error.".
      maskError(error, message, isDev) {
        const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
        if (!(original instanceof GraphQLError))
          logger.error({ err: original }, 'unexpected error');
        return maskError(error, message, isDev);
      },
    },
    context: async ({ request }): Promise<Context> => ({
      requestId: requestIdOf(request),
      caller: await authenticate(request.headers.get('authorization')),
    }),
    plugins: [useRequestId(), useHealthChecks()],
  });
}
