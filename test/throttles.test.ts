// Throttles on every operation where a guess or a mail is possible, through the real Yoga server:
// the limit refuses with RateLimitedError (retryAfterSeconds), a real caller below it is served,
// every limit is set by an environment variable, and the client address follows TRUST_PROXY.
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { clientAddressOf } from '../src/context.ts';
import { prisma } from '../src/db.ts';
import {
  clientKey,
  configureRateLimits,
  consumeRateLimits,
  RATE_LIMITS,
  storedRateLimitKey,
} from '../src/services/rate-limits.ts';
import { createApiKey } from '../src/services/api-keys.ts';
import { createRosterYoga } from '../src/yoga.ts';
import { newApiKey, newMember, newOrganization } from './helpers/fixtures.ts';
import {
  INVITE,
  INVITE_RESULT_FIELDS,
  invited,
  madeUpInvitationToken,
  orgRef,
  randomEmail,
  tokenOf,
  type Result,
} from './helpers/invitations.ts';
import { postGraphQL, useTestServer, type GraphQLResponse } from './helpers/server.ts';

const server = useTestServer();

/** Applies RATE_LIMIT_* settings as the server does at start-up: parsed from the environment. */
function configure(env: Record<string, string>) {
  configureRateLimits(loadConfig(env));
}

afterEach(() => configureRateLimits({}));

const PREVIEW = /* GraphQL */ `
  query Preview($token: String!) {
    invitationByToken(token: $token) {
      __typename
      ... on InvitationPreview {
        email
      }
      ... on RateLimitedError {
        retryAfterSeconds
      }
    }
  }
`;
const ACCEPT = /* GraphQL */ `
  mutation Accept($token: String!) {
    acceptInvitation(token: $token) {
      __typename
      ... on RateLimitedError {
        retryAfterSeconds
      }
    }
  }
`;
const DECLINE = /* GraphQL */ `
  mutation Decline($token: String!) {
    declineInvitation(token: $token) {
      __typename
      ... on RateLimitedError {
        retryAfterSeconds
      }
    }
  }
`;
const REDEEM = /* GraphQL */ `
  mutation Redeem($token: String!) {
    redeemSignInLink(token: $token) {
      __typename
      ... on RateLimitedError {
        retryAfterSeconds
      }
    }
  }
`;
const SEND_SIGN_IN = /* GraphQL */ `
  mutation Send($input: SendSignInLinkInput!) {
    sendSignInLink(input: $input) {
      __typename
      ... on RateLimitedError {
        retryAfterSeconds
      }
    }
  }
`;
const BULK = /* GraphQL */ `
  mutation Bulk($input: InviteMembersInput!) {
    inviteMembers(input: $input) {
      __typename
      ... on InviteMembersPayload {
        results {
          ...InviteResultFields
        }
      }
    }
  }
  ${INVITE_RESULT_FIELDS}
`;
const RESEND = /* GraphQL */ `
  mutation Resend($invitation: ID!) {
    resendInvitation(id: $invitation) {
      __typename
      ... on RateLimitedError {
        retryAfterSeconds
      }
    }
  }
`;

/** A server behind one trusted proxy (TRUST_PROXY=1): the client is named by X-Forwarded-For. */
const proxied = createRosterYoga({ trustProxy: 1 });
const PROXY_ADDRESS = '10.9.9.9';

function gqlFrom(
  client: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
): Promise<GraphQLResponse> {
  return postGraphQL(
    (url, init) =>
      Promise.resolve(
        proxied.fetch(
          url,
          { ...init, headers: { ...init.headers, 'x-forwarded-for': `203.0.113.77, ${client}` } },
          { req: { socket: { remoteAddress: PROXY_ADDRESS } } },
        ),
      ),
    'http://roster.test/graphql',
    query,
    variables,
    token,
  );
}

let nextClient = 1;
/** A client address no other test uses. */
function newClientAddress(): string {
  nextClient += 1;
  return `198.51.100.${nextClient}`;
}

function only(response: GraphQLResponse): Result {
  expect(response.errors).toBeUndefined();
  return Object.values(response.data!)[0] as Result;
}

