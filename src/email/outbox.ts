// The transactional outbox: mail is queued in the same transaction as the change that needs it, so
// a rolled-back change sends nothing, and a worker (src/email/worker.ts) delivers it with retries.
import type { Prisma, Transaction } from '../db.ts';

export type EmailLocale = 'en' | 'es' | 'fr' | 'pt_br';

export interface QueuedEmail {
  kind: 'INVITATION' | 'SIGN_IN_LINK';
  to: string;
  locale: EmailLocale;
  templateId?: string | null;
  organizationId: string;
  invitationId?: string;
  signInLinkId?: string;
  /** What the template needs besides the link: organization name, inviter name, expiry… */
  payload: Prisma.InputJsonObject;
  /** The link with the token. Kept only until the mail is sent, cancelled or given up. */
  link: string;
}

export async function enqueueEmail(tx: Transaction, email: QueuedEmail): Promise<string> {
  const row = await tx.emailOutbox.create({
    data: {
      kind: email.kind,
      toAddress: email.to,
      locale: email.locale,
      templateId: email.templateId ?? null,
      organizationId: email.organizationId,
      invitationId: email.invitationId ?? null,
      signInLinkId: email.signInLinkId ?? null,
      payload: email.payload,
      secret: email.link,
    },
  });
  return row.id;
}

/**
 * Cancels mail not yet sent for an invitation or sign-in link (its token died: resend, revoke,
 * accept) and erases the secret it held.
 */
export async function cancelQueuedEmails(
  tx: Transaction,
  where: { invitationId: string } | { signInLinkId: string },
): Promise<number> {
  const result = await tx.emailOutbox.updateMany({
    where: { ...where, status: 'QUEUED' },
    data: { status: 'CANCELLED', secret: null, lockedBy: null, lockedUntil: null },
  });
  return result.count;
}
