// The HTTP surface, over a real socket: GraphQL over HTTP, health checks, request ids, GraphiQL.
import { auditServer } from 'graphql-http';
import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import { createApiKey, revokeApiKey } from '../src/services/api-keys.ts';
import { globalId, newApiKey, newMember, newOrganization } from './helpers/fixtures.ts';
import { postGraphQL, useTestServer } from './helpers/server.ts';

const server = useTestServer();
let base: string;

beforeAll(async () => {
  base = await server.listen();
});

describe('GraphQL over HTTP', () => {
  it('passes every MUST of the graphql-http audit', async () => {
    const results = await auditServer({ url: `${base}/graphql` });
    const failures = results.filter((r) => r.status !== 'ok' && r.id && r.name.startsWith('MUST'));
    expect(failures.map((f) => `${f.name}: ${'reason' in f ? f.reason : ''}`)).toEqual([]);
  });

  it('answers { __typename } to POST and to GET with the CSRF header', async () => {
    const post = await postGraphQL(fetch, `${base}/graphql`, '{ __typename }');
    expect(post).toMatchObject({ status: 200, data: { __typename: 'Query' } });
    const get = await fetch(`${base}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/graphql-response+json', 'x-graphql-csrf': '1' },
    });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses mutations over GET', async () => {
    const res = await fetch(
      `${base}/graphql?query=${encodeURIComponent('mutation { deleteOrganization { __typename } }')}`,
      { headers: { accept: 'application/graphql-response+json', 'x-graphql-csrf': '1' } },
    );
    expect(res.status).toBe(405);
  });

  it('rejects a malformed bearer with 401 and a clear message', async () => {
    const res = await postGraphQL(
      fetch,
      `${base}/graphql`,
      '{ __typename }',
      undefined,
      'not-a-token',
    );
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.message).toMatch(/Unrecognized bearer token/);
    const revokedLooking = await postGraphQL(
      fetch,
      `${base}/graphql`,
      '{ __typename }',
      undefined,
      `rk_${'a'.repeat(43)}`,
    );
    expect(revokedLooking.status).toBe(401);
  });

  it('refuses an API key once it is revoked (by id or by its displayed prefix)', async () => {
    for (const by of ['id', 'prefix'] as const) {
      const created = await createApiKey(`to-revoke-${by}`);
      const before = await postGraphQL(
        fetch,
        `${base}/graphql`,
        '{ viewer { kind } }',
        undefined,
        created.key,
      );
      expect(before.status).toBe(200);
      expect(await revokeApiKey(by === 'id' ? created.id : created.key.slice(0, 10))).toBe(true);
      const after = await postGraphQL(
        fetch,
        `${base}/graphql`,
        '{ viewer { kind } }',
        undefined,
        created.key,
      );
      expect(after.status).toBe(401);
      expect(after.errors?.[0]?.message).toMatch(/revoked/);
    }
  });

  it('refuses a member session once it expires, is revoked, or its member is no longer active', async () => {
    const org = await newOrganization();
    const viewer = (token: string) =>
      postGraphQL(fetch, `${base}/graphql`, '{ viewer { kind } }', undefined, token);
    const cases: [string, (m: { id: string; sessionId: string }) => Promise<unknown>][] = [
      [
        'expired',
        (m) =>
          prisma.memberSession.update({
            where: { id: m.sessionId },
            data: { expiresAt: new Date(Date.now() - 1000) },
          }),
      ],
      [
        'revoked',
        (m) =>
          prisma.memberSession.update({
            where: { id: m.sessionId },
            data: { revokedAt: new Date() },
          }),
      ],
      [
        'deactivated',
        (m) => prisma.member.update({ where: { id: m.id }, data: { status: 'DEACTIVATED' } }),
      ],
    ];
    for (const [, spoil] of cases) {
      const member = await newMember(org.id, ['member']);
      expect((await viewer(member.token)).status).toBe(200);
      await spoil(member);
      const after = await viewer(member.token);
      expect(after.status).toBe(401);
      expect(after.errors?.[0]?.message).toMatch(/Invalid, expired or revoked session/);
    }
  });

  it('accepts a valid API key', async () => {
    const key = await newApiKey();
    const res = await postGraphQL<{ viewer: { kind: string } }>(
      fetch,
      `${base}/graphql`,
      '{ viewer { kind } }',
      undefined,
      key,
    );
    expect(res.data?.viewer.kind).toBe('API_KEY');
  });
});

describe('errors outside result unions', () => {
  it('a refusal on a plain field keeps its message and code instead of "Unexpected error."', async () => {
    const mine = await newOrganization();
    // A custom role without organization:read: the Organization type refuses its fields.
    await prisma.customRole.create({
      data: { organizationId: mine.id, key: 'nothing', name: 'Nothing', permissions: [] },
    });
    const member = await newMember(mine.id, ['nothing']);
    const res = await postGraphQL(
      fetch,
      `${base}/graphql`,
      '{ viewer { organization { name } } }',
      {},
      member.token,
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(res.errors?.[0]?.message).not.toMatch(/Unexpected error/);
  });
});

describe('request ids', () => {
  it('returns a fresh request id on every response', async () => {
    const a = await fetch(`${base}/healthz`);
    const b = await fetch(`${base}/healthz`);
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  it("echoes a caller's well-formed request id and replaces a malformed one", async () => {
    const given = await fetch(`${base}/graphql?query=%7B__typename%7D`, {
      headers: { 'x-request-id': 'trace-42' },
    });
    expect(given.headers.get('x-request-id')).toBe('trace-42');
    const bad = await fetch(`${base}/healthz`, {
      headers: { 'x-request-id': 'no spaces <allowed>' },
    });
    expect(bad.headers.get('x-request-id')).not.toBe('no spaces <allowed>');
  });
});

describe('health', () => {
  it('/healthz says the process is up and /readyz that the database answers', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });
});

describe('GraphiQL', () => {
  it('is served at /graphql to browsers, from the package rather than a CDN', async () => {
    const res = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<title>Roster</title>');
    expect(html).not.toMatch(/unpkg\.com|jsdelivr/);
  });
});
