// The embedded default: PGlite (PostgreSQL compiled to WebAssembly) with its data in a folder,
// served by pglite-socket so that the same `pg` driver and Prisma adapter talk to it as to a real
// PostgreSQL server. PGlite itself is one session: the socket server multiplexes several
// connections onto it, and while one connection is inside a transaction it runs only that
// connection's statements. The application still uses a pool of one (src/db.ts); the extra
// connections are for short-lived clients such as the migrator, the `roster` command and a
// closing pool's successor.
//
// It has no password and every connection is a superuser, so it is served on a Unix socket in a
// folder only this OS user can enter (0700), never on a TCP port: another user of the host, or
// anything that can reach a loopback port, cannot connect to it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { makePrivateDir } from './private-dir.ts';

export { makePrivateDir };

export interface EmbeddedDatabase {
  url: string;
  /** The Unix socket the database is served on. */
  socketPath: string;
  stop(): Promise<void>;
}

// libpq and `pg` look for <host>/.s.PGSQL.<port> when the host is a folder.
const SOCKET_NAME = '.s.PGSQL.5432';
// sun_path holds 108 bytes on Linux (104 on macOS) including the terminating NUL.
const MAX_SOCKET_PATH = 100;

// PostgreSQL's shared buffers live in PGlite's WebAssembly memory, which grows as pages are touched
// and never shrinks. PostgreSQL's default (128 MB) ends up resident under load; a quarter of it holds
// a small deployment's working set, and a page not in it comes from the operating system's cache.
const SHARED_BUFFERS = '32MB';
const START_PARAMS = [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`];

// Creating a database (initdb) peaks near 1 GB and leaves the process over 100 MB larger for good,
// so a new data folder is created by a short-lived child process; the server then opens it.
const INITDB_SCRIPT = `
const [dataDir] = process.argv.slice(1);
const { PGlite } = await import('@electric-sql/pglite');
const db = await PGlite.create({ dataDir });
await db.close();
`;

/**
 * Creates the database in `dataDir` when it has none, in a child process: into a sibling folder
 * first, moved into place when complete, so that an interrupted first start leaves no half-made
 * database behind.
 */
async function createDataDir(dataDir: string): Promise<void> {
  if (fs.readdirSync(dataDir).length) return; // a database already (or not ours to replace)
  const staging = `${dataDir}.initdb`;
  fs.rmSync(staging, { recursive: true, force: true }); // left by an interrupted first start
  makePrivateDir(staging);
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', INITDB_SCRIPT, staging],
    // The script's import resolves from its working folder: this module's, inside the project.
    { cwd: path.dirname(fileURLToPath(import.meta.url)), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(`Could not create the embedded database in ${dataDir}: ${stderr.trim()}`);
  }
  fs.rmdirSync(dataDir);
  fs.renameSync(staging, dataDir);
}

/**
 * Starts PGlite; `dataDir` undefined keeps the database in memory (tests). The socket goes in
 * `socketDir` (made 0700), or in a fresh private folder under the system's temporary folder when
 * none is given or its path is too long for a socket.
 */
export async function startEmbeddedDatabase(
  dataDir?: string,
  socketDir?: string,
): Promise<EmbeddedDatabase> {
  if (dataDir) {
    makePrivateDir(dataDir);
    await createDataDir(dataDir);
  }
  let dir: string;
  let temporary = false;
  if (socketDir && path.join(socketDir, SOCKET_NAME).length <= MAX_SOCKET_PATH) {
    makePrivateDir(socketDir);
    dir = socketDir;
  } else {
    // mkdtemp creates the folder 0700.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-db-'));
    temporary = true;
  }
  const socketPath = path.join(dir, SOCKET_NAME);
  // Whoever holds the data folder's lock owns this socket; one left by a crash is stale.
  fs.rmSync(socketPath, { force: true });
  const pglite = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    startParams: START_PARAMS,
    // The emailContains filters' trigram indexes (migration 20261130043229_email_trigram_indexes).
    extensions: { pg_trgm },
  });
  const server = new PGLiteSocketServer({ db: pglite, path: socketPath, maxConnections: 16 });
  try {
    await server.start();
    fs.chmodSync(socketPath, 0o600);
  } catch (error) {
    await server.stop();
    await pglite.close();
    if (temporary) fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(dir)}&sslmode=disable`,
    socketPath,
    async stop() {
      await server.stop();
      await pglite.close();
      fs.rmSync(temporary ? dir : socketPath, { recursive: true, force: true });
    },
  };
}
