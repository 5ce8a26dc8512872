// Failing safely: while the database cannot be reached, GraphQL requests get HTTP 503 with
// Retry-After and a SERVICE_UNAVAILABLE error, not "Unexpected error.", and the process stays up.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db.ts';
import { createRosterYoga, type RosterYoga } from '../src/yoga.ts';
import { madeUpInvitationToken } from './helpers/invitations.ts';

let database: Database;
let yoga: RosterYoga;

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  const port = await closedPort();
  database = await openDatabase({
    url: `postgresql://postgres@127.0.0.1:${port}/roster`,
    migrate: false,
  });
  yoga = createRosterYoga({ edge: { retryAfterSeconds: 7 } });
});

afterAll(async () => {
  await database?.close();
});

async function post(query: string, token?: string) {
  const res = await yoga.fetch('http://roster.test/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query }),
  });
  return { res, text: await res.text() };
}

describe('database unreachable', () => {
  it('answers 503 with Retry-After and a SERVICE_UNAVAILABLE error, anonymous or with a bearer', async () => {
    const cases = [
      [`{ invitationByToken(token: "${madeUpInvitationToken()}") { __typename } }`, undefined],
      [
        `mutation { acceptInvitation(token: "${madeUpInvitationToken()}") { __typename } }`,
        undefined,
      ],
      ['{ viewer { kind } }', `rk_${'a'.repeat(43)}`],
      ['{ viewer { kind } }', `rs_${'a'.repeat(43)}`],
    ] as const;
    for (const [query, token] of cases) {
      const { res, text } = await post(query, token);
      expect(res.status, query).toBe(503);
      expect(res.headers.get('retry-after')).toBe('7');
      const body = JSON.parse(text) as {
        errors: { message: string; extensions: Record<string, unknown> }[];
      };
      expect(body.errors[0]?.extensions).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        retryAfterSeconds: 7,
      });
      expect(body.errors[0]?.message).toMatch(/temporarily unavailable; retry in 7 seconds/);
      expect(text).not.toMatch(/Unexpected error|127\.0\.0\.1|prisma|stack/i);
    }
  });

  it('still answers what needs no database, and /readyz says 503', async () => {
    const { res, text } = await post('{ __typename }');
    expect(res.status).toBe(200);
    expect(JSON.parse(text)).toEqual({ data: { __typename: 'Query' } });
    expect((await yoga.fetch('http://roster.test/readyz')).status).toBe(503);
    expect((await yoga.fetch('http://roster.test/healthz')).status).toBe(200);
  });
});
