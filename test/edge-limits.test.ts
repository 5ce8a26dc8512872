// Document limits: real operations pass; alias floods, deep nesting, fan-out, directive floods,
// huge documents and batched token guesses are refused with a clear GraphQL error, never a 500.
import fs from 'node:fs';
import { parse, Kind, type OperationDefinitionNode } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import { createRosterYoga } from '../src/yoga.ts';
import { globalId, newApiKey, newMember, newOrganization } from './helpers/fixtures.ts';
import { madeUpInvitationToken } from './helpers/invitations.ts';
import { postGraphQL, useTestServer } from './helpers/server.ts';

const server = useTestServer();

/**
 * The ```graphql blocks of README.md, each with the names of its operations and the variables of
 * the ```json block that follows it directly (what a reader pastes into GraphiQL's Variables tab).
 */
function readmeOperations(): {
  block: string;
  names: (string | undefined)[];
  variables?: Record<string, unknown>;
}[] {
  const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  return [...readme.matchAll(/```graphql\n([\s\S]*?)```(?:\n\n```json\n([\s\S]*?)```)?/g)].map(
    (match) => ({
      block: match[1]!,
      variables: match[2] ? (JSON.parse(match[2]) as Record<string, unknown>) : undefined,
      names: parse(match[1]!)
        .definitions.filter(
          (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
        )
        .map((d) => d.name?.value),
    }),
  );
}

function nested(field: string, depth: number, leaf = 'id'): string {
  return `${`${field} { `.repeat(depth)}${leaf}${' }'.repeat(depth)}`;
}

describe('real operations', () => {
  it("every operation of the README runs without a limit's error (as anonymous and with a key)", async () => {
    const key = await newApiKey();
    const blocks = readmeOperations();
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const { block, names, variables } of blocks) {
      for (const operationName of names) {
        for (const token of [undefined, key]) {
          const res = await server.yoga.fetch('http://roster.test/graphql', {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'application/graphql-response+json',
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
            body: JSON.stringify({ query: block, operationName, variables }),
          });
          const body = (await res.json()) as { errors?: unknown[] };
          expect({ operationName, status: res.status, errors: body.errors }).toEqual({
            operationName,
            status: 200,
            errors: undefined,
          });
        }
      }
    }
  });

  it('a member list page of 100 with nested objects stays under the cost limit', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const res = await server.gql(
      `query Members($first: Int!) { viewer { organization { members(first: $first) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { id email name roles status createdAt
          invitedBy { id name email } organization { id name } } } } } } }`,
      { first: 100 },
      owner.token,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.viewer.organization.members.totalCount).toBe(1);
  });
});

describe('aliases', () => {
  it('refuses 500 aliased acceptInvitation in one anonymous request, and runs one', async () => {
    const before = await prisma.invitation.count();
    const aliases = Array.from(
      { length: 500 },
      (_, i) => `a${i}: acceptInvitation(token: "${madeUpInvitationToken()}") { __typename }`,
    );
    const query = `mutation { ${aliases.join('\n')} }`;
    const started = performance.now();
    const res = await server.gql(query);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    // 500 aliased calls are 4,000 tokens: the token limit stops it while parsing …
    expect(res.errors?.[0]?.message).toMatch(/Token limit of 3000 exceeded/);
    // … and with a bigger token budget, the alias limit does.
    const generous = createRosterYoga({ edge: { maxTokens: 1_000_000 } });
    const aliased = await postGraphQL(
      (url, init) => Promise.resolve(generous.fetch(url, init)),
      'http://roster.test/graphql',
      query,
    );
    expect(aliased.status).toBe(400);
    expect(aliased.data).toBeUndefined();
    expect(aliased.errors?.[0]?.message).toMatch(/^Aliases limit of 15 exceeded, found 500/);
    expect(aliased.errors?.[0]?.extensions?.code).toBe('DOCUMENT_LIMIT_EXCEEDED');
    expect(await prisma.invitation.count()).toBe(before);

    const one = await server.gql(
      `mutation { acceptInvitation(token: "${madeUpInvitationToken()}") { __typename } }`,
    );
    expect(one.data?.acceptInvitation.__typename).toBe('InvalidTokenError');
  });

  it('refuses 101 aliased __typename (graphql-cop) but allows 15 aliases', async () => {
    const flood = Array.from({ length: 101 }, (_, i) => `alias${i}: __typename`).join(' ');
    const refused = await server.gql(`query cop { ${flood} }`);
    expect(refused.status).toBe(400);
    expect(refused.data).toBeUndefined();
    const fine = Array.from({ length: 15 }, (_, i) => `a${i}: __typename`).join(' ');
    expect((await server.gql(`{ ${fine} }`)).data?.a14).toBe('Query');
  });
});

