// Delivers the email outbox. Each run claims due rows with one UPDATE … FOR UPDATE SKIP LOCKED
// statement, taking a lease (locked_by, locked_until), so that any number of server processes on
// one database share the work. The lease is short (EMAIL_LEASE_MS, 30 s by default) and renewed
// while the batch runs, so a crashed worker's rows are claimable again within one lease.
//
// Delivery is at least once: a worker that dies after the SMTP server took a message but before
// the row says SENT leaves it to be sent again. The copy is the very same message (its Message-ID
// is derived from the outbox row, its link is the row's stored one), so mail systems can drop it.
// The outbox table is the only state: no job library.
import crypto from 'node:crypto';
import os from 'node:os';
import { isRedirectAllowed } from '../auth/redirect-origins.ts';
import { prisma as defaultPrisma, type PrismaClient } from '../db.ts';
import { logger } from '../logger.ts';
import { startPeriodicTask } from '../periodic-task.ts';
import { deliveryFailureReason } from './delivery-errors.ts';
import { renderEmail } from './render.ts';
import { isPermanentFailure, type MailTransport } from './transport.ts';

export interface EmailWorkerOptions {
  transport: MailTransport;
  /** Pause between polls when there is nothing (more) to do; default 1000 ms. */
  intervalMs?: number;
  /** Rows claimed per run; default 10. */
  batchSize?: number;
  /** Names this worker in locked_by; default host:pid:random. */
  workerId?: string;
  /**
   * How long a claim holds a row; default 30 s (EMAIL_LEASE_MS). While a batch runs its rows are
   * renewed every third of it, so a slow send keeps its claim, and a crash frees them within one
   * lease.
   */
  leaseMs?: number;
  /** Delay before retry number `attempt + 1`, after `attempt` failures (default: see defaultBackoff). */
  backoff?: (attempt: number) => number;
  /** EMAIL_TEMPLATES_DIR, for templateId. */
  templatesDir?: string;
  /** The client to use; default the application's `prisma`. */
  prisma?: PrismaClient;
  /** Called after a poll that found nothing due. */
  onIdle?: () => void;
}

export interface EmailWorker {
  readonly workerId: string;
  /** Claims and processes one batch; returns how many rows it claimed. */
  runOnce(): Promise<number>;
  /** Stops polling and waits for the batch in progress. Does not close the transport. */
  stop(): Promise<void>;
}

const MAX_ERROR_LENGTH = 1000;

/** The claim lease when none is configured: a crash delays mail by at most this much. */
export const DEFAULT_LEASE_MS = 30_000;

/** base · 2^(attempt−1), capped at `maxMs`, with "equal jitter" (between half and all of it). */
export function exponentialBackoff(baseMs: number, maxMs: number): (attempt: number) => number {
  return (attempt) => {
    const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  };
}

/** 5 s · 2^(attempt−1), capped at one hour, with jitter. */
export const defaultBackoff = exponentialBackoff(5_000, 60 * 60_000);

export function defaultWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
}

interface ClaimedEmail {
  id: string;
  kind: 'INVITATION' | 'SIGN_IN_LINK';
  toAddress: string;
  locale: string;
  templateId: string | null;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
}

type Outcome = 'sent' | 'retry' | 'failed' | 'skipped';

/**
 * Claims up to `batchSize` due rows for `workerId` in one statement. SKIP LOCKED makes concurrent
 * claimers pass over each other's rows; a row whose lease another claimer just took is re-checked
 * by PostgreSQL against the WHERE clause (locked_until now in the future) and left out.
 */
export async function claimDueEmails(
  db: PrismaClient,
  workerId: string,
  batchSize: number,
  leaseMs: number,
): Promise<ClaimedEmail[]> {
  return db.$queryRaw<ClaimedEmail[]>`
    WITH due AS (
      SELECT id FROM email_outbox
      WHERE status = 'QUEUED'
        AND next_attempt_at <= now()
        AND (locked_until IS NULL OR locked_until < now())
        AND attempts < max_attempts
      ORDER BY next_attempt_at, created_at
      LIMIT ${batchSize}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE email_outbox AS o
    SET locked_by = ${workerId},
        locked_until = now() + ${leaseMs}::double precision * interval '1 millisecond',
        attempts = o.attempts + 1,
        updated_at = now()
    FROM due
    WHERE o.id = due.id
    RETURNING o.id::text AS "id", o.kind::text AS "kind", o.to_address AS "toAddress",
      o.locale::text AS "locale", o.template_id AS "templateId", o.payload AS "payload",
      o.attempts AS "attempts", o.max_attempts AS "maxAttempts"`;
}

