// Prisma CLI configuration. Prisma's Rust engines cannot be downloaded on our machines, so the CLI
// runs on the JavaScript engine with the `pg` driver adapter. The CLI is used only to generate the
// client and to write migration SQL (`prisma migrate diff`); Roster applies migrations itself
// (src/db/migrate.ts), on PostgreSQL and on the embedded database alike.
import { defineConfig } from 'prisma/config';

// The CLI resolves env("DATABASE_URL") even for `generate` and `validate`, and when it cannot it
// silently falls back to downloading engines. Generating needs no database, so give it a placeholder.
process.env.DATABASE_URL ??= 'postgresql://localhost:5432/roster';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  engine: 'js',
  experimental: { adapter: true },
  async adapter() {
    const { PrismaPg } = await import('@prisma/adapter-pg');
    return new PrismaPg({ connectionString: process.env.DATABASE_URL ?? '' });
  },
});