describe('one token operation per request', () => {
  it('refuses two token operations, whether aliased, different or hidden in fragments', async () => {
    const token = () => `"${madeUpInvitationToken()}"`;
    for (const query of [
      `mutation { a: acceptInvitation(token: ${token()}) { __typename } b: acceptInvitation(token: ${token()}) { __typename } }`,
      `mutation { acceptInvitation(token: ${token()}) { __typename } declineInvitation(token: ${token()}) { __typename } }`,
      `mutation { acceptInvitation(token: ${token()}) { __typename } ...M }
       fragment M on Mutation { redeemSignInLink(token: "rl_x") { __typename } }`,
      `{ a: invitationByToken(token: ${token()}) { __typename } ... on Query { b: invitationByToken(token: ${token()}) { __typename } } }`,
    ]) {
      const res = await server.gql(query);
      expect(res.status, query).toBe(400);
      expect(res.data).toBeUndefined();
      expect(res.errors?.[0]?.message).toMatch(/Only one token operation .* per request/);
      expect(res.errors?.[0]?.extensions?.code).toBe('TOO_MANY_TOKEN_OPERATIONS');
    }
  });

  it('allows one token operation next to other fields', async () => {
    const res = await server.gql(
      `{ invitationByToken(token: "${madeUpInvitationToken()}") { __typename } viewer { kind } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      invitationByToken: { __typename: 'InvalidTokenError' },
      viewer: { kind: 'ANONYMOUS' },
    });
  });
});

describe('depth and size', () => {
  it('refuses a query nested 1,000 deep with a 400, with the default limits and with a huge token budget', async () => {
    const query = `{ viewer { member { ${nested('invitedBy', 1000)} } } }`;
    const res = await server.gql(query);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.message).toMatch(/Token limit of 3000 exceeded/);
    const generous = createRosterYoga({ edge: { maxTokens: 1_000_000 } });
    const deep = await postGraphQL(
      (url, init) => Promise.resolve(generous.fetch(url, init)),
      'http://roster.test/graphql',
      query,
    );
    expect(deep.status).toBe(400);
    expect(deep.errors?.[0]?.message).toMatch(/Query depth limit of 12 exceeded, found 1003/);
  });

  it('counts depth without result-union fragments: 12 levels pass, 13 do not', async () => {
    const key = await newApiKey();
    const at = (levels: number) =>
      `{ organization(by: { slug: "nope" }) { ... on Organization { ${nested('members { edges { node { invitedBy', 1, nested('invitedBy', levels - 6))} } } } } } }`;
    const pass = await server.gql(at(12), undefined, key);
    expect(pass.errors).toBeUndefined();
    const refused = await server.gql(at(13), undefined, key);
    expect(refused.status).toBe(400);
    expect(refused.errors?.[0]?.message).toMatch(/depth limit of 12 exceeded, found 13/);
  });

  it('refuses more than 8 directives (graphql-cop sends 10 unknown ones) with one error', async () => {
    const cop = await server.gql(`query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }`);
    expect(cop.status).toBe(400);
    expect(cop.errors).toHaveLength(1);
    expect(cop.errors?.[0]?.message).toMatch(/Directives limit of 8 exceeded/);
    const eight = Array.from({ length: 8 }, (_, i) => `f${i}: __typename @include(if: true)`);
    expect((await server.gql(`{ ${eight.join(' ')} }`)).data?.f7).toBe('Query');
  });
});

describe('cost', () => {
  let owner: { token: string };
  let orgIds: string[];

  beforeAll(async () => {
    const org = await newOrganization();
    owner = await newMember(org.id, ['owner']);
    orgIds = [org.id];
  });

  const fanOut = (
    first: string,
  ) => `query Fan${first === '$n' ? '($n: Int)' : ''} { viewer { organization {
    members(first: ${first}) { edges { node { organization {
      members(first: ${first}) { edges { node { id email name status roles } } } } } } } } } }`;

  it('refuses a request that fans out to 28,000 objects, whether `first` is written or a variable', async () => {
    for (const [query, variables] of [
      [fanOut('100'), {}],
      [fanOut('$n'), { n: 100 }],
      [fanOut('$n'), { n: 1_000_000 }],
    ] as const) {
      const res = await server.gql(query, variables, owner.token);
      expect(res.status).toBe(400);
      expect(res.data).toBeUndefined();
      expect(res.errors?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
      expect(res.errors?.[0]?.message).toMatch(/more than the limit of 10000/);
    }
    // Without `first` a connection pages by 20: 20 × 20 pages of members is fine.
    const defaults = await server.gql(
      `{ viewer { organization { members { edges { node { organization {
        members { edges { node { id email } } } } } } } } } }`,
      undefined,
      owner.token,
    );
    expect(defaults.errors).toBeUndefined();
  });

  it('costs each request of one document anew when variables size its lists, and each operation of a document by itself', async () => {
    // The cost of a document no variable sizes is kept per document and operation (src/http/cost.ts):
    // a cached answer must never stand in for another operation's or other variables' cost.
    const byVariable = fanOut('$n');
    for (const [n, refused] of [
      [5, false],
      [100, true],
      [5, false],
      [100, true],
    ] as const) {
      const res = await server.gql(byVariable, { n }, owner.token);
      expect(res.errors?.[0]?.extensions?.code, `first: ${n}`).toBe(
        refused ? 'COST_LIMIT_EXCEEDED' : undefined,
      );
    }
    const twoOperations = `query Cheap { viewer { kind } }\n${fanOut('100')}`;
    const run = async (operationName: string) => {
      const response = await server.yoga.fetch('http://roster.test/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          authorization: `Bearer ${owner.token}`,
        },
        body: JSON.stringify({ query: twoOperations, operationName }),
      });
      const body = (await response.json()) as {
        data?: unknown;
        errors?: { extensions?: { code?: string } }[];
      };
      return { status: response.status, ...body };
    };
    for (const operationName of ['Cheap', 'Fan', 'Cheap', 'Fan']) {
      const res = await run(operationName);
      if (operationName === 'Fan') {
        expect(res.status).toBe(400);
        expect(res.errors?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
      } else {
        expect(res.errors).toBeUndefined();
        expect(res.data).toEqual({ viewer: { kind: 'MEMBER' } });
      }
    }
  });

  it('counts nodes(ids:) by the number of ids, also when they come as a variable', async () => {
    const key = await newApiKey();
    const ids = Array.from({ length: 300 }, () => globalId('Organization', orgIds[0]!));
    const query = `query Many($ids: [ID!]!) { nodes(ids: $ids) { ... on Organization {
      members(first: 100) { edges { node { id } } } } } }`;
    const refused = await server.gql(query, { ids }, key);
    expect(refused.errors?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
    const fine = await server.gql(query, { ids: ids.slice(0, 3) }, key);
    expect(fine.errors).toBeUndefined();
    expect(fine.data?.nodes).toHaveLength(3);
  });
});
