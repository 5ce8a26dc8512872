// Regression tests for the security defects of issue 7 outside invitations (items 5, 7, 8, 9, 10,
// 11, 12), each reproduced through the real Yoga server where the defect was reachable there.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { prisma } from '../src/db.ts';
import { lockDataDir } from '../src/db/data-dir-lock.ts';
import { startEmbeddedDatabase } from '../src/db/embedded.ts';
import { deliveryFailureReason, redactSecrets } from '../src/email/delivery-errors.ts';
import { enqueueEmail } from '../src/email/outbox.ts';
import { createMailer, createSmtpTransport } from '../src/email/transport.ts';
import { createEmailWorker } from '../src/email/worker.ts';
import { logger, type Logger } from '../src/logger.ts';
import { globalId, newApiKey, newMember, newOrganization } from './helpers/fixtures.ts';
import { idOf, invite, INVITE, orgRef, randomEmail, type Result } from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';
import { startTestSmtpServer } from './helpers/smtp.ts';
import { statementsDuring, statementTextsDuring } from './helpers/statements.ts';

const server = useTestServer();

/** The raw response body, byte for byte, for comparing two answers exactly. */
async function rawGraphQL(
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<string> {
  const response = await server.yoga.fetch('http://roster.test/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return `${response.status} ${await response.text()}`;
}

describe('5. role keys that are Object.prototype property names', () => {
  const UPDATE = /* GraphQL */ `
    mutation ($input: UpdateMemberInput!) {
      updateMember(input: $input) {
        __typename
        ... on UpdateMemberPayload {
          member {
            roles
          }
        }
        ... on Error {
          message
          code
        }
      }
    }
  `;
  const CREATE_ROLE = /* GraphQL */ `
    mutation ($input: CreateRoleInput!) {
      createRole(input: $input) {
        __typename
        ... on Error {
          message
        }
      }
    }
  `;
  const PROTOTYPE_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

  it('are refused as roles of an invitation, a member and a custom role', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const target = await newMember(org.id, ['member']);
    for (const role of PROTOTYPE_KEYS) {
      const invited = await invite(server, key, {
        organization: orgRef(org.id),
        email: randomEmail(),
        roles: [role],
      });
      expect([role, invited.__typename]).toEqual([
        role,
        expect.stringMatching(/^(ValidationError|UnknownRoleError)$/),
      ]);
      const updated = await server.gql(
        UPDATE,
        { input: { id: globalId('Member', target.id), roles: [role] } },
        key,
      );
      expect([role, updated.data!.updateMember.__typename]).toEqual([
        role,
        expect.stringMatching(/^(ValidationError|UnknownRoleError)$/),
      ]);
    }
    // A custom role key follows the same pattern: no upper case, no leading underscore.
    for (const badKey of ['__proto__', 'toString', '_x', '1abc', 'a'.repeat(64)]) {
      const created = await server.gql(
        CREATE_ROLE,
        {
          input: { organization: orgRef(org.id), key: badKey, name: 'X', permissions: [] },
        },
        key,
      );
      expect([badKey, created.data!.createRole.__typename]).toEqual([badKey, 'ValidationError']);
    }
    expect((await prisma.member.findUniqueOrThrow({ where: { id: target.id } })).roles).toEqual([
      'member',
    ]);
  });

  it('already stored, grant nothing, break nothing, and an owner can fix or deactivate the holder', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const holder = await newMember(org.id, ['member']);
    const lonely = await newMember(org.id, ['member']);
    // Rows written before the keys were validated.
    await prisma.$executeRaw`
      UPDATE members SET roles = ARRAY['constructor', '__proto__', 'toString', 'member']
      WHERE id = ${holder.id}::uuid`;
    await prisma.$executeRaw`
      UPDATE members SET roles = ARRAY['constructor'] WHERE id = ${lonely.id}::uuid`;

    const VIEW = /* GraphQL */ `
      query {
        viewer {
          organization {
            members(first: 50) {
              totalCount
            }
          }
        }
      }
    `;
    // The holder keeps what "member" gives, and nothing is "Unexpected error".
    const asHolder = await server.gql(VIEW, {}, holder.token);
    expect(asHolder.errors).toBeUndefined();
    expect(asHolder.data!.viewer.organization.members.totalCount).toBeGreaterThanOrEqual(3);
    // A prototype key alone grants nothing: a plain refusal.
    const asLonely = await server.gql(VIEW, {}, lonely.token);
    expect(asLonely.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(asLonely)).not.toMatch(/Unexpected error/);

    const fixed = await server.gql(
      UPDATE,
      { input: { id: globalId('Member', holder.id), roles: ['member'] } },
      owner.token,
    );
    expect(fixed.data!.updateMember).toEqual({
      __typename: 'UpdateMemberPayload',
      member: { roles: ['member'] },
    });
    const deactivated = await server.gql(
      `mutation ($id: ID!) { deactivateMember(id: $id) { __typename ... on Error { message } } }`,
      { id: globalId('Member', lonely.id) },
      owner.token,
    );
    expect(deactivated.data!.deactivateMember.__typename).toBe('DeactivateMemberPayload');
  });
});

