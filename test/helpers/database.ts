// A fresh database per test file: an in-memory embedded PGlite by default, or a new database on
// the real PostgreSQL server named by TEST_DATABASE_URL (which CI starts itself).
import crypto from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db.ts';

export const realPostgresUrl = process.env.TEST_DATABASE_URL;

/** Creates an empty database on the real server and returns its URL. */
export async function createScratchDatabase(
  serverUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `roster_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function openTestDatabase(options: { real?: boolean } = {}): Promise<Database> {
  const useReal = options.real ?? Boolean(realPostgresUrl);
  if (!useReal || !realPostgresUrl) return openDatabase({});
  const scratch = await createScratchDatabase(realPostgresUrl);
  const database = await openDatabase({ url: scratch.url, poolSize: 20 });
  return {
    ...database,
    async close() {
      await database.close();
      await scratch.drop();
    },
  };
}
