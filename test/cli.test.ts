// The command line and the server as a newcomer runs them: real processes, a real data folder.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess } from './helpers/server-process.ts';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-cli-'));
// The embedded database, whatever the surrounding environment says.
const { DATABASE_URL: _ignored, ...inherited } = process.env;
const env = { ...inherited, DATA_DIR: dataDir, LOG_LEVEL: 'info', NODE_ENV: 'development' };

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function roster(...args: string[]) {
  return roster.withEnv({})(...args);
}
roster.withEnv =
  (extra: Record<string, string>) =>
  (...args: string[]) => {
    const result = spawnSync(process.execPath, ['src/cli/bin.js', ...args], {
      cwd: root,
      env: { ...env, ...extra },
      encoding: 'utf8',
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

/** Starts `npm start`'s entry point on a free port; resolves once it listens. */
const startServer = () => startServerProcess('src/start.js', root, env);

async function query(url: string, token: string, body: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: body }),
  });
  return (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
}

describe('roster CLI and server', () => {
  let apiKey = '';

  it('api-key create --json prints exactly {"id","name","key"} on stdout', () => {
    const result = roster('api-key', 'create', '--name', 'backend', '--json');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as Record<string, string>;
    expect(Object.keys(parsed).sort()).toEqual(['id', 'key', 'name']);
    expect(parsed.name).toBe('backend');
    expect(parsed.key).toMatch(/^rk_[A-Za-z0-9_-]{43}$/);
    apiKey = parsed.key!;
  });

  it('bootstrap creates an organization, an owner, a key and a session and says what to do next', async () => {
    // A port nothing listens on (one just freed), so that no server answers there.
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const text = roster.withEnv({ PORT: String(port) })(
      'bootstrap',
      '--slug',
      'first-org',
      '--email',
      'me@example.com',
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Authorization');
    expect(text.stdout).toContain('first-org');
    // No server is running yet (nothing answers at PORT): the next step is to start one.
    expect(text.stdout).toContain(`Next: run \`npm start\`, open http://localhost:${port}/graphql`);
    const again = roster('bootstrap', '--slug', 'first-org');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('rejects unknown commands with usage', () => {
    const result = roster('frobnicate');
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('Usage: roster');
  });

  it('serves the bootstrapped data, lets the CLI work alongside, refuses a second server on the folder, stops on SIGTERM and keeps data across restarts', async () => {
    const first = startServer();
    const url = await first.url;
    const found = await query(
      url,
      apiKey,
      '{ organization(by: { slug: "first-org" }) { ... on Organization { slug } } }',
    );
    expect(found.data?.organization).toEqual({ slug: 'first-org' });

    // The CLI works alongside the running server, through the database it serves.
    const created = roster('api-key', 'create', '--name', 'while-running', '--json');
    expect(created.stderr).not.toMatch(/in use/);
    expect(created.code).toBe(0);
    const liveKey = (JSON.parse(created.stdout) as { key: string }).key;
    const viewer = await query(url, liveKey, '{ viewer { kind } }');
    expect(viewer.data?.viewer).toEqual({ kind: 'API_KEY' });

    // Bootstrap while the server runs does not tell the reader to start it.
    const port = new URL(url).port;
    const bootstrapped = roster.withEnv({ PORT: port })('bootstrap', '--slug', 'second-org');
    expect(bootstrapped.code).toBe(0);
    expect(bootstrapped.stdout).toContain(`Next: open http://localhost:${port}/graphql`);
    expect(bootstrapped.stdout).not.toContain('npm start');

    // A second server on the same folder is refused.
    const rival = startServer();
    await expect(rival.url).rejects.toThrow(/in use by another Roster process/);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('"msg":"stopped"');

    const second = startServer();
    const url2 = await second.url;
    const again = await query(
      url2,
      apiKey,
      '{ organization(by: { slug: "first-org" }) { ... on Organization { slug } } }',
    );
    expect(again.data?.organization).toEqual({ slug: 'first-org' });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
