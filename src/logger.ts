import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout; the level comes from LOG_LEVEL. */
export const logger: Logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: { service: 'roster' },
  redact: ['req.headers.authorization', '*.token', '*.secret'],
});