describe('token operations', () => {
  it('refuse a client address past RATE_LIMIT_TOKEN_PER_IP, across all four operations', async () => {
    configure({ RATE_LIMIT_TOKEN_PER_IP: '6/1m' });
    const guesser = newClientAddress();
    const guesses = [
      () => gqlFrom(guesser, PREVIEW, { token: madeUpInvitationToken() }),
      () => gqlFrom(guesser, ACCEPT, { token: madeUpInvitationToken() }),
      () => gqlFrom(guesser, DECLINE, { token: madeUpInvitationToken() }),
      () =>
        gqlFrom(guesser, REDEEM, { token: `rl_${crypto.randomBytes(32).toString('base64url')}` }),
      () => gqlFrom(guesser, PREVIEW, { token: 'not even a token' }),
      () => gqlFrom(guesser, ACCEPT, { token: 'ri_short' }),
    ];
    for (const guess of guesses) expect(only(await guess()).__typename).toBe('InvalidTokenError');
    for (const query of [PREVIEW, ACCEPT, DECLINE, REDEEM]) {
      const refused = only(await gqlFrom(guesser, query, { token: madeUpInvitationToken() }));
      expect(refused.__typename).toBe('RateLimitedError');
      expect(refused.retryAfterSeconds).toBeGreaterThan(0);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    }

    // A real invitee at another address is served, and accepts.
    const key = await newApiKey();
    const org = await newOrganization();
    const { token } = await invited(server, key, org.id);
    const invitee = newClientAddress();
    expect(only(await gqlFrom(invitee, PREVIEW, { token })).__typename).toBe('InvitationPreview');
    expect(only(await gqlFrom(invitee, ACCEPT, { token })).__typename).toBe(
      'AcceptInvitationPayload',
    );
    // The guesser stays refused, even with a real token.
    expect(only(await gqlFrom(guesser, PREVIEW, { token })).__typename).toBe('RateLimitedError');
  });

  it('refuse a token past RATE_LIMIT_TOKEN_PER_TOKEN from any address; the table never holds it', async () => {
    configure({ RATE_LIMIT_TOKEN_PER_TOKEN: '3/10m' });
    const key = await newApiKey();
    const org = await newOrganization();
    const hammered = await invited(server, key, org.id);
    for (let i = 0; i < 3; i += 1) {
      const preview = only(await gqlFrom(newClientAddress(), PREVIEW, { token: hammered.token }));
      expect(preview.__typename).toBe('InvitationPreview');
    }
    const refused = only(await gqlFrom(newClientAddress(), ACCEPT, { token: hammered.token }));
    expect(refused.__typename).toBe('RateLimitedError');
    expect(refused.retryAfterSeconds).toBeGreaterThan(540);
    expect(
      await prisma.invitation.count({ where: { id: hammered.invitationId, status: 'PENDING' } }),
    ).toBe(1);

    // Another invitation's token is not affected.
    const other = await invited(server, key, org.id);
    expect(only(await gqlFrom(newClientAddress(), ACCEPT, { token: other.token })).__typename).toBe(
      'AcceptInvitationPayload',
    );
    const keys = (await prisma.rateLimit.findMany({ select: { key: true } })).map((row) => row.key);
    expect(keys.some((stored) => stored.includes(hammered.token))).toBe(false);
    expect(keys.some((stored) => stored.includes(hammered.token.slice(3)))).toBe(false);
  });

  it('"off" turns a limit off: nothing is counted for it', async () => {
    configure({ RATE_LIMIT_TOKEN_PER_IP: 'off', RATE_LIMIT_TOKEN_PER_TOKEN: '1/1m' });
    const client = newClientAddress();
    for (let i = 0; i < 3; i += 1) {
      expect(only(await gqlFrom(client, DECLINE, { token: 'ri_bad' })).__typename).toBe(
        'InvalidTokenError',
      );
    }
    const stored = await prisma.rateLimit.count({
      where: { key: storedRateLimitKey(RATE_LIMITS.tokenPerClient, client) },
    });
    expect(stored).toBe(0);
  });
});

describe('sendSignInLink', () => {
  it('refuses a client address past RATE_LIMIT_SIGN_IN_PER_IP, whatever the addresses asked for', async () => {
    configure({ RATE_LIMIT_SIGN_IN_PER_IP: '3/1h' });
    const key = await newApiKey();
    const org = await newOrganization();
    const member = await newMember(org.id, ['member']);
    const backend = newClientAddress();
    const send = (email: string, from = backend) =>
      gqlFrom(from, SEND_SIGN_IN, { input: { organization: { slug: org.slug }, email } }, key);
    for (let i = 0; i < 3; i += 1) {
      expect(only(await send(randomEmail('nobody'))).__typename).toBe('SendSignInLinkPayload');
    }
    const refused = only(await send(member.email));
    expect(refused.__typename).toBe('RateLimitedError');
    expect(refused.retryAfterSeconds).toBeGreaterThan(3500);
    expect(await prisma.signInLink.count({ where: { memberId: member.id } })).toBe(0);
    // Another address is served, and the member gets a link.
    expect(only(await send(member.email, newClientAddress())).__typename).toBe(
      'SendSignInLinkPayload',
    );
    expect(await prisma.signInLink.count({ where: { memberId: member.id } })).toBe(1);
  });
});

