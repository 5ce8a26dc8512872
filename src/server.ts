// Starts Roster: the database (embedded when DATABASE_URL is unset), the HTTP listener with Yoga at
// /graphql, and the background email worker; stops them in order on SIGTERM/SIGINT.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from './config.ts';
import { openDatabase } from './db.ts';
import { logger } from './logger.ts';
import { setRedirectOrigins } from './auth/redirect-origins.ts';
import { setSessionTtlMinutes } from './services/sessions.ts';
import { startBackgroundWork } from './background.ts';
import { createRosterYoga } from './yoga.ts';

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 10_000;

export async function startServer(config: Config): Promise<RunningServer> {
  setSessionTtlMinutes(config.SESSION_TTL_MINUTES);
  setRedirectOrigins(config.redirectOrigins);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.dataDir,
    poolSize: config.DATABASE_POOL_SIZE,
    migrate: config.MIGRATE_ON_START,
  });
  const yoga = createRosterYoga({ graphiql: config.graphiql });
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

async function main() {
  const config = loadConfig();
  const running = await startServer(config);
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    logger.fatal({ err: error }, (error as Error).message);
    process.exit(1);
  });
}