describe('7. nodes(ids:) is capped', () => {
  const NODES = `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`;

  it('refuses more than 100 ids with a validation error before touching the database', async () => {
    const ids = Array.from({ length: 10_000 }, () => globalId('Member', crypto.randomUUID()));
    let res: Result = {};
    const started = performance.now();
    const statements = await statementsDuring(async () => {
      res = await server.gql(NODES, { ids });
    });
    const elapsedMs = performance.now() - started;
    // Three defences meet this request, outermost first: the body limit (10,000 ids are about
    // 600 KB), the edge's cost limit (src/http/cost.ts counts nodes(ids:) by its ids), and the cap
    // on nodes itself. Whichever answers, it answers before any work.
    expect(res.data ?? null).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions?.code).toMatch(
      /^(REQUEST_ENTITY_TOO_LARGE|COST_LIMIT_EXCEEDED|VALIDATION)$/,
    );
    expect(statements).toBe(0);
    expect(elapsedMs).toBeLessThan(3000); // about 15 s before the cap, on this machine

    // 101 ids are well within the cost limit: the cap itself answers.
    const justOver = await server.gql(NODES, { ids: ids.slice(0, 101) }, await newApiKey());
    expect(justOver.data).toBeNull();
    expect(justOver.errors).toHaveLength(1);
    expect(justOver.errors![0]).toMatchObject({
      message: expect.stringMatching(/at most 100 ids/),
      extensions: { code: 'VALIDATION' },
    });
  });

  it('still answers 100 ids, and says so in its description', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const ids = [
      globalId('Organization', org.id),
      ...Array.from({ length: 99 }, () => globalId('Member', crypto.randomUUID())),
    ];
    const res = await server.gql(NODES, { ids }, key);
    expect(res.errors).toBeUndefined();
    expect(res.data!.nodes).toHaveLength(100);
    expect(res.data!.nodes[0]).toEqual({ id: ids[0] });
    const described = await server.gql(
      `{ __schema { queryType { fields { name description } } } }`,
    );
    const nodes = described.data!.__schema.queryType.fields.find(
      (field: { name: string }) => field.name === 'nodes',
    );
    expect(nodes.description).toMatch(/at most 100/);
  });
});

