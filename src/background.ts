// Work the server process does besides answering requests: delivering the email outbox and
// writing the EXPIRED status of invitations past their expiry. Both are safe with several server
// processes on one database (rows are claimed with SKIP LOCKED; the sweep is one idempotent UPDATE).
import type { Config } from './config.ts';
import { createMailer } from './email/transport.ts';
import { exponentialBackoff, startEmailWorker } from './email/worker.ts';
import { startPeriodicTask } from './periodic-task.ts';
import { expireInvitations } from './services/invitations.ts';
import { deleteExpiredRateLimits } from './services/rate-limits.ts';

/** How often expired invitations get their stored status (reads compute it in between). */
const EXPIRY_SWEEP_INTERVAL_MS = 60_000;
/** How often throttle counters whose window ended are deleted (they are never read again). */
const RATE_LIMIT_SWEEP_INTERVAL_MS = 5 * 60_000;

export interface BackgroundWork {
  stop(): Promise<void>;
}

export function startBackgroundWork(config: Config): BackgroundWork {
  const mailer = createMailer(config);
  const worker = config.EMAIL_WORKER
    ? startEmailWorker({
        transport: mailer,
        intervalMs: config.EMAIL_WORKER_INTERVAL_MS,
        templatesDir: config.EMAIL_TEMPLATES_DIR,
        backoff: exponentialBackoff(config.EMAIL_RETRY_BASE_MS, config.EMAIL_RETRY_MAX_MS),
        leaseMs: config.EMAIL_LEASE_MS,
      })
    : undefined;
  const sweep = startPeriodicTask('invitation-expiry', EXPIRY_SWEEP_INTERVAL_MS, async () => {
    await expireInvitations();
  });
  const rateLimitSweep = startPeriodicTask(
    'rate-limit-sweep',
    RATE_LIMIT_SWEEP_INTERVAL_MS,
    async () => {
      await deleteExpiredRateLimits();
    },
  );
  return {
    async stop() {
      await worker?.stop();
      await sweep.stop();
      await rateLimitSweep.stop();
      await mailer.close();
    },
  };
}
