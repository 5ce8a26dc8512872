// Crash-safe delivery across real server processes: three Roster servers (child processes, each
// with its outbox worker) share one PostgreSQL and one SMTP server; one is killed with SIGKILL in
// the middle of a send (the SMTP server holds its first DATA unanswered, so the kill lands there).
// Every mail must still arrive, within the claim lease and a margin, and a copy sent twice must be
// the same message (Message-ID and link). Needs the real PostgreSQL: skipped on the embedded one.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashToken } from '../src/auth/tokens.ts';
import { prisma } from '../src/db.ts';
import { DEFAULT_LEASE_MS } from '../src/email/worker.ts';
import { newApiKey, newOrganization } from './helpers/fixtures.ts';
import { orgRef, randomEmail, tokenOf } from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';
import { startTestSmtpServer, type ReceivedMail, type TestSmtpServer } from './helpers/smtp.ts';

const INVITATIONS = 60;
/** Time for a surviving worker to notice the freed rows and send them, on a busy machine. */
const MARGIN_MS = 15_000;

const BULK = /* GraphQL */ `
  mutation Bulk($input: InviteMembersInput!) {
    inviteMembers(input: $input) {
      ... on InviteMembersPayload {
        results {
          __typename
        }
      }
    }
  }
`;

interface ServerProcess {
  name: string;
  child: ChildProcess;
  /** Resolves once the server logs that it is listening. */
  listening: Promise<void>;
  exited: Promise<number | null>;
}

/** Starts `src/server.ts` as its own Node process (tsx as a loader, so the pid is the server's). */
function startServerProcess(name: string, env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listening = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Roster is listening')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) early:\n${output}`)));
  });
  listening.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { name, child, listening, exited };
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('delivery when a server process crashes', () => {
  const server = useTestServer({ real: true });
  const processes: ServerProcess[] = [];
  let smtp: TestSmtpServer | undefined;
  let releaseHeld: (() => void) | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    for (const { child, exited } of processes) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    }
    releaseHeld?.();
    await smtp?.close();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it(`a SIGKILL mid-send loses no mail, delays none past the lease, and any copy is the same message`, async () => {
    smtp = await startTestSmtpServer();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'roster-crash-'));
    const key = await newApiKey();
    const org = await newOrganization({ name: 'Acme' });
    const bulk = await server.gql(
      BULK,
      {
        input: {
          organization: orgRef(org.id),
          invitations: Array.from({ length: INVITATIONS }, () => ({ email: randomEmail() })),
        },
      },
      key,
    );
    expect(bulk.errors).toBeUndefined();
    expect(await prisma.emailOutbox.count({ where: { status: 'QUEUED' } })).toBe(INVITATIONS);

    // The victim's first message is held at DATA, unanswered, until the test ends.
    let victimSending!: () => void;
    const victimIsSending = new Promise<void>((resolve) => (victimSending = resolve));
    smtp.onMessage((mail: ReceivedMail) => {
      if (mail.clientHostname !== 'victim' || releaseHeld) return;
      victimSending();
      return new Promise<void>((release) => (releaseHeld = release));
    });

    const env = (name: string) => ({
      DATABASE_URL: server.database.url,
      MIGRATE_ON_START: 'false',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: path.join(dataDir!, name),
      SMTP_URL: `${smtp!.url}?name=${name}`,
      MAIL_FROM: 'Roster <no-reply@roster.test>',
      EMAIL_WORKER_INTERVAL_MS: '200',
      LOG_LEVEL: 'info',
    });
    const victim = startServerProcess('victim', env('victim'));
    processes.push(victim);
    await victimIsSending;
    const survivors = ['survivor-1', 'survivor-2'].map((name) =>
      startServerProcess(name, env(name)),
    );
    processes.push(...survivors);
    await Promise.all(survivors.map((survivor) => survivor.listening));

    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    await victim.exited;

    // Wait for every row to be SENT.
    const deadline = killedAt + DEFAULT_LEASE_MS + MARGIN_MS + 30_000;
    while (
      (await prisma.emailOutbox.count({ where: { status: 'SENT' } })) < INVITATIONS &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const lastSent = await prisma.emailOutbox.aggregate({ _max: { sentAt: true } });
    const rows = await prisma.emailOutbox.findMany({ include: { invitation: true } });
    expect(rows.filter((row) => row.status === 'SENT')).toHaveLength(INVITATIONS);
    const waitedMs = lastSent._max.sentAt!.getTime() - killedAt;
    console.info(`last mail sent ${waitedMs} ms after the SIGKILL (lease ${DEFAULT_LEASE_MS} ms)`);
    expect(waitedMs).toBeLessThan(DEFAULT_LEASE_MS + MARGIN_MS);

    // Every invitee got its mail; a row sent twice went out as the same message with the same
    // link, and that link's token is the invitation's.
    const byRow = new Map<string, ReceivedMail[]>();
    for (const mail of smtp.received) {
      byRow.set(mail.emailId!, [...(byRow.get(mail.emailId!) ?? []), mail]);
    }
    expect(byRow.size).toBe(INVITATIONS);
    let duplicates = 0;
    for (const row of rows) {
      const copies = byRow.get(row.id)!;
      expect(copies.length).toBeGreaterThanOrEqual(1);
      duplicates += copies.length - 1;
      for (const copy of copies) {
        expect(copy.envelopeTo).toEqual([row.toAddress]);
        expect(copy.parsed.messageId).toBe(`<${row.id}@roster.test>`);
        expect(copy.parsed.messageId).toBe(row.messageId);
        const link = /https:\/\/app\.example\.com\/accept\?token=[\w-]+/.exec(copy.parsed.text!)!;
        expect(hashToken(tokenOf(link[0]))).toBe(row.invitation!.tokenHash);
      }
    }
    // The held message reached the SMTP server before the kill: exactly that one came twice.
    expect(duplicates).toBe(1);
    expect(smtp.received.filter((mail) => mail.clientHostname === 'victim')).toHaveLength(1);
  });
});
