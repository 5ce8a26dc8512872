// Mail is retried for as long as its link lives; once the link cannot work (the invitation
// expired or is no longer pending, the sign-in link expired or was used) the mail is cancelled,
// not sent, and its secret erased.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import { createEmailWorker } from '../src/email/worker.ts';
import { createSmtpTransport, type MailTransport } from '../src/email/transport.ts';
import { newApiKey, newMember, newOrganization } from './helpers/fixtures.ts';
import { invited, latestEmail } from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';
import { startTestSmtpServer, type TestSmtpServer } from './helpers/smtp.ts';

const server = useTestServer();
let smtp: TestSmtpServer;
let transport: MailTransport;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  transport = createSmtpTransport({ url: smtp.url, from: 'Roster <no-reply@roster.test>' });
});

afterAll(async () => {
  await transport?.close();
  await smtp?.close();
});

const deliveredTo = (address: string) =>
  smtp.received.filter((mail) =>
    mail.envelopeTo.some((to) => to.toLowerCase() === address.toLowerCase()),
  );

describe('mail whose link died before delivery', () => {
  it('is cancelled with its secret erased, while live mail in the same run is sent', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const expired = await invited(server, key, org.id);
    const live = await invited(server, key, org.id);
    await prisma.invitation.update({
      where: { id: expired.invitationId },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });

    const member = await newMember(org.id, ['member']);
    const sent = await server.gql(
      `mutation($input: SendSignInLinkInput!) { sendSignInLink(input: $input) { __typename } }`,
      { input: { organization: { slug: org.slug }, email: member.email } },
      key,
    );
    expect(sent.data!.sendSignInLink.__typename).toBe('SendSignInLinkPayload');
    await prisma.signInLink.updateMany({
      where: { memberId: member.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });

    const worker = createEmailWorker({ transport, backoff: () => 0 });
    while ((await worker.runOnce()) > 0);

    expect(deliveredTo(live.email)).toHaveLength(1);
    expect(deliveredTo(expired.email)).toHaveLength(0);
    expect(deliveredTo(member.email)).toHaveLength(0);
    expect(await latestEmail(live.invitationId)).toMatchObject({ status: 'SENT', secret: null });
    const cancelled = await prisma.emailOutbox.findMany({
      where: { toAddress: { in: [expired.email, member.email] } },
    });
    expect(cancelled).toHaveLength(2);
    for (const row of cancelled) {
      expect(row).toMatchObject({ status: 'CANCELLED', secret: null });
      expect(row.lastError).toMatch(/link expired or was replaced/);
    }
  });

  it('keeps mail held up by an SMTP outage queued, with retries left for weeks, while its link lives', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const pending = await invited(server, key, org.id);
    const row = await latestEmail(pending.invitationId);
    expect(row!.maxAttempts).toBe(500);
    smtp.refuse({ code: 451 });
    try {
      const worker = createEmailWorker({ transport, backoff: () => 0 });
      for (let i = 0; i < 5; i++) await worker.runOnce();
    } finally {
      smtp.refuse(null);
    }
    expect(await latestEmail(pending.invitationId)).toMatchObject({
      status: 'QUEUED',
      attempts: 5,
    });
    expect((await latestEmail(pending.invitationId))!.secret).not.toBeNull();
  });
});
