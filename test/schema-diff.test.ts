// Migration authoring (npm run db:migration:create, scripts/schema-diff.ts): Prisma's schema engine,
// driven without the CLI, writes the same SQL as the migrations committed so far, and finds nothing
// to do between the latest migration's snapshot and prisma/schema.prisma.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationsDir } from '../src/db/migrate.ts';
import { diffSchemas } from '../scripts/schema-diff.ts';

const EMPTY = '-- This is an empty migration.';
const snapshots = fs
  .readdirSync(migrationsDir)
  .filter((name) => fs.existsSync(path.join(migrationsDir, name, 'schema.prisma')))
  .sort();

describe('migration SQL from the schema engine', () => {
  it('knows every migration by its schema snapshot', () => {
    expect(snapshots.length).toBeGreaterThanOrEqual(3);
    expect(snapshots).toEqual(
      fs
        .readdirSync(migrationsDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort(),
    );
  });

  it.each(snapshots.map((name, index) => ({ name, previous: snapshots[index - 1] })))(
    'writes the SQL of $name, from the snapshot before it, verbatim',
    async ({ name, previous }) => {
      const sql = await diffSchemas(
        previous ? path.join(migrationsDir, previous, 'schema.prisma') : undefined,
        path.join(migrationsDir, name, 'schema.prisma'),
      );
      // Opens with one of the engine's step headers (CreateSchema, AlterTable, DropIndex, …).
      expect(sql).toMatch(/^-- (CreateSchema|AlterTable|CreateIndex|DropIndex)\n/);
      expect(sql).not.toContain(EMPTY);
      // Hand-written constraints and triggers may come before or after it, never inside it.
      expect(fs.readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8')).toContain(
        sql.trim(),
      );
    },
  );

  it('finds no change between the latest migration and prisma/schema.prisma', async () => {
    const sql = await diffSchemas(
      path.join(migrationsDir, snapshots.at(-1)!, 'schema.prisma'),
      path.join(migrationsDir, '../schema.prisma'),
    );
    expect(sql.trim()).toBe(EMPTY);
  });
});
