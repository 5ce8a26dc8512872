// Several server processes share one outbox: each worker here has its own Prisma client (its own
// connections), as separate processes would, on a real PostgreSQL server.
import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma, type Database } from '../src/db.ts';
import { createSmtpTransport, type MailTransport } from '../src/email/transport.ts';
import { createEmailWorker } from '../src/email/worker.ts';
import { PrismaClient } from '../src/generated/prisma/client.ts';
import { openTestDatabase } from './helpers/database.ts';
import { newOrganization } from './helpers/fixtures.ts';
import { startTestSmtpServer, type TestSmtpServer } from './helpers/smtp.ts';

const WORKERS = 4;
const MESSAGES = 200;

describe.skipIf(!process.env.TEST_DATABASE_URL)('email workers sharing one database', () => {
  let database: Database;
  let smtp: TestSmtpServer;
  const clients: PrismaClient[] = [];
  const transports: MailTransport[] = [];

  beforeAll(async () => {
    database = await openTestDatabase({ real: true });
    smtp = await startTestSmtpServer();
  });

  afterAll(async () => {
    await Promise.all(transports.map((transport) => transport.close()));
    await Promise.all(clients.map((client) => client.$disconnect()));
    await smtp?.close();
    await database?.close();
  });

  it(`${WORKERS} workers drain ${MESSAGES} messages, each delivered exactly once`, async () => {
    const organization = await newOrganization({ name: 'Acme' });
    await prisma.emailOutbox.createMany({
      data: Array.from({ length: MESSAGES }, (_, i) => ({
        kind: 'INVITATION' as const,
        toAddress: `user${i}@example.com`,
        organizationId: organization.id,
        payload: { organizationName: 'Acme', roles: ['member'] },
        secret: `https://app.example.com/accept?token=t${i}`,
      })),
    });
    const ids = (await prisma.emailOutbox.findMany({ select: { id: true } })).map((r) => r.id);

    const sentBy = new Map<string, number>();
    const workers = Array.from({ length: WORKERS }, (_, i) => {
      const client = new PrismaClient({
        adapter: new PrismaPg({ connectionString: database.url, max: 2 }),
      });
      clients.push(client);
      const smtpTransport = createSmtpTransport({ url: smtp.url, from: 'no-reply@roster.test' });
      transports.push(smtpTransport);
      const workerId = `worker-${i}`;
      const counting: MailTransport = {
        kind: smtpTransport.kind,
        close: () => smtpTransport.close(),
        async send(email) {
          sentBy.set(workerId, (sentBy.get(workerId) ?? 0) + 1);
          return smtpTransport.send(email);
        },
      };
      return createEmailWorker({ transport: counting, prisma: client, workerId, batchSize: 10 });
    });

    // Every worker polls until it finds nothing left to claim.
    await Promise.all(
      workers.map(async (worker) => {
        while ((await worker.runOnce()) > 0);
      }),
    );

    const delivered = smtp.received.map((mail) => mail.emailId);
    expect(delivered).toHaveLength(MESSAGES);
    expect(new Set(delivered).size).toBe(MESSAGES);
    expect([...delivered].sort()).toEqual([...ids].sort());
    expect(await prisma.emailOutbox.count({ where: { status: 'SENT', attempts: 1 } })).toBe(
      MESSAGES,
    );
    // The work really was shared.
    expect(sentBy.size).toBeGreaterThan(1);
  });
});
