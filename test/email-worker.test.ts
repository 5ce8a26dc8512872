import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import PostalMime from 'postal-mime';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { prisma, type Database } from '../src/db.ts';
import { cancelQueuedEmails, enqueueEmail, type QueuedEmail } from '../src/email/outbox.ts';
import { createMailer, createSmtpTransport, type MailTransport } from '../src/email/transport.ts';
import {
  claimDueEmails,
  createEmailWorker,
  startEmailWorker,
  type EmailWorkerOptions,
} from '../src/email/worker.ts';
import { startPeriodicTask } from '../src/periodic-task.ts';
import { logger } from '../src/logger.ts';
import { openTestDatabase } from './helpers/database.ts';
import { newMember, newOrganization } from './helpers/fixtures.ts';
import { startTestSmtpServer, type TestSmtpServer } from './helpers/smtp.ts';

let database: Database;
let smtp: TestSmtpServer;
let transport: MailTransport;
let organizationId: string;

beforeAll(async () => {
  database = await openTestDatabase();
  smtp = await startTestSmtpServer();
  transport = createSmtpTransport({ url: smtp.url, from: 'Roster <no-reply@roster.test>' });
  organizationId = (await newOrganization({ name: 'Acme' })).id;
});

afterAll(async () => {
  await transport?.close();
  await smtp?.close();
  await database?.close();
});

beforeEach(async () => {
  smtp.refuse(null);
  smtp.onMessage(null);
  smtp.received.splice(0);
  await prisma.emailOutbox.deleteMany();
});

function randomAddress(): string {
  return `${crypto.randomBytes(4).toString('hex')}@example.com`;
}

function linkFor(to: string): string {
  return `https://app.example.com/accept?token=${encodeURIComponent(to)}`;
}

/** Queues an invitation mail in its own transaction, as the invitations code does. */
async function queue(overrides: Partial<QueuedEmail> = {}): Promise<{ id: string; to: string }> {
  const to = overrides.to ?? randomAddress();
  const id = await prisma.$transaction((tx) =>
    enqueueEmail(tx, {
      kind: 'INVITATION',
      to,
      locale: 'en',
      organizationId,
      payload: {
        organizationName: 'Acme',
        inviterName: 'Jane Doe',
        roles: ['member'],
        expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      },
      link: linkFor(to),
      ...overrides,
    }),
  );
  return { id, to };
}

function worker(options: Partial<EmailWorkerOptions> = {}) {
  return createEmailWorker({ transport, backoff: () => 0, ...options });
}

const row = (id: string) => prisma.emailOutbox.findUniqueOrThrow({ where: { id } });

