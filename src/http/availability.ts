// Telling an outage from a bug: errors that mean "the database cannot be reached right now", as
// Prisma (through the pg driver adapter) and pg raise them.

/** Prisma codes for an unreachable server, a timed-out connect or pool, a dropped connection. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** Driver adapter error kinds with the same meaning. */
const ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TlsConnectionError',
]);
/** PostgreSQL SQLSTATEs: connection exceptions (08…), shutdown and start-up (57P0…), too many. */
const SQLSTATE = /^(08\d{3}|57P0[1-3]|53300)$/;
/** Node socket errors from pg itself. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  kind?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: unknown } } };
  cause?: unknown;
  errors?: unknown;
  message?: unknown;
}

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as ErrorLike;
  if (e.name === 'PrismaClientInitializationError') return true;
  if (typeof e.code === 'string') {
    if (PRISMA_CODES.has(e.code) || SQLSTATE.test(e.code) || SOCKET_CODES.has(e.code)) return true;
  }
  if (typeof e.kind === 'string' && ADAPTER_KINDS.has(e.kind)) return true;
  const adapterKind = e.meta?.driverAdapterError?.cause?.kind;
  if (typeof adapterKind === 'string' && ADAPTER_KINDS.has(adapterKind)) return true;
  if (typeof e.message === 'string' && /Connection terminated/.test(e.message)) return true;
  // pg reports a refused connect to every address of a host as an AggregateError.
  if (
    Array.isArray(e.errors) &&
    e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))
  ) {
    return true;
  }
  return isDatabaseUnavailable(e.cause, depth + 1);
}
