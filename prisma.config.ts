// Prisma CLI configuration. The CLI is used only to generate the client (`prisma generate`, run by
// npm install's postinstall); migration SQL is written by scripts/create-migration.ts and Roster
// applies migrations itself (src/db/migrate.ts), on PostgreSQL and on the embedded database alike.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';

// Prisma 7's CLI makes sure its native schema engine is present before `generate`, `validate`,
// `format` and `migrate`, and downloads it when it is not; our machines cannot reach Prisma's
// download host. `generate` and `validate` never run that engine, and the CLI skips the download when
// PRISMA_SCHEMA_ENGINE_BINARY names an existing file: point it at a stub that refuses to run.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'prisma/schema-engine-unavailable.sh',
);

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  // Only the CLI reads this (the server connects through src/db.ts); generating needs no database.
  ...(process.env.DATABASE_URL ? { datasource: { url: process.env.DATABASE_URL } } : {}),
});