/**
 * Rows that used their last attempt under a lease that ran out (the worker died mid-send) are
 * never claimed again: give up on them, and erase their secret.
 */
async function failAbandoned(db: PrismaClient): Promise<number> {
  return db.$executeRaw`
    UPDATE email_outbox
    SET status = 'FAILED', secret = NULL, locked_by = NULL, locked_until = NULL, updated_at = now(),
        last_error = left(coalesce(last_error || '; ', '') || 'gave up: no attempts left', ${MAX_ERROR_LENGTH})
    WHERE status = 'QUEUED'
      AND attempts >= max_attempts
      AND (locked_until IS NULL OR locked_until < now())`;
}

/**
 * Mail whose link can no longer work (its invitation is no longer pending or has expired, its
 * sign-in link was used, superseded or has expired) is cancelled rather than sent, and its secret
 * erased. This is also what ends the retries of mail held up by a long SMTP outage: it is retried
 * for as long as its link lives.
 */
async function cancelDeadLinks(db: PrismaClient): Promise<number> {
  return db.$executeRaw`
    UPDATE email_outbox AS o
    SET status = 'CANCELLED', secret = NULL, locked_by = NULL, locked_until = NULL,
        updated_at = now(),
        last_error = left(coalesce(o.last_error || '; ', '') || 'cancelled: the link expired or was replaced before delivery', ${MAX_ERROR_LENGTH})
    WHERE o.status = 'QUEUED'
      AND (o.locked_until IS NULL OR o.locked_until < now())
      AND (
        EXISTS (SELECT 1 FROM invitations i WHERE i.id = o.invitation_id
                AND (i.status <> 'PENDING' OR i.expires_at <= now()))
        OR EXISTS (SELECT 1 FROM sign_in_links l WHERE l.id = o.sign_in_link_id
                AND (l.token_hash IS NULL OR l.expires_at <= now()))
      )`;
}

