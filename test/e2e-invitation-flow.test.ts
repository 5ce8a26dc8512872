// The whole invitation flow as a product team would see it: the real server started by
// startServer (HTTP listener, database, email worker) and a real SMTP server receiving the mail.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { prisma } from '../src/db.ts';
import { startServer, type RunningServer } from '../src/server.ts';
import { createApiKey } from '../src/services/api-keys.ts';
import { createScratchDatabase, realPostgresUrl } from './helpers/database.ts';
import { postGraphQL } from './helpers/server.ts';
import { startTestSmtpServer, type TestSmtpServer } from './helpers/smtp.ts';

let smtp: TestSmtpServer;
let server: RunningServer;
let dropDatabase: (() => Promise<void>) | undefined;
let dataDir: string;
let apiKey: string;

async function gql<T = Record<string, any>>(
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
) {
  const res = await postGraphQL<T>(fetch, `${server.url}/graphql`, query, variables, token);
  expect(res.errors).toBeUndefined();
  return res.data!;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-e2e-'));
  let databaseUrl: string | undefined;
  if (realPostgresUrl) {
    const scratch = await createScratchDatabase(realPostgresUrl);
    databaseUrl = scratch.url;
    dropDatabase = scratch.drop;
  }
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    REDIRECT_ORIGINS: 'https://app.acme.test',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Roster <invites@roster.test>',
    EMAIL_WORKER_INTERVAL_MS: '50',
    EMAIL_RETRY_BASE_MS: '100',
    EMAIL_RETRY_MAX_MS: '400',
  });
  server = await startServer(config);
  apiKey = (await createApiKey('e2e')).key;
});

afterAll(async () => {
  await server?.stop();
  await smtp?.close();
  await dropDatabase?.();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const INVITE = /* GraphQL */ `
  mutation Invite($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      __typename
      ... on InviteMemberPayload {
        invitation {
          id
          status
        }
        member {
          id
          status
        }
      }
      ... on Error {
        message
      }
    }
  }
`;

function linkIn(text: string): URL {
  const match = /https:\/\/app\.acme\.test\/join\?token=ri_[A-Za-z0-9_-]{43}/.exec(text);
  expect(match, `no accept link in:\n${text}`).not.toBeNull();
  return new URL(match![0]);
}

describe('invite → email → accept → use the session, over HTTP with real SMTP', () => {
  let organizationId: string;

  it('creates an organization with a default redirect URL', async () => {
    const data = await gql(
      `mutation($input: CreateOrganizationInput!) {
        createOrganization(input: $input) { __typename ... on OrganizationPayload { organization { id } } }
      }`,
      {
        input: {
          name: 'Acme <Tools>',
          slug: 'acme',
          settings: { defaultRedirectUrl: 'https://app.acme.test/join' },
        },
      },
      apiKey,
    );
    organizationId = data.createOrganization.organization.id;
    expect(organizationId).toBeTruthy();
  });

  it('delivers the invitation in French, and its link accepts and yields a working session', async () => {
    const invited = await gql(
      INVITE,
      {
        input: {
          organization: { slug: 'acme' },
          email: 'Marie@Example.com',
          name: 'Marie',
          roles: ['admin'],
          locale: 'FR',
        },
      },
      apiKey,
    );
    expect(invited.inviteMember.__typename).toBe('InviteMemberPayload');

    // SMTP servers may lowercase the domain part; compare addresses case-insensitively.
    const mail = await waitFor('the invitation email', () =>
      smtp.received.find((m) =>
        m.envelopeTo.some((to) => to.toLowerCase() === 'marie@example.com'),
      ),
    );
    expect(mail.parsed.subject).toBe('Invitation à rejoindre Acme <Tools>');
    expect(mail.parsed.text).toContain('Bonjour Marie,');
    expect(mail.parsed.text).toContain('administrateur');
    expect(mail.parsed.html).toContain('Acme &lt;Tools&gt;');
    const link = linkIn(mail.parsed.text ?? '');
    const token = link.searchParams.get('token')!;

    const preview = await gql(
      `query($token: String!) { invitationByToken(token: $token) { __typename ... on InvitationPreview { organizationName email roles status } } }`,
      { token },
    );
    expect(preview.invitationByToken).toMatchObject({
      organizationName: 'Acme <Tools>',
      roles: ['admin'],
      status: 'PENDING',
    });

    const accepted = await gql(
      `mutation($token: String!) { acceptInvitation(token: $token) { __typename ... on AcceptInvitationPayload { session { token } } ... on Error { message } } }`,
      { token },
    );
    expect(accepted.acceptInvitation.__typename).toBe('AcceptInvitationPayload');
    const session = accepted.acceptInvitation.session.token as string;

    const me = await gql(
      `{ viewer { kind member { email status roles } organization { slug } } }`,
      {},
      session,
    );
    expect(me.viewer).toEqual({
      kind: 'MEMBER',
      member: { email: 'Marie@Example.com', status: 'ACTIVE', roles: ['admin'] },
      organization: { slug: 'acme' },
    });

    const delivery = await gql(
      `query($id: ID!) { node(id: $id) { ... on Invitation { status delivery { status attempts sentAt nextAttemptAt } } } }`,
      { id: invited.inviteMember.invitation.id },
      apiKey,
    );
    expect(delivery.node).toMatchObject({
      status: 'ACCEPTED',
      delivery: { status: 'SENT', attempts: 1, nextAttemptAt: null },
    });

    const again = await gql(
      `mutation($token: String!) { acceptInvitation(token: $token) { __typename } }`,
      { token },
    );
    expect(again.acceptInvitation.__typename).toBe('InvalidTokenError');
  });

  it('loses nothing while SMTP refuses mail, and sends each invitation exactly once when it recovers', async () => {
    smtp.refuse({ code: 451, message: 'Try again later' });
    const emails = Array.from({ length: 6 }, (_, i) => `outage${i}@example.com`);
    for (const email of emails) {
      const res = await gql(INVITE, { input: { organization: { slug: 'acme' }, email } }, apiKey);
      expect(res.inviteMember.__typename).toBe('InviteMemberPayload');
    }
    // Every message has been tried and refused at least twice, and none was lost or given up.
    await waitFor('failed attempts', async () => {
      const rows = await prisma.emailOutbox.findMany({ where: { toAddress: { in: emails } } });
      return rows.length === emails.length &&
        rows.every((r) => r.attempts >= 2 && r.status === 'QUEUED' && r.lastError)
        ? rows
        : undefined;
    });
    smtp.refuse(null);
    await waitFor('every invitation to arrive', () =>
      emails.every((e) => smtp.received.some((m) => m.envelopeTo.includes(e))) ? true : undefined,
    );
    // Give a duplicate the chance to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const email of emails) {
      expect(smtp.received.filter((m) => m.envelopeTo.includes(email))).toHaveLength(1);
    }
    const rows = await prisma.emailOutbox.findMany({ where: { toAddress: { in: emails } } });
    expect(rows.every((r) => r.status === 'SENT' && r.secret === null)).toBe(true);
  });
});
