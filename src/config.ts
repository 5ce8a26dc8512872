// Configuration comes from the environment only, parsed once and validated with zod so that a typo
// fails at start-up with the variable's name rather than later at first use.
import path from 'node:path';
import { z } from 'zod';
import { redirectOriginsFromEnv } from './auth/redirect-origins.ts';

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

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

  /**
   * Origins that links carrying a token (invitations, sign-in links) may point to, comma-separated:
   * `https://app.example.com`, or `http://localhost:*` for any port. Organizations may narrow them.
   * Unset: loopback origins (http://localhost:*, http://127.0.0.1:*, http://[::1]:*) outside
   * production, none in production.
   */
  REDIRECT_ORIGINS: z.string().optional(),
});

export type Config = z.infer<typeof schema> & {
  graphiql: boolean;
  dataDir: string;
  /** REDIRECT_ORIGINS parsed, or its default (see above). */
  redirectOrigins: string[];
};

function redirectOriginsOf(config: z.infer<typeof schema>): string[] {
  try {
    return redirectOriginsFromEnv(config.REDIRECT_ORIGINS, config.NODE_ENV);
  } catch (error) {
    throw new Error(`Invalid configuration:\n  REDIRECT_ORIGINS: ${(error as Error).message}`);
  }
}

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
    redirectOrigins: redirectOriginsOf(config),
  };
}