describe('email worker over SMTP', () => {
  it('delivers a queued invitation and marks it SENT with its secret erased', async () => {
    const { id, to } = await queue();
    expect(await worker().runOnce()).toBe(1);

    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail!.envelopeTo).toEqual([to]);
    expect(mail!.emailId).toBe(id);
    expect(mail!.parsed.subject).toBe('Jane Doe invited you to join Acme');
    expect(mail!.parsed.text).toContain(linkFor(to));
    expect(mail!.parsed.html).toContain('Acme');

    const sent = await row(id);
    expect(sent).toMatchObject({
      status: 'SENT',
      secret: null,
      attempts: 1,
      lastError: null,
      lockedBy: null,
      lockedUntil: null,
    });
    expect(sent.sentAt).toBeInstanceOf(Date);
    expect(sent.messageId).toBe(mail!.parsed.messageId);
  });

  it('sends nothing for a transaction that rolled back', async () => {
    await expect(
      prisma.$transaction(async (tx) => {
        await enqueueEmail(tx, {
          kind: 'INVITATION',
          to: randomAddress(),
          locale: 'en',
          organizationId,
          payload: { organizationName: 'Acme' },
          link: 'https://app.example.com/accept?token=rolled-back',
        });
        throw new Error('the invitation failed after queuing its mail');
      }),
    ).rejects.toThrow('the invitation failed');

    expect(await worker().runOnce()).toBe(0);
    expect(smtp.received).toHaveLength(0);
    expect(await prisma.emailOutbox.count()).toBe(0);
  });

  it('keeps retrying through a temporary outage and then delivers every message exactly once', async () => {
    const queued = await Promise.all([queue(), queue(), queue()]);
    const ids = queued.map((q) => q.id).sort();
    const w = worker();

    smtp.refuse({ code: 451, message: 'Try again later' });
    expect(await w.runOnce()).toBe(3);
    expect(await w.runOnce()).toBe(3);
    for (const id of ids) {
      const pending = await row(id);
      expect(pending).toMatchObject({ status: 'QUEUED', attempts: 2, lockedBy: null });
      expect(pending.lastError).toContain('451');
      expect(pending.secret).not.toBeNull();
    }
    expect(smtp.received).toHaveLength(0);
    expect(smtp.refusedCount).toBeGreaterThanOrEqual(6);

    smtp.refuse(null);
    expect(await w.runOnce()).toBe(3);
    expect(await w.runOnce()).toBe(0);
    expect(smtp.received.map((mail) => mail.emailId).sort()).toEqual(ids);
    for (const id of ids) {
      expect(await row(id)).toMatchObject({ status: 'SENT', attempts: 3, secret: null });
    }
  });

  it('waits for the backoff before the next attempt', async () => {
    const { id } = await queue();
    const w = worker({ backoff: (attempt) => 60_000 * attempt });
    smtp.refuse({ code: 421, message: 'Service not available' });
    const before = Date.now();
    expect(await w.runOnce()).toBe(1);
    smtp.refuse(null);

    const waiting = await row(id);
    expect(waiting.status).toBe('QUEUED');
    expect(waiting.nextAttemptAt.getTime()).toBeGreaterThan(before + 30_000);
    expect(await w.runOnce()).toBe(0);

    // Time passes (the row falls due) and the retry goes out.
    await prisma.emailOutbox.update({ where: { id }, data: { nextAttemptAt: new Date(0) } });
    expect(await w.runOnce()).toBe(1);
    expect(smtp.received).toHaveLength(1);
    expect(await row(id)).toMatchObject({ status: 'SENT', attempts: 2 });
  });

  it('gives up after max_attempts and erases the secret', async () => {
    const { id } = await queue();
    await prisma.emailOutbox.update({ where: { id }, data: { maxAttempts: 2 } });
    const w = worker();
    smtp.refuse({ code: 452, message: 'Insufficient system storage' });
    await w.runOnce();
    expect(await row(id)).toMatchObject({ status: 'QUEUED', attempts: 1 });
    await w.runOnce();
    const failed = await row(id);
    expect(failed).toMatchObject({ status: 'FAILED', attempts: 2, secret: null });
    expect(failed.lastError).toContain('452');
    expect(await w.runOnce()).toBe(0);
  });

  it.each(['rcpt', 'data'] as const)(
    'fails at once, with the secret erased, on a permanent 550 refusal at %s',
    async (at) => {
      const { id } = await queue();
      smtp.refuse({ code: 550, message: 'Mailbox unavailable', at });
      expect(await worker().runOnce()).toBe(1);
      const failed = await row(id);
      expect(failed).toMatchObject({ status: 'FAILED', attempts: 1, secret: null, lockedBy: null });
      expect(failed.lastError).toContain('550');

      smtp.refuse(null);
      expect(await worker().runOnce()).toBe(0);
      expect(smtp.received).toHaveLength(0);
    },
  );

  it('does not send a message cancelled after the worker claimed it', async () => {
    const member = await newMember(organizationId, ['member']);
    const link = await prisma.signInLink.create({
      data: {
        organizationId,
        memberId: member.id,
        tokenHash: crypto.randomBytes(16).toString('hex'),
        redirectUrl: 'https://app.example.com/signed-in',
        expiresAt: new Date(Date.now() + 3_600_000),
      },
    });
    const first = await queue();
    const second = await queue({ kind: 'SIGN_IN_LINK', signInLinkId: link.id });
    // The first falls due before the second, so the worker sends it first.
    await prisma.emailOutbox.update({
      where: { id: first.id },
      data: { nextAttemptAt: new Date(1000) },
    });
    await prisma.emailOutbox.update({
      where: { id: second.id },
      data: { nextAttemptAt: new Date(2000) },
    });

    // While the first is being delivered, the sign-in link is superseded and its mail cancelled.
    smtp.onMessage(async () => {
      await prisma.$transaction((tx) => cancelQueuedEmails(tx, { signInLinkId: link.id }));
    });
    expect(await worker({ batchSize: 2 }).runOnce()).toBe(2);

    expect(smtp.received.map((mail) => mail.emailId)).toEqual([first.id]);
    expect(await row(second.id)).toMatchObject({ status: 'CANCELLED', secret: null });
    expect(await row(first.id)).toMatchObject({ status: 'SENT' });
  });

  it("takes over a crashed worker's claim once its lease has run out", async () => {
    const { id } = await queue();
    const [claimed] = await claimDueEmails(prisma, 'crashed-worker', 10, 60_000);
    expect(claimed?.id).toBe(id);
    expect(await row(id)).toMatchObject({ lockedBy: 'crashed-worker', attempts: 1 });

    const w = worker();
    expect(await w.runOnce()).toBe(0);

    // The lease runs out.
    await prisma.emailOutbox.update({ where: { id }, data: { lockedUntil: new Date(0) } });
    expect(await w.runOnce()).toBe(1);
    expect(smtp.received.map((mail) => mail.emailId)).toEqual([id]);
    expect(await row(id)).toMatchObject({ status: 'SENT', attempts: 2, lockedBy: null });
  });

  it('claims for 30 s by default, so a crash holds mail back for at most that long', async () => {
    const { id } = await queue();
    let lockedUntil: Date | null = null;
    smtp.onMessage(async () => {
      lockedUntil = (await row(id)).lockedUntil;
    });
    const before = Date.now();
    expect(await worker().runOnce()).toBe(1);
    expect(lockedUntil).not.toBeNull();
    const leaseMs = lockedUntil!.getTime() - before;
    expect(leaseMs).toBeGreaterThan(25_000);
    expect(leaseMs).toBeLessThan(35_000);
  });

  it('keeps the claim on a send that outlasts the lease: no other worker sends it too', async () => {
    const { id } = await queue();
    const slow = worker({ workerId: 'slow', leaseMs: 300 });
    const other = worker({ workerId: 'other', leaseMs: 300 });
    let releaseSend: (() => void) | undefined;
    const sending = new Promise<void>((resolve) => {
      // Only the first message is held; a second copy (the bug this guards against) goes through.
      smtp.onMessage(() => {
        if (releaseSend) return;
        resolve();
        return new Promise<void>((release) => (releaseSend = release));
      });
    });
    const slowRun = slow.runOnce();
    await sending;
    // Three leases later the send is still running; the other worker finds nothing to claim.
    for (let i = 0; i < 3; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await other.runOnce()).toBe(0);
      expect((await row(id)).lockedBy).toBe('slow');
    }
    releaseSend!();
    expect(await slowRun).toBe(1);
    expect(smtp.received.map((mail) => mail.emailId)).toEqual([id]);
    expect(await row(id)).toMatchObject({ status: 'SENT', attempts: 1 });
  });

  it('sends the very same message again after a crash between the send and its record', async () => {
    const { id, to } = await queue();
    // The first worker hands the mail to the SMTP server and dies before writing SENT.
    const dying: MailTransport = {
      kind: 'smtp',
      close: async () => {},
      async send(email) {
        await transport.send(email);
        throw new Error('the process died here');
      },
    };
    expect(await worker({ transport: dying }).runOnce()).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'QUEUED', attempts: 1 });
    expect(await worker().runOnce()).toBe(1);

    const copies = smtp.received.filter((mail) => mail.emailId === id);
    expect(copies).toHaveLength(2);
    const messageIds = copies.map((mail) => mail.parsed.messageId);
    expect(messageIds).toEqual([`<${id}@roster.test>`, `<${id}@roster.test>`]);
    for (const mail of copies) expect(mail.parsed.text).toContain(linkFor(to));
    expect(await row(id)).toMatchObject({ status: 'SENT', messageId: `<${id}@roster.test>` });
  });

  it('gives up on a message whose last attempt was claimed by a worker that crashed', async () => {
    const { id } = await queue();
    await prisma.emailOutbox.update({ where: { id }, data: { maxAttempts: 1 } });
    await claimDueEmails(prisma, 'crashed-worker', 10, 60_000);
    await prisma.emailOutbox.update({ where: { id }, data: { lockedUntil: new Date(0) } });

    expect(await worker().runOnce()).toBe(0);
    expect(await row(id)).toMatchObject({ status: 'FAILED', secret: null, lockedBy: null });
    expect(smtp.received).toHaveLength(0);
  });

  it('renders the custom template named by templateId', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'roster-templates-'));
    try {
      await fs.writeFile(
        path.join(dir, 'partner.json'),
        JSON.stringify({
          subject: 'Partner access to {{organizationName}}',
          html: '<p>{{inviterName}}: <a href="{{link}}">open</a></p>',
          text: 'Open {{link}}',
        }),
      );
      const { to } = await queue({ templateId: 'partner' });
      await worker({ templatesDir: dir }).runOnce();
      expect(smtp.received[0]?.parsed.subject).toBe('Partner access to Acme');
      expect(smtp.received[0]?.parsed.text?.trim()).toBe(`Open ${linkFor(to)}`);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('cannot be made to add headers or recipients through a name', async () => {
    const { to } = await queue({
      payload: { organizationName: 'Acme\r\nBcc: victim@example.com', inviterName: 'Jane' },
    });
    await worker().runOnce();
    const [mail] = smtp.received;
    expect(mail!.envelopeTo).toEqual([to]);
    expect(mail!.parsed.bcc).toBeUndefined();
    expect(mail!.parsed.subject).toBe('Jane invited you to join Acme Bcc: victim@example.com');
  });
});