export function createEmailWorker(options: EmailWorkerOptions): EmailWorker {
  const workerId = options.workerId ?? defaultWorkerId();
  const batchSize = options.batchSize ?? 10;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const backoff = options.backoff ?? defaultBackoff;
  const log = logger.child({ component: 'email-worker', workerId });
  // Resolved at each use: `prisma` from db.ts is assigned when the database opens.
  const db = () => options.prisma ?? defaultPrisma;
  let queue: Promise<unknown> = Promise.resolve();

  async function deliver(row: ClaimedEmail): Promise<Outcome> {
    // Still ours and still queued? A revoke or resend may have cancelled it since the claim (the
    // cancel clears locked_by). The same statement renews the lease for this one send and reads
    // the secret (the link stored when the mail was queued: a retry sends the same link), which
    // is never held longer than needed, and where the organization's links may point today.
    const [current] = await db().$queryRaw<
      { secret: string | null; allowedRedirectOrigins: string[] | null }[]
    >`
      UPDATE email_outbox
      SET locked_until = now() + ${leaseMs}::double precision * interval '1 millisecond',
          updated_at = now()
      WHERE id = ${row.id}::uuid AND status = 'QUEUED' AND locked_by = ${workerId}
      RETURNING secret, (SELECT allowed_redirect_origins FROM organizations
                         WHERE id = email_outbox.organization_id) AS "allowedRedirectOrigins"`;
    if (!current) {
      log.info({ emailId: row.id }, 'email cancelled after it was claimed; not sent');
      return 'skipped';
    }
    // A link queued before its origin was taken off the allow-list is not delivered.
    const allowedRedirectOrigins = current.allowedRedirectOrigins ?? [];
    if (current.secret && !isRedirectAllowed(current.secret, { allowedRedirectOrigins })) {
      await db().$executeRaw`
        UPDATE email_outbox
        SET status = 'CANCELLED', secret = NULL, locked_by = NULL, locked_until = NULL,
            updated_at = now(),
            last_error = 'cancelled: the link points to an origin that is no longer allowed'
        WHERE id = ${row.id}::uuid AND locked_by = ${workerId}`;
      log.warn({ emailId: row.id }, 'email cancelled: its redirect origin is no longer allowed');
      return 'skipped';
    }

    let messageId: string;
    let permanent = false;
    try {
      if (!current.secret) {
        permanent = true;
        throw new Error('no link to send: the secret was erased');
      }
      const rendered = await renderEmail(
        { ...row, secret: current.secret },
        { templatesDir: options.templatesDir },
      );
      ({ messageId } = await options.transport.send({
        id: row.id,
        to: row.toAddress,
        link: current.secret,
        ...rendered,
      }));
    } catch (error) {
      return recordFailure(row, error, permanent || isPermanentFailure(error));
    }
    // Sent. Should this update fail, the row stays claimed until the lease runs out and is then
    // sent again: at least once, the best a mail server that cannot take part in our transaction
    // allows.
    const updated = await db().$executeRaw`
      UPDATE email_outbox
      SET status = 'SENT', sent_at = now(), message_id = ${messageId}, secret = NULL,
          last_error = NULL, locked_by = NULL, locked_until = NULL, updated_at = now()
      WHERE id = ${row.id}::uuid AND locked_by = ${workerId}`;
    if (updated === 0) log.warn({ emailId: row.id }, 'email sent, but it was cancelled meanwhile');
    else log.debug({ emailId: row.id, messageId }, 'email sent');
    return 'sent';
  }

  async function recordFailure(
    row: ClaimedEmail,
    error: unknown,
    permanent: boolean,
  ): Promise<Outcome> {
    const giveUp = permanent || row.attempts >= row.maxAttempts;
    const delayMs = giveUp ? 0 : Math.max(0, backoff(row.attempts));
    // Classified and redacted: members read lastError, and the log line below carries it too.
    const lastError = deliveryFailureReason(error).slice(0, MAX_ERROR_LENGTH);
    await db().$executeRaw`
      UPDATE email_outbox
      SET status = CASE WHEN ${giveUp}::boolean THEN 'FAILED'::"EmailStatus" ELSE status END,
          secret = CASE WHEN ${giveUp}::boolean THEN NULL ELSE secret END,
          last_error = ${lastError},
          next_attempt_at = now() + ${delayMs}::double precision * interval '1 millisecond',
          locked_by = NULL, locked_until = NULL, updated_at = now()
      WHERE id = ${row.id}::uuid AND locked_by = ${workerId}`;
    const details = { emailId: row.id, attempts: row.attempts, error: lastError };
    if (giveUp) {
      log.error({ ...details, permanent }, 'email failed; giving up');
      return 'failed';
    }
    log.warn({ ...details, retryInMs: delayMs }, 'email not sent; will retry');
    return 'retry';
  }

  /**
   * Keeps the claim on the batch's rows while it runs: every third of the lease, the rows still
   * held by this worker (not yet sent, failed or cancelled) get a full lease again. A renewal that
   * fails is logged; the next one may succeed before the lease runs out.
   */
  function holdLeases(ids: readonly string[]): () => Promise<void> {
    const renew = async () => {
      try {
        await db().$executeRaw`
          UPDATE email_outbox
          SET locked_until = now() + ${leaseMs}::double precision * interval '1 millisecond'
          WHERE id = ANY(${[...ids]}::uuid[]) AND locked_by = ${workerId} AND status = 'QUEUED'`;
      } catch (error) {
        log.warn({ err: error }, 'could not renew the outbox lease');
      }
    };
    // One renewal at a time: a slow one is not overtaken by the next.
    let renewing: Promise<void> = Promise.resolve();
    const timer = setInterval(
      () => (renewing = renewing.then(renew)),
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    timer.unref();
    return async () => {
      clearInterval(timer);
      await renewing;
    };
  }

  async function runBatch(): Promise<number> {
    await failAbandoned(db());
    await cancelDeadLinks(db());
    const claimed = await claimDueEmails(db(), workerId, batchSize, leaseMs);
    if (claimed.length === 0) return 0;
    const release = holdLeases(claimed.map((row) => row.id));
    try {
      for (const row of claimed) {
        try {
          await deliver(row);
        } catch (error) {
          // The database failed mid-delivery: the lease runs out and another run retries the row.
          log.error({ err: error, emailId: row.id }, 'email delivery interrupted');
        }
      }
    } finally {
      await release();
    }
    return claimed.length;
  }

  return {
    workerId,
    runOnce() {
      // One batch at a time per worker, so stop() can wait for all of them.
      const run = queue.then(runBatch, runBatch);
      queue = run.catch(() => undefined);
      return run;
    },
    async stop() {
      await queue;
    },
  };
}

/**
 * Starts polling the outbox: a batch now, then every `intervalMs`, or at once while batches come
 * back full. `stop()` ends polling and waits for the batch in progress.
 */
export function startEmailWorker(options: EmailWorkerOptions): EmailWorker {
  const worker = createEmailWorker(options);
  const batchSize = options.batchSize ?? 10;
  const task = startPeriodicTask('email-worker', options.intervalMs ?? 1000, async () => {
    const claimed = await worker.runOnce();
    if (claimed === 0) options.onIdle?.();
    return claimed >= batchSize;
  });
  return {
    workerId: worker.workerId,
    runOnce: () => worker.runOnce(),
    async stop() {
      await task.stop();
      await worker.stop();
    },
  };
}
