// npm run db:migration:create -- <name>
// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL that takes the schema as of the
// latest migration (the schema.prisma snapshot kept beside each migration.sql) to the current
// prisma/schema.prisma, computed by Prisma's schema engine (scripts/schema-diff.ts).
import fs from 'node:fs';
import path from 'node:path';
import { migrationsDir } from '../src/db/migrate.ts';
import { diffSchemas } from './schema-diff.ts';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('Usage: npm run db:migration:create -- <name in snake_case>');
  process.exit(64);
}

const previous = fs
  .readdirSync(migrationsDir)
  .filter((entry) => fs.existsSync(path.join(migrationsDir, entry, 'schema.prisma')))
  .sort()
  .at(-1);
const schemaPath = path.resolve(migrationsDir, '../schema.prisma');
const sql = await diffSchemas(
  previous ? path.join(migrationsDir, previous, 'schema.prisma') : undefined,
  schemaPath,
);
if (!sql.trim() || /^-- This is an empty migration/m.test(sql)) {
  console.log('prisma/schema.prisma has no changes since the latest migration');
} else {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const dir = path.join(migrationsDir, `${stamp}_${name}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
  fs.copyFileSync(schemaPath, path.join(dir, 'schema.prisma'));
  console.log(
    `Wrote ${path.relative(process.cwd(), dir)}/migration.sql; review it and add any constraints Prisma cannot express.`,
  );
}
