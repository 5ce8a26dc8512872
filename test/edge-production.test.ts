// Production mode (NODE_ENV=production) and what a scanner sees: introspection, suggestions and
// GraphiQL off, errors masked with the request id, trusted documents; graphql-http's audit and
// every check of graphql-cop against a production server.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { auditServer } from 'graphql-http';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { prisma } from '../src/db.ts';
import { edgeSettings } from '../src/http/settings.ts';
import { createRosterYoga, type RosterYoga } from '../src/yoga.ts';
import { newApiKey } from './helpers/fixtures.ts';
import { madeUpInvitationToken } from './helpers/invitations.ts';
import { postGraphQL, useTestServer, type GraphQLResponse } from './helpers/server.ts';

const PRODUCTION = { NODE_ENV: 'production' } as const;
const server = useTestServer();
let production: RosterYoga;
let base: string;

beforeAll(async () => {
  production = createRosterYoga({
    graphiql: loadConfig(PRODUCTION).graphiql,
    edge: edgeSettings(PRODUCTION),
  });
  base = await server.listen(production);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const gql = (
  yoga: RosterYoga,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
) =>
  postGraphQL<Record<string, any>>(
    (url, init) => Promise.resolve(yoga.fetch(url, init)),
    'http://roster.test/graphql',
    query,
    variables,
    token,
  );

const messages = (res: GraphQLResponse) => (res.errors ?? []).map((e) => e.message).join('\n');

describe('production mode', () => {
  it('refuses introspection unless INTROSPECTION=true', async () => {
    const refused = await gql(production, '{ __schema { types { name } } }');
    expect(refused.status).toBe(400);
    expect(refused.data).toBeUndefined();
    expect(messages(refused)).toMatch(/introspection is disabled here/);
    expect(refused.errors?.[0]?.extensions?.code).toBe('INTROSPECTION_DISABLED');
    for (const query of [
      '{ __type(name: "Member") { fields { name } } }',
      '{ __type(name: "MemberStatus") { enumValues { name } } }',
      '{ __type(name: "Member") { description } }',
      '{ viewer { __typename } __schema { queryType { name } } }',
    ]) {
      const res = await gql(production, query);
      expect(res.status, query).toBe(400);
      expect(res.data).toBeUndefined();
    }
    // Whether a type exists (its name and kind) is no secret: validation tells it anyway.
    expect((await gql(production, '{ __type(name: "Member") { name kind } }')).data).toEqual({
      __type: { name: 'Member', kind: 'OBJECT' },
    });
    const allowed = createRosterYoga({
      edge: edgeSettings({ ...PRODUCTION, INTROSPECTION: 'true' }),
    });
    const res = await gql(allowed, '{ __type(name: "Member") { fields { name } } }');
    expect(res.data?.__type.fields.length).toBeGreaterThan(5);
    // Outside production it is on by default.
    expect((await server.gql('{ __schema { queryType { name } } }')).data).toEqual({
      __schema: { queryType: { name: 'Query' } },
    });
  });

  it('suggests no field, argument or enum value names', async () => {
    const cases: [string, Record<string, unknown>?][] = [
      ['{ viewr { kind } }'],
      ['{ viewer { knd } }'],
      ['query cop { __schema { directive } }'],
      [
        'query($s: [MemberStatus!]) { viewer { organization { members(status: $s) { totalCount } } } }',
        { s: ['ACTIV'] },
      ],
      ['{ viewer { organization { members(statuss: [ACTIVE]) { totalCount } } } }'],
    ];
    for (const [query, variables] of cases) {
      const dev = await server.gql(query, variables);
      const prod = await gql(production, query, variables);
      expect(prod.errors?.length, query).toBeGreaterThan(0);
      expect(messages(prod), query).not.toMatch(/Did you mean/);
      if (!query.includes('__schema')) expect(messages(dev), query).toMatch(/Did you mean/);
    }
  });

  it('serves no GraphiQL', async () => {
    const res = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(await res.text()).not.toMatch(/graphiql/i);
  });

  it('masks unexpected errors to "Unexpected error." with the request id, never a message or stack, in any NODE_ENV', async () => {
    const key = await newApiKey();
    vi.spyOn(prisma.apiKey, 'findUnique').mockRejectedValue(
      new Error('secret detail: relation "api_keys" at /srv/roster/src/db.ts:42'),
    );
    for (const nodeEnv of ['production', 'development']) {
      vi.stubEnv('NODE_ENV', nodeEnv);
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          authorization: `Bearer ${key}`,
        },
        body: JSON.stringify({ query: '{ viewer { kind } }' }),
      });
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).not.toMatch(/secret|srv|stack|at /);
      const body = JSON.parse(text) as GraphQLResponse;
      expect(body.errors?.[0]?.message).toBe('Unexpected error.');
      expect(body.errors?.[0]?.extensions?.requestId).toBe(res.headers.get('x-request-id'));
    }
  });

  it('passes every MUST of the graphql-http audit', async () => {
    const results = await auditServer({ url: `${base}/graphql` });
    const failures = results.filter((r) => r.status !== 'ok' && r.name.startsWith('MUST'));
    expect(failures.map((f) => `${f.name}: ${'reason' in f ? f.reason : ''}`)).toEqual([]);
  });
});