describe('polling', () => {
  it('startEmailWorker delivers what is queued and reports when idle', async () => {
    const queued = await Promise.all([queue(), queue()]);
    let idle!: () => void;
    const becameIdle = new Promise<void>((resolve) => (idle = resolve));
    const w = startEmailWorker({ transport, intervalMs: 10, batchSize: 1, onIdle: () => idle() });
    await becameIdle;
    await w.stop();
    expect(smtp.received.map((mail) => mail.emailId).sort()).toEqual(
      queued.map((q) => q.id).sort(),
    );
  });

  it('stop() waits for the batch in progress to finish', async () => {
    const { id } = await queue();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const sending = new Promise<void>((resolve) => (arrived = resolve));
    smtp.onMessage(async () => {
      arrived();
      await held;
    });
    const w = startEmailWorker({ transport, intervalMs: 10 });
    await sending;

    let stopped = false;
    const stopping = w.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(await row(id)).toMatchObject({ status: 'SENT' });
  });

  it('startPeriodicTask survives a failing run and stops running after stop()', async () => {
    let calls = 0;
    const task = startPeriodicTask('test-task', 60_000, async () => {
      calls += 1;
      if (calls === 1) throw new Error('first run fails');
    });
    await task.runNow();
    await task.runNow();
    expect(calls).toBe(2);
    await task.stop();
    await task.runNow();
    expect(calls).toBe(2);
  });
});

