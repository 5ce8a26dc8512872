// The production build as an operator runs it: `npm run build`, then the compiled server and CLI with
// NODE_ENV=production (no tsx, no TypeScript), on a fresh embedded database.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess } from './helpers/server-process.ts';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-build-'));
const { DATABASE_URL: _ignored, ...inherited } = process.env;
const env = { ...inherited, DATA_DIR: dataDir, NODE_ENV: 'production', LOG_LEVEL: 'info' };

/**
 * Runs a command to its end, asynchronously: a long synchronous child (the build takes a minute on a
 * busy machine) would stall vitest's worker past its own timeouts.
 */
async function run(command: string, args: string[]) {
  const child = spawn(command, args, { cwd: root, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

/** Every JavaScript file under `dir`. */
function jsFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js'))
    .map((file) => path.join(dir, file));
}

/** The package a bare import specifier names: `pino`, `@prisma/client/runtime/client` → `@prisma/client`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

describe('the production build', () => {
  beforeAll(async () => {
    const build = await run('npm', ['run', 'build']);
    expect(build.code, build.stdout + build.stderr).toBe(0);
  }, 300_000);

  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('compiles the server, the CLI and the generated Prisma client to JavaScript in dist/', () => {
    for (const file of ['server.js', 'cli/index.js', 'generated/prisma/client.js', 'db/migrate.js'])
      expect(fs.existsSync(path.join(root, 'dist', file)), file).toBe(true);
    // Relative imports were rewritten from .ts to .js.
    expect(fs.readFileSync(path.join(root, 'dist/server.js'), 'utf8')).toContain('from "./db.js"');
  });

  it('imports only runtime dependencies, so a production install (--omit=dev) runs it', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const imported = new Set<string>();
    const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"'./][^"']*)["']/g;
    for (const file of jsFiles(path.join(root, 'dist')))
      for (const [, specifier] of fs.readFileSync(file, 'utf8').matchAll(pattern))
        imported.add(packageOf(specifier!));
    const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
    const outside = [...imported].filter(
      (name) => !builtins.has(name) && !(name in pkg.dependencies),
    );
    expect(outside).toEqual([]);
    expect(imported.has('graphql-yoga')).toBe(true); // the scan sees imports at all
  });

  it("does not load at start-up what a mode may not use: PGlite, GraphiQL's assets, nodemailer", () => {
    // The static import graph of dist/server.js (dynamic import() loads on demand, not at start).
    const staticImport =
      /(?:^|;|\n)\s*(?:import|export)\s*(?:[\w*{}\s,$]+\s*from\s*)?["']([^"']+)["']/g;
    const seen = new Set<string>();
    const specifiers = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, specifier] of fs.readFileSync(file, 'utf8').matchAll(staticImport)) {
        if (specifier!.startsWith('.')) visit(path.resolve(path.dirname(file), specifier!));
        else specifiers.add(specifier!);
      }
    };
    visit(path.join(root, 'dist/server.js'));
    expect(specifiers).toContain('graphql-yoga'); // the scan sees imports at all
    expect(specifiers).toContain('@prisma/adapter-pg');
    expect(seen).toContain(path.join(root, 'dist/db.js'));
    const lazy = [
      '@electric-sql/pglite',
      '@electric-sql/pglite-socket',
      '@graphql-yoga/render-graphiql/graphiql',
      'nodemailer',
      'nodemailer/lib/shared/index.js',
    ];
    expect([...specifiers].filter((specifier) => lazy.includes(specifier))).toEqual([]);
    expect(seen).not.toContain(path.join(root, 'dist/db/embedded.js'));
  });

  it('serves /healthz and GraphQL from dist/server.js, and the roster CLI runs from the build', async () => {
    const key = await run(process.execPath, [
      'src/cli/bin.js',
      'api-key',
      'create',
      '--name',
      'ops',
      '--json',
    ]);
    expect(key.code, key.stderr).toBe(0);
    const { key: apiKey } = JSON.parse(key.stdout) as { key: string };

    // tsx is not loaded: the server and the CLI must not need it.
    const server = startServerProcess('dist/server.js', root, env);
    const { child, exited } = server;
    try {
      const url = await server.url;
      const health = await fetch(`${url}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok' });
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ query: '{ viewer { kind } }' }),
      });
      expect(await response.json()).toEqual({ data: { viewer: { kind: 'API_KEY' } } });
      // Production turns GraphiQL off by default.
      const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toContain('<html');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(server.output()).not.toMatch(/tsx/);
  });

  it.skipIf(!fs.existsSync('/proc/self/cmdline'))(
    "runs the server through the launcher (npm start) with the launcher's V8 settings, in one process",
    async () => {
      const server = startServerProcess('src/start.js', root, env);
      const { child, exited } = server;
      try {
        const url = await server.url;
        expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
        // The process we started re-executed itself with the flags (same pid, no child).
        const argv = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
        expect(argv).toContain('--max-semi-space-size=16');
        expect(argv).toContain('--liftoff-only');
        expect(argv).toContain(path.join(root, 'src/start.js'));
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
    },
  );
});
