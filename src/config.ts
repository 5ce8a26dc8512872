// Configuration comes from the environment (and a .env file, see loadEnvFile), parsed once and
// validated with zod so that a typo fails at start-up with the variable's name rather than later at
// first use, as one line a person can act on. .env.example lists every setting with its default
// (a test compares the two).
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { redirectOriginsFromEnv } from './auth/redirect-origins.ts';

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
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
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
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
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

  // --- The public edge (src/http/): document limits, HTTP strictness, CORS, headers. ---
  /** Largest request body in bytes; larger ones get 413 before the body is read to its end. */
  MAX_REQUEST_BYTES: z.coerce.number().int().min(1024).default(102_400),
  /** Deepest selection nesting of an operation (fragments are flattened, so unions cost nothing). */
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).default(12),
  /** Most aliases in one operation (__typename included): stops batching one field many times. */
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).default(15),
  /** Most directives in one operation. */
  GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(8),
  /** Most lexical tokens in one document: bounds parsing and validation work. */
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(100).default(3_000),
  /** Most fields a response may hold: list fields multiply, connections by their page size. */
  GRAPHQL_MAX_COST: z.coerce.number().int().min(100).default(10_000),
  /** Schema introspection; on by default outside production. */
  INTROSPECTION: boolean.optional(),
  /** Path to a trusted-documents manifest ({ "<sha256>": "query …" }); only those then run. */
  TRUSTED_DOCUMENTS: z.string().optional(),
  /** Comma-separated browser origins allowed to call the API (CORS); unset = none. */
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin: scheme://host[:port]'))),
  /** Strict-Transport-Security max-age in seconds; unset = no HSTS (set it behind HTTPS only). */
  HSTS_MAX_AGE: z.coerce.number().int().min(0).optional(),
  /** Retry-After (seconds) sent with 503 while the database is unreachable. */
  DATABASE_RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).default(5),

  /**
   * Origins that links carrying a token (invitations, sign-in links) may point to, comma-separated:
   * `https://app.example.com`, or `http://localhost:*` for any port. Organizations may narrow them.
   * Unset: loopback origins (http://localhost:*, http://127.0.0.1:*, http://[::1]:*) outside
   * production, none in production.
   */
  REDIRECT_ORIGINS: z.string().optional(),
});

type SettingName = keyof typeof schema.shape;

/** Every setting Roster reads, for .env.example's test. */
export const settingNames = Object.keys(schema.shape) as SettingName[];

const BOOLEAN = 'true or false (also 1/0, yes/no)';
const MILLISECONDS = 'a whole number of milliseconds';

/** What each setting expects, said to a person whose value was refused (else zod's message). */
const expectations: Partial<Record<SettingName, string>> = {
  NODE_ENV: 'development, production or test',
  PORT: 'a port number from 0 to 65535',
  DATABASE_URL:
    'a PostgreSQL URL (postgresql://user:password@host:5432/database), or nothing for the embedded database',
  DATABASE_POOL_SIZE: 'a whole number from 1 to 100',
  MIGRATE_ON_START: BOOLEAN,
  LOG_LEVEL: 'fatal, error, warn, info, debug, trace or silent',
  GRAPHIQL: BOOLEAN,
  SESSION_TTL_MINUTES: 'a whole number of minutes, at least 5',
  SMTP_URL:
    'an SMTP URL (smtp://user:password@host:587 or smtps://…:465), or nothing for the local mail sink',
  EMAIL_WORKER: BOOLEAN,
  EMAIL_WORKER_INTERVAL_MS: `${MILLISECONDS}, at least 10`,
  EMAIL_RETRY_BASE_MS: `${MILLISECONDS}, at least 1`,
  EMAIL_RETRY_MAX_MS: `${MILLISECONDS}, at least 1`,
};

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
    throw new ConfigError([`Invalid REDIRECT_ORIGINS: ${(error as Error).message}`]);
  }
}

/** A configuration a person must fix: one line per problem, each naming the variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

// Values of these may hold passwords or keys: a problem line says what kind of value was given,
// never the value itself.
const SECRET_NAME = /URL|SECRET|PASSWORD|TOKEN|KEY/;

/** What was given, for a problem line: the value itself unless it may be secret. */
function describeValue(name: string, value: unknown): string {
  if (typeof value !== 'string') return 'nothing';
  if (!SECRET_NAME.test(name)) {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(shown);
  }
  if (URL.canParse(value)) return `a URL starting with ${new URL(value).protocol}//`;
  return `a value of ${value.length} characters that is not a URL`;
}

/** Reads ./.env into process.env when the file exists; variables already set keep their value. */
export function loadEnvFile(file = '.env'): void {
  if (fs.existsSync(file)) process.loadEnvFile(file);
}

/** An empty (or blank) variable counts as unset, as `.env` templates and compose files leave them. */
function withoutEmpty(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const given = withoutEmpty(env);
  const parsed = schema.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '');
      const expected = expectations[name as SettingName] ?? issue.message;
      return `Invalid ${name}: got ${describeValue(name, given[name])}, expected ${expected}`;
    });
    throw new ConfigError([...new Set(problems)]);
  }
  const config = parsed.data;
  return {
    ...config,
    graphiql: config.GRAPHIQL ?? config.NODE_ENV !== 'production',
    dataDir: path.resolve(config.DATA_DIR),
    redirectOrigins: redirectOriginsOf(config),
  };
}
