// GraphQL over HTTP, strictly, over a real socket: JSON-only POSTs, a CSRF header on GETs, a body
// size limit, no batching; CORS from an allow-list; the security headers.
import http from 'node:http';
import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import { createRosterYoga } from '../src/yoga.ts';
import { newApiKey } from './helpers/fixtures.ts';
import { postGraphQL, useTestServer } from './helpers/server.ts';

const server = useTestServer();
let base: string;
let key: string;

beforeAll(async () => {
  base = await server.listen();
  key = await newApiKey();
});

const CREATE = `mutation { createOrganization(input: { name: "CSRF", slug: "csrf-victim" }) { __typename } }`;

describe('only JSON bodies', () => {
  it('refuses url-encoded, multipart, text/plain and application/graphql POSTs with 415, running nothing', async () => {
    const form = new FormData();
    form.set('query', CREATE);
    const bodies: [string, RequestInit][] = [
      ['url-encoded', { body: new URLSearchParams({ query: CREATE }) }],
      ['multipart', { body: form }],
      [
        'text/plain',
        { body: JSON.stringify({ query: CREATE }), headers: { 'content-type': 'text/plain' } },
      ],
      ['graphql', { body: CREATE, headers: { 'content-type': 'application/graphql' } }],
      ['none', { body: JSON.stringify({ query: CREATE }), headers: { 'content-type': '' } }],
    ];
    for (const [name, init] of bodies) {
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        ...init,
        headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${key}` },
      });
      expect(res.status, name).toBe(415);
      const body = (await res.json()) as { errors: { message: string }[] };
      expect(body.errors[0]?.message).toMatch(/POST bodies must be application\/json/);
    }
    expect(await prisma.organization.count({ where: { slug: 'csrf-victim' } })).toBe(0);
  });

  it('answers application/graphql-response+json to a JSON POST that asks for it', async () => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        accept: 'application/graphql-response+json',
      },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a batch (a JSON array) with a 400', async () => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify(Array.from({ length: 10 }, () => ({ query: '{ __typename }' }))),
    });
    expect(res.status).toBe(400);
    expect(Array.isArray(await res.json())).toBe(false);
  });
});

describe('GET', () => {
  const url = (query: string) => `${base}/graphql?query=${encodeURIComponent(query)}`;

  it('needs the x-graphql-csrf header (a simple GET from another page gets 403)', async () => {
    const simple = await fetch(url('query cop { __typename }'));
    expect(simple.status).toBe(403);
    expect(((await simple.json()) as { errors: { message: string }[] }).errors[0]?.message).toMatch(
      /CSRF/,
    );
    const withHeader = await fetch(url('query cop { __typename }'), {
      headers: { 'x-graphql-csrf': '1', accept: 'application/graphql-response+json' },
    });
    expect(withHeader.status).toBe(200);
    expect(await withHeader.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('never runs a mutation', async () => {
    for (const headers of [{}, { 'x-graphql-csrf': '1' }] as Record<string, string>[]) {
      const res = await fetch(url(CREATE), {
        headers: { ...headers, authorization: `Bearer ${key}` },
      });
      expect([403, 405]).toContain(res.status);
    }
    expect(await prisma.organization.count({ where: { slug: 'csrf-victim' } })).toBe(0);
  });
});

describe('unreadable requests', () => {
  it('answers 400, not 500, to malformed JSON in GET variables or extensions, or in a POST body', async () => {
    for (const param of ['variables', 'extensions']) {
      const res = await fetch(`${base}/graphql?query=%7B__typename%7D&${param}=%7Bnot-json`, {
        headers: { 'x-graphql-csrf': '1', accept: 'application/graphql-response+json' },
      });
      expect(res.status, param).toBe(400);
      const body = (await res.json()) as { errors: { message: string }[] };
      expect(body.errors[0]?.message).toMatch(/could not be read/);
    }
    const post = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: '{"query": ',
    });
    expect(post.status).toBe(400);
    const text = await post.text();
    expect(text).toMatch(/POST body sent invalid JSON/);
    expect(text).not.toMatch(/originalError|SyntaxError/);
  });
});

describe('strings PostgreSQL cannot store', () => {
  // Found by the fuzz test: a NUL in any string reached the database and came back as
  // "Unexpected error." (PostgreSQL refuses U+0000 in text).
  it('refuses a NUL character in a variable or a literal with a typed error, and still serves the same query without it', async () => {
    const query = `query ($slug: String!) { organization(by: { slug: $slug }) { __typename } }`;
    const inVariable = await server.gql(query, { slug: 'a\u0000b' }, key);
    const inLiteral = await server.gql(
      `{ organization(by: { slug: "a\\u0000b" }) { __typename } }`,
      {},
      key,
    );
    const inInput = await server.gql(
      `mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { __typename } }`,
      { input: { name: 'x', slug: 'nul-test', metadata: { ['k\u0000']: 'v' } } },
      key,
    );
    for (const res of [inVariable, inLiteral, inInput]) {
      expect(res.data ?? null).toBeNull();
      expect(res.errors).toEqual([
        expect.objectContaining({
          message: 'Strings may not contain the NUL character (U+0000)',
          extensions: expect.objectContaining({ code: 'VALIDATION' }),
        }),
      ]);
    }
    // The literals' verdict is kept per document: the same document is refused again.
    const again = await server.gql(
      `{ organization(by: { slug: "a\\u0000b" }) { __typename } }`,
      {},
      key,
    );
    expect(again.errors?.[0]?.message).toBe('Strings may not contain the NUL character (U+0000)');
    const fine = await server.gql(query, { slug: 'no-such-organization' }, key);
    expect(fine.errors).toBeUndefined();
    expect(fine.data!.organization.__typename).toBe('NotFoundError');
  });
});

describe('body size', () => {
  /** A raw HTTP POST, optionally chunked (no Content-Length), so fetch cannot hide either. */
  function rawPost(body: string, chunked: boolean): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const request = http.request(`${base}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          ...(chunked
            ? { 'transfer-encoding': 'chunked' }
            : { 'content-length': Buffer.byteLength(body) }),
        },
      });
      request.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      });
      request.on('error', reject);
      if (chunked) {
        for (let i = 0; i < body.length; i += 16_384) request.write(body.slice(i, i + 16_384));
      } else {
        request.write(body);
      }
      request.end();
    });
  }

  const padded = (bytes: number) =>
    JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(bytes) } });

  it('answers 413 above 100 KB, with or without Content-Length; 90 KB is fine', async () => {
    for (const chunked of [false, true]) {
      const big = await rawPost(padded(10_000_000), chunked);
      expect(big.status, `chunked: ${chunked}`).toBe(413);
      expect(big.text).toMatch(/Request body too large/);
      const small = await rawPost(padded(90_000), chunked);
      expect(small.status).toBe(200);
      expect(JSON.parse(small.text)).toEqual({ data: { __typename: 'Query' } });
    }
  });

  it('counts the body of an in-process request whatever its Content-Length claims', async () => {
    // Only Node's HTTP parser holds a body to its Content-Length; a Request handed to yoga.fetch
    // may claim 100 bytes and carry 3,000.
    const yoga = createRosterYoga({ edge: { maxRequestBytes: 2_000 } });
    const res = await yoga.fetch('http://roster.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '100' },
      body: padded(3_000),
    });
    expect(res.status).toBe(413);
    expect(await res.text()).toMatch(/Request body too large/);
  });

  it('refuses a Content-Length that is not one number, and one that also says chunked', async () => {
    for (const contentLength of ['-1', '10, 10', 'abc']) {
      const res = await server.yoga.fetch('http://roster.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': contentLength },
        body: padded(10),
      });
      expect(res.status, contentLength).toBe(400);
    }
    // Node's parser refuses Content-Length beside Transfer-Encoding before Yoga sees the request:
    // so over a socket a Content-Length always frames the body (src/http/body-limit.ts).
    const status = await new Promise<number>((resolve, reject) => {
      const socket = net.connect(Number(new URL(base).port), '127.0.0.1', () => {
        socket.end(
          'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
            'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        );
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)));
      socket.on('error', reject);
    });
    expect(status).toBe(400);
  });

  it('follows MAX_REQUEST_BYTES over a socket, to the byte', async () => {
    const yoga = createRosterYoga({ edge: { maxRequestBytes: 2_000 } });
    const url = await server.listen(yoga);
    for (const [bytes, expected] of [
      [2_000, 200],
      [2_001, 413],
    ] as const) {
      const body = JSON.stringify({ query: '{ __typename }', variables: { pad: '' } });
      const padding = 'x'.repeat(bytes - Buffer.byteLength(body));
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }', variables: { pad: padding } }),
      });
      expect(res.status, `${bytes} bytes`).toBe(expected);
    }
  });

  it('follows MAX_REQUEST_BYTES', async () => {
    const yoga = createRosterYoga({ edge: { maxRequestBytes: 2_000 } });
    const res = await yoga.fetch('http://roster.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: padded(3_000),
    });
    expect(res.status).toBe(413);
  });
});

