import { destination, levels, pino, type Logger } from 'pino';

export type { Logger };

// An empty or unknown LOG_LEVEL falls back to the default here; the configuration check
// (src/config.ts) then reports an unknown one as a plain line instead of a crash at import.
const requestedLevel = process.env.LOG_LEVEL?.trim() ?? '';
const level =
  requestedLevel === 'silent' || Object.hasOwn(levels.values, requestedLevel)
    ? requestedLevel
    : process.env.NODE_ENV === 'test'
      ? 'silent'
      : 'info';

/**
 * Structured JSON logs, one object per line; the level comes from LOG_LEVEL. The server logs to
 * stdout; the CLI sets ROSTER_LOG_STDERR so that its own output (e.g. --json) stays clean.
 */
export const logger: Logger = pino(
  {
    level,
    base: { service: 'roster' },
    redact: ['req.headers.authorization', '*.token', '*.secret'],
  },
  destination(process.env.ROSTER_LOG_STDERR ? 2 : 1),
);
