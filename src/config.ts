// Configuration comes from the environment only, parsed once and validated with zod so that a typo
// fails at start-up with the variable's name rather than later at first use.
import path from 'node:path';
import { z } from 'zod';

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

// Throttles (README "### Throttles"): "POINTS/WINDOW" (WINDOW: seconds, or 30s, 10m, 1h, 1d) or
// "off". TRUST_PROXY: false (the socket address), true (every hop), or how many proxies to trust.
const rateLimit = z
  .string()
  .trim()
  .regex(/^(off|\d+\s*\/\s*\d+\s*[smhd]?)$/i, 'expected POINTS/WINDOW (e.g. 100/1h) or off')
  .transform((value) => {
    if (value.toLowerCase() === 'off') return 'off' as const;
    const [, points, amount, unit] = /^(\d+)\s*\/\s*(\d+)\s*([smhd]?)$/i.exec(value)!;
    const seconds = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[unit!.toLowerCase()]!;
    return { points: Number(points), durationSeconds: Number(amount) * seconds };
  })
  .refine((limit) => limit === 'off' || (limit.points >= 1 && limit.durationSeconds >= 1), {
    message: 'POINTS and WINDOW must be at least 1 (use "off" for no limit)',
  });
const trustProxy = z
  .string()
  .trim()
  .regex(/^(true|false|\d+)$/i, 'expected true, false or a number of proxies')
  .transform((value) => {
    if (/^true$/i.test(value)) return true;
    if (/^false$/i.test(value)) return false;
    return Number(value) === 0 ? false : Number(value);
  });

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  /** PostgreSQL connection string; when absent Roster runs an embedded database in DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** Where the embedded database and the local mail sink keep their files. */
  DATA_DIR: z.string().default('.roster-data'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** Apply pending migrations when the server starts. */
  MIGRATE_ON_START: boolean.prefault('true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** GraphiQL at /graphql; on by default outside production. */
  GRAPHIQL: boolean.optional(),
  /** How long a member session lasts, in minutes (default 30 days). */
  SESSION_TTL_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .default(60 * 24 * 30),
  /** SMTP server for outgoing mail, e.g. smtp://user:pass@smtp.example.com:587; absent = local sink. */
  SMTP_URL: z.string().url().optional(),
  MAIL_FROM: z.string().default('Roster <no-reply@roster.local>'),
  /** Run the email outbox worker inside the server process. */
  EMAIL_WORKER: boolean.prefault('true'),
  EMAIL_WORKER_INTERVAL_MS: z.coerce.number().int().min(10).default(1000),
  /** First retry delay after a failed send; doubles each attempt (with jitter) up to the max. */
  EMAIL_RETRY_BASE_MS: z.coerce.number().int().min(1).default(5_000),
  EMAIL_RETRY_MAX_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(60 * 60_000),
  /** Directory of custom email templates selected by templateId. */
  EMAIL_TEMPLATES_DIR: z.string().optional(),
  // Throttles and crash-safe delivery (src/services/rate-limits.ts, src/email/worker.ts). An unset
  // RATE_LIMIT_* keeps its default from RATE_LIMITS.
  TRUST_PROXY: trustProxy.prefault('false'),
  RATE_LIMIT_TOKEN_PER_IP: rateLimit.optional(),
  RATE_LIMIT_TOKEN_PER_TOKEN: rateLimit.optional(),
  RATE_LIMIT_SIGN_IN_PER_IP: rateLimit.optional(),
  RATE_LIMIT_SIGN_IN_PER_ADDRESS: rateLimit.optional(),
  RATE_LIMIT_INVITE_PER_CALLER: rateLimit.optional(),
  RATE_LIMIT_INVITE_PER_ORGANIZATION: rateLimit.optional(),
  RATE_LIMIT_INVITE_PER_ADDRESS: rateLimit.optional(),
  /** How long an outbox claim holds a row; renewed every third of it while a send runs. */
  EMAIL_LEASE_MS: z.coerce.number().int().min(1000).default(30_000),
});

export type Config = z.infer<typeof schema> & { graphiql: boolean; dataDir: string };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const config = parsed.data;
  return {
    ...config,
    graphiql: config.GRAPHIQL ?? config.NODE_ENV !== 'production',
    dataDir: path.resolve(config.DATA_DIR),
  };
}
