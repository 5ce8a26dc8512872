import { destination, pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs, one object per line; the level comes from LOG_LEVEL. The server logs to
 * stdout; the CLI sets ROSTER_LOG_STDERR so that its own output (e.g. --json) stays clean.
 */
export const logger: Logger = pino(
  {
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    base: { service: 'roster' },
    redact: ['req.headers.authorization', '*.token', '*.secret'],
  },
  destination(process.env.ROSTER_LOG_STDERR ? 2 : 1),
);
