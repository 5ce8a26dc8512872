// npm run db:migration:create -- <name>
// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL that takes the schema as of the
// latest migration (the schema.prisma snapshot kept beside each migration.sql) to the current
// prisma/schema.prisma. Prisma's CLI wants a database connection even for this offline diff, so an
// in-memory embedded database stands in for one.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { startEmbeddedDatabase } from '../src/db/embedded.ts';
import { migrationsDir } from '../src/db/migrate.ts';

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
const database = await startEmbeddedDatabase();
try {
  // Asynchronously: the embedded database answers from this process's event loop.
  const { stdout: sql } = await promisify(execFile)(
    'npx',
    [
      'prisma',
      'migrate',
      'diff',
      ...(previous
        ? ['--from-schema-datamodel', path.join(migrationsDir, previous, 'schema.prisma')]
        : ['--from-empty']),
      '--to-schema-datamodel',
      schemaPath,
      '--script',
    ],
    { env: { ...process.env, DATABASE_URL: database.url }, encoding: 'utf8' },
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
} finally {
  await database.stop();
}