describe("graphql-cop's checks, against a production server", () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const json = async (res: Response): Promise<any> => {
    try {
      return await res.json();
    } catch {
      return undefined;
    }
  };

  it('finds nothing', async () => {
    const findings: string[] = [];
    const aliases = Array.from({ length: 101 }, (_, i) => `alias${i}:__typename \n`).join('');
    if (
      (await json(await post({ query: `query cop { ${aliases} }`, operationName: 'cop' })))?.data
        ?.alias100
    ) {
      findings.push('Alias Overloading');
    }
    const batch = await json(
      await post(Array.from({ length: 10 }, () => ({ query: 'query cop { __typename }' }))),
    );
    if (Array.isArray(batch) && batch.length >= 10) findings.push('Array-based Query Batching');
    const circular = await json(
      await post({
        query:
          'query cop { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }',
        operationName: 'cop',
      }),
    );
    if (circular?.data?.__schema?.types?.length > 25)
      findings.push('Introspection-based Circular Query');
    const directives = await json(
      await post({
        query: 'query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }',
        operationName: 'cop',
      }),
    );
    if (directives?.errors?.length === 10) findings.push('Directive Overloading');
    const suggestions = await json(
      await post({ query: 'query cop { __schema { directive } }', operationName: 'cop' }),
    );
    if (String(suggestions?.errors?.[0]?.message).includes('Did you mean'))
      findings.push('Field Suggestions');
    const introspection = await json(
      await post({
        query: 'query cop { __schema { types { name fields { name } } } }',
        operationName: 'cop',
      }),
    );
    if (introspection?.data?.__schema?.types) findings.push('Introspection');
    const ide = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    if (
      /graphiql\.min\.css|GraphQL Playground|GraphiQL|graphql-playground/.test(await ide.text())
    ) {
      findings.push('GraphQL IDE');
    }
    const get = await json(
      await fetch(`${base}/graphql?query=${encodeURIComponent('query cop {__typename}')}`),
    );
    if (get?.data?.__typename) findings.push('GET Method Query Support');
    const getMutation = await json(
      await fetch(`${base}/graphql?query=${encodeURIComponent('mutation cop {__typename}')}`),
    );
    if (getMutation?.data?.__typename) findings.push('Mutation is allowed over GET');
    const form = await json(
      await fetch(`${base}/graphql`, {
        method: 'POST',
        body: new URLSearchParams({ query: 'query cop { __typename }' }),
      }),
    );
    if (form?.data?.__typename) findings.push('POST based url-encoded query');
    const trace = await json(
      await post({ query: 'query cop { __typename }', operationName: 'cop' }),
    );
    if (JSON.stringify(trace).toLowerCase().includes('"tracing"')) findings.push('Trace Mode');
    const unhandled = await json(await post({ query: 'qwerty cop { abc }', operationName: 'cop' }));
    if (JSON.stringify(unhandled).toLowerCase().includes('"exception"'))
      findings.push('Unhandled Errors');
    expect(findings).toEqual([]);
    // And the server is still GraphQL to a scanner: it answers __typename to a JSON POST.
    expect(
      (await json(await post({ query: 'query cop { __typename }', operationName: 'cop' })))?.data,
    ).toEqual({
      __typename: 'Query',
    });
  });

  // The tool itself, where it is installed: GRAPHQL_COP=/path/to/graphql-cop.py (needs a python3
  // with requests, simplejson and termcolor; GRAPHQL_COP_PYTHON picks which).
  it.skipIf(!process.env.GRAPHQL_COP)('graphql-cop itself reports no finding', async () => {
    // Asynchronously: the server answering it runs in this process.
    const { stdout } = await promisify(execFile)(
      process.env.GRAPHQL_COP_PYTHON ?? 'python3',
      [process.env.GRAPHQL_COP!, '-t', `${base}/graphql`, '-o', 'json'],
      { timeout: 60_000 },
    );
    const results = JSON.parse(stdout) as { title: string; result: boolean }[];
    expect(results.length).toBeGreaterThanOrEqual(12);
    expect(results.filter((r) => r.result).map((r) => r.title)).toEqual([]);
  });
});

