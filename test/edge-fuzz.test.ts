// Fuzzing the public edge in-process: thousands of documents generated from the schema (random
// selections of real fields with random, often wrong, arguments), the same mangled by hand, random
// variables, headers and bodies. Whatever comes in: no 5xx other than 503, no crash, no unmasked
// error (no stack, no internal message) and nothing written.
import fc from 'fast-check';
import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLCompositeType,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import { schema } from '../src/schema/index.ts';
import { globalId, newApiKey, newMember, newOrganization } from './helpers/fixtures.ts';
import { madeUpInvitationToken } from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';

const server = useTestServer();
let tokens: (string | undefined)[];
let orgGlobalId: string;

/** A digest of every table but the throttles' counters, ignoring the lastUsedAt touches. */
async function snapshot(): Promise<Record<string, string>> {
  const tables = await prisma.$queryRaw<{ table_name: string }[]>`
    SELECT table_name::text FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
      AND table_name NOT IN ('rate_limits', '_prisma_migrations')
    ORDER BY table_name`;
  const digests: Record<string, string> = {};
  for (const { table_name: table } of tables) {
    const [row] = await prisma.$queryRawUnsafe<{ digest: string | null; count: bigint }[]>(
      `SELECT md5(coalesce(string_agg((to_jsonb(t) - 'last_used_at')::text, ',' ORDER BY to_jsonb(t)::text), '')) AS digest,
              count(*) AS count FROM "${table}" t`,
    );
    digests[table] = `${row?.count}:${row?.digest}`;
  }
  return digests;
}

// fast-check's seed: fixed by default, so that CI is repeatable and a failure replays as it was;
// FUZZ_SEED=random explores new ground (the seed used is printed with any failure), or give a number.
const FUZZ_SEED =
  process.env.FUZZ_SEED === 'random'
    ? undefined
    : Number.parseInt(process.env.FUZZ_SEED ?? '20261130', 10);

// --- documents from the schema, driven by a seed -------------------------------------------------

