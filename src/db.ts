// The one Prisma client. Services import `prisma` from here; the GraphQL context never carries it.
// `openDatabase` connects to DATABASE_URL, or starts the embedded database when there is none.
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';
import type { EmbeddedDatabase } from './db/embedded.ts';
import { lockDataDir, lockHolder, type DataDirLock } from './db/data-dir-lock.ts';
import { migrate } from './db/migrate.ts';
import { logger } from './logger.ts';

export { Prisma } from './generated/prisma/client.ts';
export type { PrismaClient };
export type Transaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

// Assigned once by openDatabase; ES module bindings are live, so importers see the client.
export let prisma: PrismaClient = undefined as unknown as PrismaClient;

export interface DatabaseOptions {
  /** A PostgreSQL URL; when absent the embedded database is used. */
  url?: string;
  /** Folder for the embedded database; undefined = in memory. */
  dataDir?: string;
  poolSize?: number;
  migrate?: boolean;
  /**
   * When another process (a running server) holds the embedded database in `dataDir`, connect to
   * the database it serves instead of failing. For short-lived tools such as the CLI.
   */
  attachToRunning?: boolean;
}

export interface Database {
  url: string;
  embedded: boolean;
  prisma: PrismaClient;
  close(): Promise<void>;
}

let current: Database | undefined;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (current) throw new Error('The database is already open');
  let embedded: EmbeddedDatabase | undefined;
  let url = options.url;
  let lock: DataDirLock | undefined;
  const running =
    !url && options.dataDir && options.attachToRunning ? lockHolder(options.dataDir) : undefined;
  if (running?.url) {
    url = running.url;
    logger.info({ pid: running.pid }, 'using the embedded database of a running Roster server');
  } else if (!url) {
    lock = options.dataDir ? lockDataDir(options.dataDir) : undefined;
    try {
      // Loaded only here: PGlite and its socket server are not needed on PostgreSQL.
      const { startEmbeddedDatabase } = await import('./db/embedded.ts');
      embedded = await startEmbeddedDatabase(
        options.dataDir ? path.join(options.dataDir, 'pglite') : undefined,
        options.dataDir ? path.join(options.dataDir, 'run') : undefined,
      );
    } catch (error) {
      lock?.release();
      throw error;
    }
    url = embedded.url;
    lock?.publish(url);
    logger.info({ dataDir: options.dataDir ?? 'memory' }, 'embedded database started');
  }
  // A running server has migrated the database it serves.
  if (options.migrate !== false && !running?.url) {
    try {
      const applied = await migrate(url);
      if (applied.length) logger.info({ applied }, 'migrations applied');
    } catch (error) {
      await embedded?.stop();
      lock?.release();
      throw error;
    }
  }
  const adapter = new PrismaPg({
    connectionString: url,
    // PGlite serves one connection at a time: a pool of one keeps transactions whole.
    max: embedded || running?.url ? 1 : (options.poolSize ?? 10),
  });
  const client = new PrismaClient({ adapter });
  prisma = client;
  const database: Database = {
    url,
    embedded: Boolean(embedded || running?.url),
    prisma: client,
    async close() {
      await client.$disconnect();
      await embedded?.stop();
      lock?.release();
      current = undefined;
    },
  };
  current = database;
  return database;
}

/**
 * A row as `row_to_json` gives it, as Prisma would: camelCase field names, and the timestamps
 * (every field ending in "At" in this schema) as Dates.
 */
export function modelRow<T>(json: Record<string, unknown>): T {
  const row: Record<string, unknown> = {};
  for (const column in json) {
    const value = json[column];
    const field = fieldOf(column);
    row[field.name] = field.timestamp && typeof value === 'string' ? new Date(value) : value;
  }
  return row as T;
}

/** Column name → field name (and whether it is a timestamp), worked out once per column. */
const fields = new Map<string, { name: string; timestamp: boolean }>();

function fieldOf(column: string): { name: string; timestamp: boolean } {
  let field = fields.get(column);
  if (!field) {
    const name = column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
    field = { name, timestamp: name.endsWith('At') };
    fields.set(column, field);
  }
  return field;
}
