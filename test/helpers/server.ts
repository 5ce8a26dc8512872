// The real Yoga server in-process (yoga.fetch) or over HTTP, with a fresh database per file.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { Database } from '../../src/db.ts';
import type { EdgeSettings } from '../../src/http/settings.ts';
import { createRosterYoga, type RosterYoga } from '../../src/yoga.ts';
import { openTestDatabase } from './database.ts';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface TestServer {
  yoga: RosterYoga;
  database: Database;
  /** POSTs a GraphQL operation in-process; `token` becomes the bearer. */
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GraphQLResponse<T>>;
  /** Starts an HTTP listener (for this server's Yoga or another) on a free port; its base URL. */
  listen(yoga?: RosterYoga): Promise<string>;
}

export async function postGraphQL<T>(
  fetchFn: (url: string, init: RequestInit) => Promise<Response>,
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
): Promise<GraphQLResponse<T>> {
  const response = await fetchFn(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: GraphQLResponse['errors'] };
  return { status: response.status, headers: response.headers, ...body };
}

/** Registers beforeAll/afterAll hooks that open a database and a Yoga server for this file. */
export function useTestServer(
  options: { real?: boolean; edge?: Partial<EdgeSettings> } = {},
): TestServer {
  const server = {} as TestServer;
  const listeners: http.Server[] = [];
  beforeAll(async () => {
    const database = await openTestDatabase(options);
    const yoga = createRosterYoga({ graphiql: true, edge: options.edge });
    Object.assign(server, {
      yoga,
      database,
      gql: (query: string, variables?: Record<string, unknown>, token?: string) =>
        postGraphQL(
          (url, init) => Promise.resolve(yoga.fetch(url, init)),
          'http://roster.test/graphql',
          query,
          variables,
          token,
        ),
      async listen(other: RosterYoga = yoga) {
        const listener = http.createServer(other);
        listeners.push(listener);
        await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
        return `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
      },
    });
  });
  afterAll(async () => {
    await Promise.all(
      listeners.map((listener) => new Promise((resolve) => listener.close(resolve))),
    );
    await server.database?.close();
  });
  return server;
}