/** mulberry32: a small deterministic generator, so a failing seed can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    chance: (p: number) => next() < p,
    int: (max: number) => Math.floor(next() * max),
    pick<T>(items: readonly T[]): T {
      return items[Math.floor(next() * items.length)]!;
    },
  };
}
type Rng = ReturnType<typeof prng>;

const STRINGS = () => [
  '',
  'acme',
  madeUpInvitationToken(),
  `rl_${'A'.repeat(43)}`,
  'x'.repeat(300),
  '\u0000\u202e<script>',
  "'; DROP TABLE members; --",
  '😀'.repeat(20),
  'not-an-id',
  orgGlobalId,
  globalId('Member', '00000000-0000-0000-0000-000000000000'),
  'someone@example.com',
  'https://example.com/accept',
  '2026-01-01T00:00:00Z',
];

function literal(type: GraphQLInputType, rng: Rng, depth = 0): string {
  if (rng.chance(0.05)) return rng.pick(['null', '1', '"x"', '[]', '{}', 'true', '$undefined']);
  if (isNonNullType(type)) return literal(type.ofType, rng, depth);
  if (isListType(type)) {
    const n = rng.int(3);
    return `[${Array.from({ length: n }, () => literal(type.ofType, rng, depth + 1)).join(', ')}]`;
  }
  if (isEnumType(type)) return rng.pick(type.getValues()).name;
  if (isInputObjectType(type)) {
    if (depth > 3) return '{}';
    const fields = Object.values(type.getFields()).filter(
      (f) => isNonNullType(f.type) || rng.chance(0.4),
    );
    return `{ ${fields.map((f) => `${f.name}: ${literal(f.type, rng, depth + 1)}`).join(', ')} }`;
  }
  switch (type.name) {
    case 'Int':
      return String(rng.pick([0, 1, -1, 20, 100, 101, 2 ** 31 - 1, 2 ** 31, -(2 ** 31)]));
    case 'Float':
      return String(rng.pick([0, 1.5, -1e308, 1e308]));
    case 'Boolean':
      return rng.pick(['true', 'false']);
    case 'JSONObject':
      return rng.pick([
        '{}',
        '{ a: 1 }',
        '{ nested: { deep: [1, "2", null] } }',
        '"not an object"',
      ]);
    default:
      return JSON.stringify(rng.pick(STRINGS()));
  }
}

function selection(type: GraphQLCompositeType, rng: Rng, depth: number): string {
  if (isUnionType(type)) {
    const members = type.getTypes();
    const parts = ['__typename'];
    for (let i = 0; i < 1 + rng.int(3); i++) {
      const member = rng.pick(members);
      parts.push(`... on ${member.name} { ${selection(member, rng, depth)} }`);
    }
    return parts.join(' ');
  }
  const fields = Object.values(type.getFields());
  const parts: string[] = [];
  for (let i = 0; i < 1 + rng.int(4); i++) {
    const field = rng.pick(fields);
    const alias = rng.chance(0.15) ? `a${rng.int(1000)}: ` : '';
    const args = field.args.filter((a) => isNonNullType(a.type) || rng.chance(0.4));
    const argText = args.length
      ? `(${args.map((a) => `${a.name}: ${literal(a.type, rng)}`).join(', ')})`
      : '';
    const named = getNamedType(field.type);
    let sub = '';
    if (isCompositeType(named)) {
      sub = depth >= 4 ? '{ __typename }' : `{ ${selection(named, rng, depth + 1)} }`;
    }
    parts.push(`${alias}${field.name}${argText} ${sub}`);
  }
  if (isInterfaceType(type) && rng.chance(0.5)) {
    const impl = rng.pick(schema.getPossibleTypes(type));
    parts.push(`... on ${impl.name} { ${selection(impl, rng, depth + 1)} }`);
  }
  return parts.join(' ');
}

function document(rng: Rng, root: GraphQLObjectType): string {
  const keyword = root === schema.getMutationType() ? 'mutation' : 'query';
  return `${keyword} Fuzz { ${selection(root, rng, 0)} }`;
}

/** Mangling by hand: cut, insert, duplicate, truncate, swap brackets. */
function mangle(text: string, rng: Rng): string {
  let out = text;
  for (let i = 0; i < 1 + rng.int(4); i++) {
    const at = rng.int(out.length + 1);
    switch (rng.int(6)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + 1 + rng.int(10));
        break;
      case 1:
        out =
          out.slice(0, at) +
          rng.pick([
            '{',
            '}',
            '(',
            ')',
            '[',
            ']',
            ':',
            '$',
            '@',
            '!',
            '"',
            '\\',
            '...',
            '#',
            '\u0000',
            '"""',
          ]) +
          out.slice(at);
        break;
      case 2:
        out = out.slice(0, at) + out.slice(at, at + 40).repeat(1 + rng.int(20)) + out.slice(at);
        break;
      case 3:
        out = out.slice(0, at);
        break;
      case 4:
        out = out.replace(/\{/g, () => (rng.chance(0.2) ? '(' : '{'));
        break;
      default:
        out = `${out} fragment F on Query { ...F }`;
    }
  }
  return out;
}

// --- the checks -------------------------------------------------------------------------------------

interface Outcome {
  status: number;
  contentType: string;
  text: string;
}

const LEAK =
  /\n\s+at |node_modules|\.ts:\d+|invocation|prisma|TypeError|ReferenceError|Cannot read prop|undefined is not|"stack"|"originalError"|DriverAdapter/i;

function check(what: string, outcome: Outcome, problems: string[]) {
  const { text } = outcome;
  if (outcome.status >= 500 && outcome.status !== 503) {
    problems.push(`${outcome.status} for ${what}: ${outcome.text.slice(0, 300)}`);
  } else if (outcome.contentType.startsWith('text/html')) {
    // GraphiQL's page (served to GET requests that accept HTML): its script is not an error.
  } else if (LEAK.test(text)) {
    problems.push(`leak for ${what}: ${outcome.text.slice(0, 300)}`);
  } else if (text.includes('Unexpected error.')) {
    problems.push(`unexpected error for ${what}: ${outcome.text.slice(0, 300)}`);
  }
}

async function send(init: RequestInit & { url?: string }): Promise<Outcome> {
  const res = await server.yoga.fetch(init.url ?? 'http://roster.test/graphql', init);
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    text: await res.text(),
  };
}