describe('8. node(id:) does not tell which ids exist', () => {
  const NODE = /* GraphQL */ `
    query ($id: ID!, $own: ID!) {
      node(id: $id) {
        id
        ... on Invitation {
          email
        }
        ... on Member {
          email
        }
        ... on Organization {
          slug
        }
      }
      nodes(ids: [$own, $id]) {
        id
      }
    }
  `;

  it('answers an object the caller may not see exactly as an id nobody has', async () => {
    const key = await newApiKey();
    const orgA = await newOrganization();
    const orgB = await newOrganization();
    const ownerA = await newMember(orgA.id, ['owner']);
    const memberA = await newMember(orgA.id, ['member']);
    const memberB = await newMember(orgB.id, ['member']);
    // A custom role that may read members but not invitations.
    await prisma.customRole.create({
      data: {
        organizationId: orgA.id,
        key: 'people',
        name: 'People',
        permissions: ['member:read'],
      },
    });
    const peopleA = await newMember(orgA.id, ['people']);
    const invitationB = await invite(server, key, {
      organization: orgRef(orgB.id),
      email: randomEmail(),
    });
    const invitationA = await invite(server, key, {
      organization: orgRef(orgA.id),
      email: randomEmail(),
    });
    expect(invitationB.__typename).toBe('InviteMemberPayload');

    const hidden = [
      ['Invitation', idOf(invitationB.invitation.id)],
      ['Member', memberB.id],
      ['Organization', orgB.id],
    ] as const;
    const callers = [
      ['owner of A', ownerA.token],
      ['member of A', memberA.token],
      ['anonymous', undefined],
    ] as const;
    for (const [typename, id] of hidden) {
      for (const [who, token] of callers) {
        // `own` is an id the caller may read (anonymous: none, so the same hidden kind).
        const own = token ? globalId('Member', ownerA.id) : globalId(typename, id);
        const real = await rawGraphQL(NODE, { id: globalId(typename, id), own }, token);
        const madeUp = await rawGraphQL(
          NODE,
          { id: globalId(typename, crypto.randomUUID()), own },
          token,
        );
        expect([typename, who, real]).toEqual([typename, who, madeUp]);
        const parsed = JSON.parse(real.slice(4)) as Result;
        expect(parsed).toEqual({
          data: { node: null, nodes: [token ? { id: own } : null, null] },
        });
      }
    }
    // Inside the caller's own organization, an object it lacks the permission for is hidden too.
    const ownInvitation = globalId('Invitation', idOf(invitationA.invitation.id));
    const own = globalId('Member', peopleA.id);
    expect(await rawGraphQL(NODE, { id: ownInvitation, own }, peopleA.token)).toBe(
      await rawGraphQL(
        NODE,
        { id: globalId('Invitation', crypto.randomUUID()), own },
        peopleA.token,
      ),
    );
    // Those who may read it still get it.
    const seen = await server.gql(NODE, { id: ownInvitation, own }, ownerA.token);
    expect(seen.errors).toBeUndefined();
    expect(seen.data!.node).toEqual({
      id: ownInvitation,
      email: invitationA.invitation.email,
    });
  });
});

describe('10. email addresses: one rule for input and output', () => {
  const local64 = 'l'.repeat(64);
  const MEMBERS = /* GraphQL */ `
    query ($by: OrganizationRef!) {
      organization(by: $by) {
        __typename
        ... on Organization {
          members(first: 100) {
            edges {
              node {
                email
              }
            }
          }
          invitations(first: 100) {
            edges {
              node {
                email
              }
            }
          }
        }
      }
    }
  `;

  it('refuses what RFC 5321 refuses, and lists what it accepted', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const refused = [
      `${'l'.repeat(65)}@example.com`, // local part over 64
      `${local64}@${'d'.repeat(176)}.com`, // a domain label over 63 (what broke the lists)
      `${local64}@${`${'d'.repeat(62)}.`.repeat(3)}${'d'.repeat(10)}.com`, // over 254 in all
      'a..b@example.com',
      'a@-example.com',
    ];
    for (const email of refused) {
      // The EmailAddress scalar refuses it as the request arrives: nothing runs.
      const res = await server.gql(INVITE, { input: { organization: orgRef(org.id), email } }, key);
      expect([email, res.errors?.[0]?.message]).toEqual([
        email,
        expect.stringMatching(/EmailAddress/),
      ]);
    }
    expect(await prisma.invitation.count({ where: { organizationId: org.id } })).toBe(0);
    // 64 + 1 + 189 = 254: the longest address there is, accepted and listed.
    const longest = `${local64}@${`${'d'.repeat(62)}.`.repeat(2)}${'d'.repeat(59)}.com`;
    expect(longest.length).toBe(254);
    const unusual = "o'brien+tag!x@example.com";
    for (const email of [longest, unusual]) {
      const result = await invite(server, key, { organization: orgRef(org.id), email });
      expect([email, result.__typename]).toEqual([email, 'InviteMemberPayload']);
    }
    const listed = await server.gql(MEMBERS, { by: { id: globalId('Organization', org.id) } }, key);
    expect(listed.errors).toBeUndefined();
    const emails = listed.data!.organization.members.edges.map(
      (edge: { node: { email: string } }) => edge.node.email,
    );
    expect(emails).toEqual(expect.arrayContaining([longest, unusual]));
  });

  it('a stored value the rules refuse does not make the lists unreadable', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const legacy = `${local64}@${'d'.repeat(180)}.com`;
    await prisma.$executeRaw`
      INSERT INTO members (id, organization_id, email, email_normalized, status, roles, updated_at)
      VALUES (gen_random_uuid(), ${org.id}::uuid, ${legacy}, ${legacy}, 'ACTIVE', ARRAY['member'], now())`;
    const listed = await server.gql(MEMBERS, { by: { id: globalId('Organization', org.id) } }, key);
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.organization.members.edges).toEqual([{ node: { email: legacy } }]);
  });

  it('EmailAddress arguments use the same rule', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const QUERY = `query ($email: EmailAddress!, $org: OrganizationRef) { memberByEmail(email: $email, organization: $org) { __typename } }`;
    const tooLong = await server.gql(
      QUERY,
      { email: `${'l'.repeat(65)}@example.com`, org: orgRef(org.id) },
      key,
    );
    expect(tooLong.errors?.[0]?.message).toMatch(/email address/i);
    const fine = await server.gql(
      QUERY,
      { email: `${local64}@example.com`, org: orgRef(org.id) },
      key,
    );
    expect(fine.errors).toBeUndefined();
    expect(fine.data!.memberByEmail.__typename).toBe('NotFoundError');
  });
});