describe('CORS', () => {
  const allowed = 'https://app.example.com';
  let cors: string;

  beforeAll(async () => {
    cors = await server.listen(
      createRosterYoga({ edge: { corsOrigins: [allowed, 'https://admin.example.com'] } }),
    );
  });

  const post = (url: string, origin: string) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ query: '{ __typename }' }),
    });

  it('by default sends no CORS headers at all, whatever the Origin', async () => {
    for (const origin of ['https://evil.example', 'null', allowed]) {
      const res = await post(base, origin);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('allows exactly the listed origins, without credentials, and never reflects another or null', async () => {
    const ok = await post(cors, allowed);
    expect(ok.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    expect(ok.headers.get('vary')).toMatch(/Origin/);
    for (const origin of ['https://evil.example', 'null', 'https://app.example.com.evil.example']) {
      const res = await post(cors, origin);
      expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('answers a preflight from a listed origin with the methods and headers a client needs', async () => {
    const res = await fetch(`${cors}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin: allowed,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, POST');
    const evil = await fetch(`${cors}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('security headers', () => {
  it('sends nosniff, no-referrer and a nothing-allowed CSP on API answers; no HSTS unless configured', async () => {
    for (const res of [
      await fetch(`${base}/healthz`),
      await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      }),
      await fetch(`${base}/graphql`, { method: 'POST', body: 'x' }),
    ]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('content-security-policy')).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('sends HSTS when HSTS_MAX_AGE is set', async () => {
    const yoga = createRosterYoga({ edge: { hstsMaxAge: 31_536_000 } });
    const res = await yoga.fetch('http://roster.test/healthz');
    expect(res.headers.get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    );
  });

  it('gives the GraphiQL page a CSP that allows only its own inline scripts (by hash) and its own origin', async () => {
    const res = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const policy = res.headers.get('content-security-policy') ?? '';
    expect(policy).toMatch(/script-src 'self'( 'sha256-[A-Za-z0-9+/=]+')+(;|$)/);
    expect(policy).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    expect(policy).toMatch(/frame-ancestors 'none'/);
  });
});