describe('local sink (no SMTP_URL)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'roster-sink-'));
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes each message as .eml and .json under DATA_DIR/mail and logs where, never the link', async () => {
    const info = vi.spyOn(logger, 'info');
    const sink = createMailer({
      SMTP_URL: undefined,
      MAIL_FROM: 'Roster <no-reply@roster.test>',
      dataDir,
    });
    expect(sink.kind).toBe('sink');
    const { id, to } = await queue();

    expect(await worker({ transport: sink }).runOnce()).toBe(1);

    const dir = path.join(dataDir, 'mail');
    const files = (await fs.readdir(dir)).sort();
    expect(files).toHaveLength(2);
    const eml = files.find((file) => file.endsWith('.eml'))!;
    const json = files.find((file) => file.endsWith('.json'))!;
    expect(eml).toContain(id);

    const parsed = await PostalMime.parse(await fs.readFile(path.join(dir, eml)));
    expect(parsed.to?.[0]).toMatchObject({ address: to });
    expect(parsed.subject).toBe('Jane Doe invited you to join Acme');
    expect(parsed.text).toContain(linkFor(to));

    const summary = JSON.parse(await fs.readFile(path.join(dir, json), 'utf8'));
    expect(summary).toMatchObject({ id, to, link: linkFor(to), subject: parsed.subject });

    expect(info).toHaveBeenCalledWith(
      expect.objectContaining({ file: path.join(dir, eml) }),
      expect.stringContaining('mail sink'),
    );
    expect(JSON.stringify(info.mock.calls)).not.toContain(linkFor(to));
    expect(await row(id)).toMatchObject({ status: 'SENT', secret: null });
  });

  it('createMailer picks SMTP when SMTP_URL is set', async () => {
    const mailer = createMailer({
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Roster <a@roster.test>',
      dataDir,
    });
    expect(mailer.kind).toBe('smtp');
    await mailer.close();
  });
});