describe('11. no live link in logs or lastError', () => {
  /** A pino logger whose lines land in `lines`, and everything it wrote as one string. */
  function capturingLogger() {
    const lines: string[] = [];
    const log: Logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    return { log, text: () => lines.join('') };
  }

  const token = `ri_${crypto.randomBytes(32).toString('base64url')}`;
  const link = `https://app.example.com/accept?token=${token}`;

  it('the local sink logs where the mail is, never its link; the file is 0600 in a 0700 folder', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'roster-sink-'));
    try {
      // A mail folder left world-readable by an older version is tightened too.
      await fs.mkdir(path.join(dataDir, 'mail'), { mode: 0o755 });
      await fs.chmod(path.join(dataDir, 'mail'), 0o755);
      const { log, text } = capturingLogger();
      const previous = process.env.NODE_ENV;
      process.env.NODE_ENV = 'production';
      try {
        const sink = createMailer(
          { SMTP_URL: undefined, MAIL_FROM: 'Roster <a@roster.test>', dataDir },
          log,
        );
        await sink.send({
          id: crypto.randomUUID(),
          to: 'someone@example.com',
          subject: 'Join',
          text: `Accept: ${link}`,
          html: `<a href="${link}">Accept</a>`,
          link,
        });
      } finally {
        process.env.NODE_ENV = previous;
      }
      const output = text();
      expect(output).toContain('mail sink');
      expect(output).toContain(path.join(dataDir, 'mail'));
      expect(output).not.toContain(token);
      expect(output).not.toContain('token=');
      const dir = path.join(dataDir, 'mail');
      expect((await fs.stat(dir)).mode & 0o777).toBe(0o700);
      const files = await fs.readdir(dir);
      expect(files).toHaveLength(2);
      for (const file of files) {
        expect([file, (await fs.stat(path.join(dir, file))).mode & 0o777]).toEqual([file, 0o600]);
      }
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it("lastError and the worker's log hold a classified reason, not the SMTP server's words", async () => {
    const smtp = await startTestSmtpServer();
    const transport = createSmtpTransport({ url: smtp.url, from: 'Roster <a@roster.test>' });
    const { log, text } = capturingLogger();
    const child = vi
      .spyOn(logger, 'child') // The worker's child logger, with pino's generic for custom levels (none here) widened.
      .mockReturnValue(log as unknown as ReturnType<typeof logger.child>);
    try {
      const org = await newOrganization();
      const queued = async () =>
        prisma.$transaction((tx) =>
          enqueueEmail(tx, {
            kind: 'INVITATION',
            to: randomEmail(),
            locale: 'en',
            organizationId: org.id,
            payload: { organizationName: 'Acme', inviterName: 'Jane', roles: ['member'] },
            link,
          }),
        );
      // Other tests' mail must not get in the way.
      await prisma.emailOutbox.updateMany({
        where: { status: 'QUEUED' },
        data: { status: 'CANCELLED' },
      });
      const permanent = await queued();
      smtp.refuse({
        code: 550,
        at: 'rcpt',
        message: `5.7.1 Blocked, see https://mx.example.net/why?m=${link} (${token})`,
      });
      const worker = createEmailWorker({ transport, backoff: () => 0 });
      await worker.runOnce();
      const failed = await prisma.emailOutbox.findUniqueOrThrow({ where: { id: permanent } });
      expect(failed).toMatchObject({
        status: 'FAILED',
        lastError: 'SMTP 550 at RCPT TO: rejected (permanent)',
      });

      const temporary = await queued();
      smtp.refuse({
        code: 451,
        message: `4.7.1 Greylisted ${token} retry https://mx.example.net/`,
      });
      await worker.runOnce();
      const retried = await prisma.emailOutbox.findUniqueOrThrow({ where: { id: temporary } });
      expect(retried.status).toBe('QUEUED');
      expect(retried.lastError).toMatch(/^SMTP 451 at [A-Z ]+: deferred \(temporary\)$/);

      const output = text();
      expect(output).toContain('SMTP 550');
      expect(output).not.toContain(token);
      expect(output).not.toContain('mx.example.net');
      expect(output).not.toContain('Blocked');
    } finally {
      child.mockRestore();
      await transport.close();
      await smtp.close();
    }
  });

  it('the redactor removes URLs, tokens and secret parameters from any other reason', () => {
    const reason = deliveryFailureReason(
      new Error(`template failed near ${link} with token=abc and rl_${'x'.repeat(43)}`),
    );
    expect(reason).toBe('template failed near [url] with token=[redacted] and [token]');
    expect(
      deliveryFailureReason(
        Object.assign(new Error(`Invalid login: 535 ${link}`), { code: 'EAUTH' }),
      ),
    ).toBe('EAUTH: the SMTP server refused our credentials');
    expect(redactSecrets(`see ${token}.`)).toBe('see [token].');
  });
});