describe('invitations', () => {
  it('count each address of inviteMembers against the caller (RATE_LIMIT_INVITE_PER_CALLER)', async () => {
    configure({ RATE_LIMIT_INVITE_PER_CALLER: '3/1h' });
    const key = await newApiKey();
    const org = await newOrganization();
    const bulk = only(
      await server.gql(
        BULK,
        {
          input: {
            organization: orgRef(org.id),
            invitations: Array.from({ length: 5 }, () => ({ email: randomEmail() })),
          },
        },
        key,
      ),
    );
    expect(bulk.results.map((result: Result) => result.__typename)).toEqual([
      'InviteMemberPayload',
      'InviteMemberPayload',
      'InviteMemberPayload',
      'RateLimitedError',
      'RateLimitedError',
    ]);
    expect(bulk.results[3].retryAfterSeconds).toBeGreaterThan(3500);
    expect(await prisma.invitation.count({ where: { organizationId: org.id } })).toBe(3);
    // Another caller (a member of the organization) still invites there.
    const owner = await newMember(org.id, ['owner']);
    const byMember = only(
      await server.gql(BULK, { input: { invitations: [{ email: randomEmail() }] } }, owner.token),
    );
    expect(byMember.results[0].__typename).toBe('InviteMemberPayload');
  });

  it('count invites and resends against the organization (RATE_LIMIT_INVITE_PER_ORGANIZATION)', async () => {
    configure({ RATE_LIMIT_INVITE_PER_ORGANIZATION: '3/1h' });
    const org = await newOrganization();
    const first = await invited(server, await newApiKey(), org.id);
    await invited(server, await newApiKey(), org.id);
    expect(
      only(await server.gql(RESEND, { invitation: first.invitationGlobalId }, await newApiKey()))
        .__typename,
    ).toBe('ResendInvitationPayload');
    // A fourth send, by yet another key: the organization's allowance is used up.
    const refused = only(
      await server.gql(RESEND, { invitation: first.invitationGlobalId }, await newApiKey()),
    );
    expect(refused.__typename).toBe('RateLimitedError');
    // Another organization is not affected.
    await invited(server, await newApiKey(), (await newOrganization()).id);
  });

  it('count an invite once, also when it leaves the one-statement path (RATE_LIMIT_INVITE_PER_ADDRESS)', async () => {
    configure({ RATE_LIMIT_INVITE_PER_ADDRESS: '3/1h' });
    const key = await newApiKey();
    const org = await newOrganization();
    const email = randomEmail('once');
    const send = async (input: object = {}) =>
      only(
        await server.gql(INVITE, { input: { organization: orgRef(org.id), email, ...input } }, key),
      ).__typename as string;
    expect(await send()).toBe('InviteMemberPayload');
    // A pending invitation sends these through the transactional path after the first statement
    // (which took the point): each counts once, so the third send is still allowed.
    expect(await send({ resendIfPending: true })).toBe('InviteMemberPayload');
    expect(await send({ resendIfPending: true })).toBe('InviteMemberPayload');
    expect(await send({ resendIfPending: true })).toBe('RateLimitedError');
    const [counter] = await prisma.$queryRaw<{ points: number }[]>`
      SELECT points FROM rate_limits WHERE key = ${`invite-email:${org.id}:${email}`}`;
    expect(counter?.points).toBe(4);
  });

  it('let one API key invite 1,000 people in an hour with the default limits', async () => {
    const { id: apiKeyId, key } = await createApiKey('onboarding');
    const org = await newOrganization();
    // 999 invitations already sent by this key into this organization within the hour.
    const expire = new Date(Date.now() + 3_000_000);
    await prisma.rateLimit.createMany({
      data: [
        {
          key: storedRateLimitKey(RATE_LIMITS.invitePerCaller, `api-key:${apiKeyId}`),
          points: 999,
          expire,
        },
        { key: storedRateLimitKey(RATE_LIMITS.invitePerOrganization, org.id), points: 999, expire },
      ],
    });
    const bulk = only(
      await server.gql(
        BULK,
        { input: { organization: orgRef(org.id), invitations: [{ email: randomEmail() }] } },
        key,
      ),
    );
    expect(bulk.results[0].__typename).toBe('InviteMemberPayload');
    // The counters were the key's and the organization's: they now stand at 1,000.
    const counters = await prisma.rateLimit.findMany({ where: { points: 1000 } });
    expect(counters).toHaveLength(2);
  });
});

