// Starts Roster: the database (embedded when DATABASE_URL is unset), the HTTP listener with Yoga at
// /graphql, and the background email worker; stops them in order on SIGTERM/SIGINT.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig, loadEnvFile, type Config } from './config.ts';
import { openDatabase } from './db.ts';
import { logger } from './logger.ts';
import { configureRateLimits } from './services/rate-limits.ts';
import { setRedirectOrigins } from './auth/redirect-origins.ts';
import { setSessionTtlMinutes } from './services/sessions.ts';
import { startBackgroundWork } from './background.ts';
import { edgeSettingsFrom } from './http/settings.ts';
import { createRosterYoga } from './yoga.ts';

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 10_000;

export async function startServer(config: Config): Promise<RunningServer> {
  setSessionTtlMinutes(config.SESSION_TTL_MINUTES);
  configureRateLimits(config);
  setRedirectOrigins(config.redirectOrigins);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.dataDir,
    poolSize: config.DATABASE_POOL_SIZE,
    migrate: config.MIGRATE_ON_START,
  });
  const yoga = createRosterYoga({
    graphiql: config.graphiql,
    trustProxy: config.TRUST_PROXY,
    edge: edgeSettingsFrom(config),
  });
  const server = http.createServer(yoga);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, resolve);
  });
  const background = startBackgroundWork(config);
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  const url = `http://${host}:${port}`;
  logger.info(
    {
      url: `${url}/graphql`,
      database: database.embedded ? `embedded (${config.dataDir})` : 'postgresql',
    },
    'Roster is listening',
  );

  let stopping: Promise<void> | undefined;
  return {
    url,
    stop() {
      stopping ??= (async () => {
        logger.info('shutting down');
        // Stop accepting connections, let in-flight requests finish, then close idle keep-alives.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
        await closed;
        clearTimeout(timer);
        await background.stop();
        await database.close();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

/** Starts the server from the environment (and .env) and stops it on SIGTERM/SIGINT. */
export async function main(): Promise<void> {
  let running: RunningServer;
  try {
    loadEnvFile();
    const config = loadConfig();
    // The logger was made before .env was read; a LOG_LEVEL from there applies from now on.
    if (process.env.LOG_LEVEL?.trim()) logger.level = config.LOG_LEVEL;
    running = await startServer(config);
  } catch (error) {
    exitOnStartFailure(error);
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      running.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

/** A configuration problem is for a person to fix: plain lines, no stack. Anything else is logged. */
function exitOnStartFailure(error: unknown): never {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) console.error(problem);
  } else {
    logger.fatal({ err: error }, (error as Error).message);
  }
  process.exit(1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