describe('9. sendSignInLink does the same work for a member and a stranger', () => {
  const SEND = /* GraphQL */ `
    mutation ($input: SendSignInLinkInput!) {
      sendSignInLink(input: $input) {
        __typename
        ... on SendSignInLinkPayload {
          accepted
        }
      }
    }
  `;

  it('runs the same SQL statements and gives the same answer; the member still gets a working link', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const send = (email: string) =>
      rawGraphQL(SEND, { input: { organization: { slug: org.slug }, email } }, key);
    // Warm up whatever is cached on first use (query plans, the rate-limit table).
    await send(randomEmail('warm-up'));
    await send((await newMember(org.id, ['member'])).email);

    const member = await newMember(org.id, ['member']);
    const stranger = randomEmail('stranger');
    // A deactivated member is a stranger too.
    const former = await newMember(org.id, ['member']);
    await prisma.member.update({ where: { id: former.id }, data: { status: 'DEACTIVATED' } });
    // The member already has an unused link, which this request must kill.
    await send(member.email);
    const answers: Record<string, string> = {};
    const statements: Record<string, string[]> = {};
    for (const [who, email] of [
      ['member', member.email],
      ['stranger', stranger],
      ['deactivated', former.email],
    ] as const) {
      statements[who] = await statementTextsDuring(async () => {
        answers[who] = await send(email);
      });
    }
    expect(statements.stranger).toEqual(statements.member);
    expect(statements.deactivated).toEqual(statements.member);
    expect(answers.stranger).toBe(answers.member);
    expect(answers.deactivated).toBe(answers.member);
    expect(JSON.parse(answers.member!.slice(4))).toEqual({
      data: { sendSignInLink: { __typename: 'SendSignInLinkPayload', accepted: true } },
    });

    // Only the member's request wrote anything: one live link, its mail queued, audited.
    const links = await prisma.signInLink.findMany({ where: { memberId: member.id } });
    expect(links).toHaveLength(2);
    expect(links.filter((link) => link.tokenHash !== null)).toHaveLength(1);
    const live = links.find((link) => link.tokenHash !== null)!;
    const mails = await prisma.emailOutbox.findMany({ where: { toAddress: member.email } });
    expect(mails.map((mail) => mail.status).sort()).toEqual(['CANCELLED', 'QUEUED']);
    expect(
      await prisma.emailOutbox.count({ where: { toAddress: { in: [stranger, former.email] } } }),
    ).toBe(0);
    expect(
      await prisma.auditEvent.count({
        where: { action: 'member.sign_in_link_sent', data: { equals: { signInLinkId: live.id } } },
      }),
    ).toBe(1);

    // The mail arrives and its link signs the member in.
    const smtp = await startTestSmtpServer();
    const transport = createSmtpTransport({ url: smtp.url, from: 'Roster <a@roster.test>' });
    try {
      await prisma.emailOutbox.updateMany({
        where: { status: 'QUEUED', NOT: { toAddress: member.email } },
        data: { status: 'CANCELLED' },
      });
      await createEmailWorker({ transport }).runOnce();
      const mail = smtp.received.find((received) => received.envelopeTo.includes(member.email));
      expect(mail).toBeDefined();
      const token = /token=(rl_[A-Za-z0-9_-]{43})/.exec(mail!.parsed.text ?? '')?.[1];
      expect(token).toBeDefined();
      const redeemed = await server.gql(
        `mutation ($token: String!) { redeemSignInLink(token: $token) { __typename ... on RedeemSignInLinkPayload { member { id } } } }`,
        { token },
      );
      expect(redeemed.data!.redeemSignInLink).toEqual({
        __typename: 'RedeemSignInLinkPayload',
        member: { id: globalId('Member', member.id) },
      });
    } finally {
      await transport.close();
      await smtp.close();
    }
  });
});