function jsonPost(
  body: unknown,
  token?: string,
  headers: Record<string, string> = {},
): RequestInit {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

describe('fuzz', () => {
  let before: Record<string, string>;

  beforeAll(async () => {
    const org = await newOrganization();
    orgGlobalId = globalId('Organization', org.id);
    const owner = await newMember(org.id, ['owner']);
    const key = await newApiKey();
    tokens = [undefined, key, owner.token];
    // The first use of a key or session stamps lastUsedAt; do it before the snapshot.
    for (const token of tokens) await send(jsonPost({ query: '{ viewer { kind } }' }, token));
    before = await snapshot();
  });

  it('survives documents generated from the schema and mangled, with random variables and callers', async () => {
    const problems: string[] = [];
    const query = schema.getQueryType()!;
    const mutation = schema.getMutationType()!;
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.boolean(),
        fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
        async (seed, mangled, variables) => {
          const rng = prng(seed);
          // Mutations only anonymously: a key could legitimately create things.
          const asAnonymous = rng.chance(0.4);
          const root = asAnonymous && rng.chance(0.5) ? mutation : query;
          const token = asAnonymous ? undefined : rng.pick(tokens.slice(1));
          let text = document(rng, root);
          if (mangled) text = mangle(text, rng);
          const outcome = await send(jsonPost({ query: text, variables }, token));
          check(`seed ${seed} mangled ${mangled}: ${text.slice(0, 200)}`, outcome, problems);
        },
      ),
      { numRuns: 1_500, seed: FUZZ_SEED },
    );
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it('survives random bodies, methods, headers and parameters', async () => {
    const problems: string[] = [];
    const real = '{ viewer { kind } }';
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
          fc
            .record({
              query: fc.oneof(fc.constant(real), fc.jsonValue({ maxDepth: 2 })),
              variables: fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 })),
              operationName: fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 1 })),
              extensions: fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 })),
              documentId: fc.oneof(fc.constant(undefined), fc.string()),
            })
            .map((v) => JSON.stringify(v)),
        ),
        fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        fc.record({
          'content-type': fc.constantFrom(
            'application/json',
            'application/json; charset=latin1',
            'application/graphql-response+json',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'text/plain',
            '',
            '*/*',
          ),
          accept: fc.constantFrom(
            'application/json',
            'application/graphql-response+json',
            'text/html',
            '*/*',
            'image/png',
            '',
          ),
          authorization: fc.oneof(
            fc.constant(''),
            fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
            fc.constantFrom(
              'Bearer',
              'Bearer rk_',
              `Bearer rk_${'x'.repeat(43)}`,
              'Basic dXNlcjpwYXNz',
            ),
          ),
          'x-request-id': fc.string({ maxLength: 200 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
          'x-graphql-csrf': fc.constantFrom('', '1'),
          origin: fc.constantFrom('', 'null', 'https://evil.example'),
        }),
        fc.string({ maxLength: 100 }),
        async (body, method, rawHeaders, search) => {
          const headers = Object.fromEntries(
            Object.entries(rawHeaders).filter(([, v]) => v !== ''),
          );
          const hasBody = !['GET', 'HEAD'].includes(method);
          const url = `http://roster.test/graphql?${method === 'GET' ? `query=${encodeURIComponent(search)}&variables=${encodeURIComponent(body)}` : encodeURIComponent(search)}`;
          const outcome = await send({ url, method, headers, ...(hasBody ? { body } : {}) });
          check(`${method} ${JSON.stringify(headers)} ${body.slice(0, 200)}`, outcome, problems);
        },
      ),
      { numRuns: 1_500, seed: FUZZ_SEED },
    );
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it('survives a real operation with random variables of every shape', async () => {
    const problems: string[] = [];
    const operations = [
      'query($first: Int, $after: String, $status: [MemberStatus!], $email: String) { viewer { organization { members(first: $first, after: $after, status: $status, emailContains: $email) { totalCount edges { node { id email } } } } } }',
      'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      'query($token: String!) { invitationByToken(token: $token) { __typename } }',
      'mutation($token: String!, $name: String) { acceptInvitation(token: $token, name: $name) { __typename } }',
      'query($by: OrganizationRef!) { organization(by: $by) { __typename } }',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...operations.keys()),
        fc.dictionary(
          fc.constantFrom(
            'first',
            'after',
            'status',
            'email',
            'ids',
            'token',
            'name',
            'by',
            'other',
          ),
          fc.oneof(
            fc.jsonValue({ maxDepth: 3 }),
            fc.constantFrom(orgGlobalId, madeUpInvitationToken(), 1e9, -5, 'ACTIVE'),
          ),
        ),
        fc.constantFrom(0, 1, 2),
        async (index, variables, who) => {
          const query = operations[index]!;
          const token = query.startsWith('mutation') ? undefined : tokens[who];
          const outcome = await send(jsonPost({ query, variables }, token));
          check(
            `${query.slice(0, 60)} ${JSON.stringify(variables).slice(0, 200)}`,
            outcome,
            problems,
          );
        },
      ),
      { numRuns: 600, seed: FUZZ_SEED },
    );
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it('wrote nothing', async () => {
    expect(await snapshot()).toEqual(before);
  });
});
