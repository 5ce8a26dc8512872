import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/db/embedded.ts';
import { listMigrations, migrate } from '../src/db/migrate.ts';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../src/generated/prisma/client.ts';
import { getDatamodel } from '../src/generated/pothos-types.ts';
import { createScratchDatabase, realPostgresUrl } from './helpers/database.ts';

interface Target {
  name: string;
  open(): Promise<{ url: string; close(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'embedded',
    async open() {
      const db: EmbeddedDatabase = await startEmbeddedDatabase();
      return { url: db.url, close: () => db.stop() };
    },
  },
];
if (realPostgresUrl) {
  targets.push({
    name: 'postgresql',
    async open() {
      const db = await createScratchDatabase(realPostgresUrl!);
      return { url: db.url, close: () => db.drop() };
    },
  });
}

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe.each(targets)('migrations on the $name database', (target) => {
  let db: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => db.close());

  it('migrates an empty database to the current schema', async () => {
    expect(await migrate(db.url)).toEqual(listMigrations().map((m) => m.name));
    // The Prisma client reads every column of every model: any missing table or column fails here.
    const client = new PrismaClient({
      adapter: new PrismaPg({ connectionString: db.url, max: 1 }),
    });
    const missing: string[] = [];
    try {
      for (const model of Object.keys(getDatamodel().datamodel.models)) {
        const delegate = (client as unknown as Record<string, { findFirst(): Promise<unknown> }>)[
          model.charAt(0).toLowerCase() + model.slice(1)
        ]!;
        await delegate
          .findFirst()
          .catch((error: Error) => missing.push(`${model}: ${error.message}`));
      }
    } finally {
      await client.$disconnect();
    }
    expect(missing).toEqual([]);
  });

  it('is idempotent and records migrations as Prisma does', async () => {
    expect(await migrate(db.url)).toEqual([]);
    const rows = await query<{ migration_name: string; checksum: string }>(
      db.url,
      'SELECT migration_name, checksum FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows).toEqual(
      listMigrations().map((m) => ({ migration_name: m.name, checksum: m.checksum })),
    );
  });

  it('refuses a migration that was edited after it was applied', async () => {
    const first = listMigrations()[0]!;
    await query(db.url, 'UPDATE _prisma_migrations SET checksum = $1 WHERE migration_name = $2', [
      '0'.repeat(64),
      first.name,
    ]);
    await expect(migrate(db.url)).rejects.toThrow(/was changed after it was applied/);
    await query(db.url, 'UPDATE _prisma_migrations SET checksum = $1 WHERE migration_name = $2', [
      first.checksum,
      first.name,
    ]);
  });

  it('enforces in the database: one pending invitation per organization and email, case-insensitive member email', async () => {
    const [org] = await query<{ id: string }>(
      db.url,
      `INSERT INTO organizations (slug, name, updated_at) VALUES ('m-test', 'M', now()) RETURNING id`,
    );
    const invite = (hash: string, email: string) =>
      query(
        db.url,
        `INSERT INTO invitations (organization_id, email, email_normalized, token_hash, expires_at, redirect_url, updated_at)
         VALUES ($1, $2, lower($2), $3, now() + interval '1 day', 'https://x.test', now())`,
        [org!.id, email, hash],
      );
    await invite('h1', 'Ann@Example.com');
    await expect(invite('h2', 'ann@example.COM')).rejects.toThrow(
      /invitations_one_pending_per_email/,
    );
    const member = (email: string, normalized: string) =>
      query(
        db.url,
        `INSERT INTO members (organization_id, email, email_normalized, updated_at) VALUES ($1, $2, $3, now())`,
        [org!.id, email, normalized],
      );
    await expect(member('Bob@Example.com', 'Bob@Example.com')).rejects.toThrow(
      /members_email_normalized_check/,
    );
    await member('Bob@Example.com', 'bob@example.com');
    await expect(member('BOB@example.com', 'bob@example.com')).rejects.toThrow(/unique/i);
  });
});

describe.skipIf(!realPostgresUrl)('concurrent start-ups', () => {
  it('apply each migration once when several replicas migrate at the same time', async () => {
    const db = await createScratchDatabase(realPostgresUrl!);
    try {
      const results = await Promise.all(Array.from({ length: 4 }, () => migrate(db.url)));
      expect(results.flat()).toEqual(listMigrations().map((m) => m.name));
    } finally {
      await db.drop();
    }
  });
});
