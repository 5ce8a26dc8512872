// The embedded database's memory settings and first start: a new data folder is created whole (by a
// short-lived child process, into a staging folder moved into place), and PostgreSQL runs with
// 32 MB of shared buffers (its 128 MB default would stay resident in PGlite's Wasm memory).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase } from '../src/db/embedded.ts';

const parents: string[] = [];
afterEach(async () => {
  for (const parent of parents.splice(0)) await fs.rm(parent, { recursive: true, force: true });
});

async function freshDataDir(): Promise<string> {
  const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'roster-embedded-'));
  parents.push(parent);
  return path.join(parent, 'pglite');
}

async function sql(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

describe('the embedded database', () => {
  it('creates a new data folder whole, keeps what is written across restarts, and runs with 32 MB of shared buffers', async () => {
    const dataDir = await freshDataDir();
    const first = await startEmbeddedDatabase(dataDir);
    try {
      await expect(fs.stat(path.join(dataDir, 'PG_VERSION'))).resolves.toBeTruthy();
      await expect(fs.stat(`${dataDir}.initdb`)).rejects.toThrow(); // the staging folder is gone
      expect((await fs.stat(dataDir)).mode & 0o777).toBe(0o700);
      expect(await sql(first.url, 'SHOW shared_buffers')).toEqual([{ shared_buffers: '32MB' }]);
      await sql(first.url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('yes')");
    } finally {
      await first.stop();
    }
    const again = await startEmbeddedDatabase(dataDir);
    try {
      expect(await sql(again.url, 'SELECT v FROM kept')).toEqual([{ v: 'yes' }]);
      expect(await sql(again.url, 'SHOW shared_buffers')).toEqual([{ shared_buffers: '32MB' }]);
    } finally {
      await again.stop();
    }
  }, 120_000);

  it('replaces a staging folder left by an interrupted first start', async () => {
    const dataDir = await freshDataDir();
    await fs.mkdir(`${dataDir}.initdb`, { recursive: true });
    await fs.writeFile(`${dataDir}.initdb/PG_VERSION`, 'half made');
    const database = await startEmbeddedDatabase(dataDir);
    try {
      expect(await sql(database.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await expect(fs.stat(`${dataDir}.initdb`)).rejects.toThrow();
    } finally {
      await database.stop();
    }
  }, 120_000);
});
