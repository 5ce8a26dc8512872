// The real Yoga server in-process, for the bench's scripts that time or log one request at a time
// (statement-log.ts, allocations.ts): links point at app.example.com, as in the bench.
import { setRedirectOrigins } from '../src/auth/redirect-origins.ts';
import { createRosterYoga } from '../src/yoga.ts';
import { graphqlClient, type GraphQLClient } from './operations.ts';

/** A client of a fresh in-process Roster Yoga (no HTTP). */
export function inProcessGraphQL(): GraphQLClient {
  setRedirectOrigins(['https://app.example.com']);
  const yoga = createRosterYoga({ graphiql: false });
  return graphqlClient('http://roster.bench/graphql', async (url, init) => yoga.fetch(url, init));
}