describe('the counter', () => {
  it('lets exactly POINTS of many simultaneous calls through', async () => {
    const limit = { ...RATE_LIMITS.tokenPerClient, prefix: 'test-concurrent' };
    configureRateLimits({});
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, () => consumeRateLimits([[limit, 'one-key']])),
    );
    // tokenPerClient's default window is 300 points: all 40 pass.
    expect(outcomes.every((outcome) => outcome.status === 'fulfilled')).toBe(true);
    const small = { ...limit, prefix: 'test-small', defaults: { points: 10, durationSeconds: 60 } };
    const limited = await Promise.allSettled(
      Array.from({ length: 40 }, () => consumeRateLimits([[small, 'one-key']])),
    );
    expect(limited.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(10);
    for (const outcome of limited.filter((o) => o.status === 'rejected')) {
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'RATE_LIMITED' });
    }
    expect(
      await prisma.rateLimit.findUniqueOrThrow({ where: { key: 'test-small:one-key' } }),
    ).toMatchObject({ points: 40 });
  });

  it('starts a new window once the old one has ended', async () => {
    const limit = {
      ...RATE_LIMITS.tokenPerClient,
      prefix: 'test-window',
      defaults: { points: 2, durationSeconds: 60 },
    };
    await prisma.rateLimit.create({
      data: { key: 'test-window:k', points: 50, expire: new Date(Date.now() - 1000) },
    });
    await consumeRateLimits([[limit, 'k']]);
    const row = await prisma.rateLimit.findUniqueOrThrow({ where: { key: 'test-window:k' } });
    expect(row.points).toBe(1);
    expect(row.expire!.getTime()).toBeGreaterThan(Date.now() + 55_000);
  });
});

describe('the client address', () => {
  it('is the socket address unless TRUST_PROXY says otherwise', () => {
    const headers = new Headers({ 'x-forwarded-for': '1.1.1.1, 2.2.2.2, 3.3.3.3' });
    expect(clientAddressOf(headers, '10.0.0.1', false)).toBe('10.0.0.1');
    expect(clientAddressOf(headers, '10.0.0.1', 1)).toBe('3.3.3.3');
    expect(clientAddressOf(headers, '10.0.0.1', 2)).toBe('2.2.2.2');
    expect(clientAddressOf(headers, '10.0.0.1', 9)).toBe('1.1.1.1');
    expect(clientAddressOf(headers, '10.0.0.1', true)).toBe('1.1.1.1');
    expect(clientAddressOf(new Headers(), '10.0.0.1', 1)).toBe('10.0.0.1');
    expect(clientAddressOf(new Headers({ 'x-forwarded-for': 'evil' }), '10.0.0.1', 1)).toBe(
      '10.0.0.1',
    );
    expect(clientAddressOf(headers, undefined, false)).toBeNull();
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(() => loadConfig({ TRUST_PROXY: 'maybe' })).toThrow(/TRUST_PROXY/);
  });

  it('keys IPv6 clients by their /64 and IPv4-mapped ones as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey(null)).toBe('unknown');
  });

  it('over HTTP without TRUST_PROXY, X-Forwarded-For cannot buy a fresh allowance', async () => {
    configure({ RATE_LIMIT_TOKEN_PER_IP: '2/1m' });
    await prisma.rateLimit.deleteMany({ where: { key: { startsWith: 'token-ip:' } } });
    const url = `${await server.listen()}/graphql`;
    const spoofed = (i: number) =>
      postGraphQL<Record<string, unknown>>(
        (target, init) =>
          fetch(target, {
            ...init,
            headers: { ...init.headers, 'x-forwarded-for': `192.0.2.${i}` },
          }),
        url,
        PREVIEW,
        { token: madeUpInvitationToken() },
      );
    const names = [];
    for (let i = 1; i <= 3; i += 1) names.push(only(await spoofed(i)).__typename);
    expect(names).toEqual(['InvalidTokenError', 'InvalidTokenError', 'RateLimitedError']);
    const counted = await prisma.rateLimit.findMany({
      where: { key: { startsWith: 'token-ip:' } },
    });
    expect(counted.map((row) => row.key)).toEqual(['token-ip:127.0.0.1']);
  });

  it('RATE_LIMIT_* values are checked at start-up', () => {
    expect(
      loadConfig({ RATE_LIMIT_INVITE_PER_ORGANIZATION: '5000/1h' })
        .RATE_LIMIT_INVITE_PER_ORGANIZATION,
    ).toEqual({
      points: 5000,
      durationSeconds: 3600,
    });
    expect(loadConfig({ RATE_LIMIT_TOKEN_PER_IP: '20/30' }).RATE_LIMIT_TOKEN_PER_IP).toEqual({
      points: 20,
      durationSeconds: 30,
    });
    expect(loadConfig({ RATE_LIMIT_TOKEN_PER_IP: 'OFF' }).RATE_LIMIT_TOKEN_PER_IP).toBe('off');
    expect(() => loadConfig({ RATE_LIMIT_TOKEN_PER_IP: '0/1h' })).toThrow(
      /RATE_LIMIT_TOKEN_PER_IP/,
    );
    expect(() => loadConfig({ RATE_LIMIT_TOKEN_PER_IP: 'lots' })).toThrow(
      /RATE_LIMIT_TOKEN_PER_IP/,
    );
  });
});