describe("12. the embedded database is private to the server's OS user", () => {
  it('is served on a Unix socket in a 0700 folder, never on TCP; DATA_DIR is 0700, the lock file 0600', async () => {
    const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'roster-sec-'));
    const dataDir = path.join(parent, 'data');
    try {
      const lock = lockDataDir(dataDir);
      const database = await startEmbeddedDatabase(
        path.join(dataDir, 'pglite'),
        path.join(dataDir, 'run'),
      );
      try {
        lock.publish(database.url);
        const mode = async (file: string) => (await fs.stat(file)).mode & 0o777;
        expect(await mode(dataDir)).toBe(0o700);
        expect(await mode(path.join(dataDir, 'roster.lock'))).toBe(0o600);
        expect(await mode(path.join(dataDir, 'run'))).toBe(0o700);
        expect(database.socketPath).toBe(path.join(dataDir, 'run', '.s.PGSQL.5432'));
        expect((await fs.stat(database.socketPath)).isSocket()).toBe(true);
        expect(await mode(database.socketPath)).toBe(0o600);
        // The URL names the socket's folder, no TCP host or port.
        const { hostname, port, searchParams } = new URL(database.url);
        expect([hostname, port]).toEqual(['localhost', '']);
        expect(searchParams.get('host')).toBe(path.join(dataDir, 'run'));
        const lockText = await fs.readFile(path.join(dataDir, 'roster.lock'), 'utf8');
        expect(lockText).not.toMatch(/127\.0\.0\.1|:\d{2,5}\//);
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
        await client.end();
      } finally {
        await database.stop();
        lock.release();
      }
      await expect(fs.stat(path.join(dataDir, 'run', '.s.PGSQL.5432'))).rejects.toThrow();
    } finally {
      await fs.rm(parent, { recursive: true, force: true });
    }
  });

  it('tightens a DATA_DIR an older version left world-readable', async () => {
    const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'roster-sec-'));
    const dataDir = path.join(parent, 'data');
    try {
      await fs.mkdir(dataDir, { mode: 0o755 });
      await fs.chmod(dataDir, 0o755);
      const lock = lockDataDir(dataDir);
      lock.release();
      expect((await fs.stat(dataDir)).mode & 0o777).toBe(0o700);
    } finally {
      await fs.rm(parent, { recursive: true, force: true });
    }
  });
});