describe('trusted documents', () => {
  const manifest = fileURLToPath(new URL('./fixtures/trusted-documents.json', import.meta.url));
  const entries = Object.entries(
    JSON.parse(fs.readFileSync(manifest, 'utf8')) as Record<string, string>,
  );
  const viewerHash = entries.find(([, doc]) => doc.includes('Viewer'))![0];
  const previewHash = entries.find(([, doc]) => doc.includes('Preview'))![0];
  let trusted: RosterYoga;

  beforeAll(() => {
    trusted = createRosterYoga({
      edge: { ...edgeSettings(PRODUCTION), trustedDocuments: manifest },
    });
  });

  const send = async (body: unknown) => {
    const res = await trusted.fetch('http://roster.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      ...((await res.json()) as Omit<GraphQLResponse, 'status' | 'headers'>),
    };
  };

  it('runs the manifest’s documents by id, in every format clients send it', async () => {
    expect(await send({ documentId: `sha256:${viewerHash}` })).toMatchObject({
      status: 200,
      data: { viewer: { kind: 'ANONYMOUS' } },
    });
    expect((await send({ documentId: viewerHash })).data).toEqual({
      viewer: { kind: 'ANONYMOUS' },
    });
    expect(
      (await send({ extensions: { persistedQuery: { version: 1, sha256Hash: viewerHash } } })).data,
    ).toEqual({ viewer: { kind: 'ANONYMOUS' } });
    const preview = await send({
      documentId: `sha256:${previewHash}`,
      variables: { token: madeUpInvitationToken() },
    });
    expect(preview.data).toEqual({
      invitationByToken: { __typename: 'InvalidTokenError', code: 'INVALID_TOKEN' },
    });
  });

  it('refuses any other document, and an unknown id, with a clear error', async () => {
    const arbitrary = await send({ query: '{ viewer { kind } }' });
    expect(arbitrary.status).toBe(400);
    expect(arbitrary.data).toBeUndefined();
    expect(arbitrary.errors?.[0]?.extensions?.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
    const unknown = await send({ documentId: `sha256:${'0'.repeat(64)}` });
    expect(unknown.status).toBe(400);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('TRUSTED_DOCUMENT_NOT_FOUND');
    const none = await send({});
    expect(none.status).toBe(400);
  });

  it('refuses to start with a manifest whose keys are not the hashes of their documents', () => {
    const bad = `${fs.mkdtempSync('/tmp/roster-trusted-')}/manifest.json`;
    fs.writeFileSync(bad, JSON.stringify({ ['a'.repeat(64)]: '{ viewer { kind } }' }));
    expect(() => createRosterYoga({ edge: { trustedDocuments: bad } })).toThrow(/not the SHA-256/);
  });
});
