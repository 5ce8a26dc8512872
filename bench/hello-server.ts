// The ceiling for a GraphQL read: bare graphql-yoga answering `{ hello }`, no database, no plugins
// beyond Yoga's defaults, in its own process.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';

const yoga = createYoga({
  schema: createSchema({
    typeDefs: /* GraphQL */ `
      type Query {
        hello: String!
      }
    `,
    resolvers: { Query: { hello: () => 'world' } },
  }),
  logging: false,
  graphiql: false,
});
const server = http.createServer(yoga);
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`,
  );
});
