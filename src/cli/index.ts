// The `roster` command line: migrations, API keys and the first-run bootstrap. It opens the same
// database the server uses (DATABASE_URL, or the embedded one in DATA_DIR).
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db.ts';
import { migrate } from '../db/migrate.ts';
import { bootstrap } from './bootstrap.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../services/api-keys.ts';
import { setSessionTtlMinutes } from '../services/sessions.ts';

const USAGE = `Usage: roster <command> [options]

Commands:
  migrate                          Apply pending database migrations
  api-key create --name NAME [--json]
                                   Create an API key; the key is printed once
  api-key list [--json]            List API keys (never the keys themselves)
  api-key revoke ID|PREFIX         Revoke an API key
  bootstrap [--name NAME] [--slug SLUG] [--email EMAIL] [--json]
                                   Create an organization, its owner, an API key and an owner
                                   session, and print how to make a first query in GraphiQL
  help                             Show this text

Environment: DATABASE_URL (PostgreSQL; unset = embedded database in DATA_DIR, default .roster-data)`;

class UsageError extends Error {}

/** Whether a Roster server answers at `base` (so bootstrap need not say "run npm start"). */
async function answersHealthCheck(base: string): Promise<boolean> {
  try {
    const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
    return response.ok && ((await response.json()) as { status?: string }).status === 'ok';
  } catch {
    return false;
  }
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`Missing ${what}`);
  return value;
}

export async function run(
  argv: string[],
  out: (line: string) => void = console.log,
): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      slug: { type: 'string' },
      email: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, sub, arg] = positionals;
  if (!command || command === 'help' || values.help) {
    out(USAGE);
    return;
  }
  const config = loadConfig();
  setSessionTtlMinutes(config.SESSION_TTL_MINUTES);

  if (command === 'migrate') {
    if (config.DATABASE_URL) {
      const applied = await migrate(config.DATABASE_URL);
      out(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date');
    } else {
      // The embedded database migrates as it opens.
      const database = await openDatabase({ dataDir: config.dataDir });
      await database.close();
      out('The embedded database is up to date');
    }
    return;
  }

  if (command !== 'api-key' && command !== 'bootstrap')
    throw new UsageError(`Unknown command "${command}"`);

  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.dataDir,
    poolSize: 2,
    attachToRunning: true,
  });
  try {
    if (command === 'bootstrap') {
      const result = await bootstrap({ name: values.name, slug: values.slug, email: values.email });
      if (values.json) {
        out(JSON.stringify(result));
      } else {
        const base = `http://localhost:${config.PORT}`;
        out(result.instructions(`${base}/graphql`, await answersHealthCheck(base)));
      }
      return;
    }
    if (sub === 'create') {
      const key = await createApiKey(need(values.name, '--name'));
      out(
        values.json
          ? JSON.stringify(key)
          : `Created API key "${key.name}" (${key.id}).\nIt is shown only now; store it safely:\n\n  ${key.key}\n`,
      );
    } else if (sub === 'list') {
      const keys = await listApiKeys();
      const rows = keys.map((key) => ({
        id: key.id,
        name: key.name,
        prefix: key.prefix,
        createdAt: key.createdAt.toISOString(),
        lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
        revokedAt: key.revokedAt?.toISOString() ?? null,
      }));
      if (values.json) out(JSON.stringify(rows));
      else
        for (const row of rows)
          out(`${row.id}  ${row.prefix}…  ${row.name}${row.revokedAt ? '  (revoked)' : ''}`);
    } else if (sub === 'revoke') {
      const revoked = await revokeApiKey(need(arg, 'the key id or prefix'));
      if (!revoked) throw new UsageError('No live API key has that id or prefix');
      out('Revoked');
    } else {
      throw new UsageError(`Unknown api-key command "${sub ?? ''}"`);
    }
  } finally {
    await database.close();
  }
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  try {
    await run(argv);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(error instanceof UsageError ? `${message}\n\n${USAGE}` : message);
    process.exitCode = error instanceof UsageError ? 64 : 1;
  }
}
