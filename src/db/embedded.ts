// The embedded default: PGlite (PostgreSQL compiled to WebAssembly) with its data in a folder,
// served on a loopback port by pglite-socket so that the same `pg` driver and Prisma adapter talk
// to it as to a real PostgreSQL server. PGlite itself is one session: the socket server multiplexes
// several connections onto it, and while one connection is inside a transaction it runs only that
// connection's statements. The application still uses a pool of one (src/db.ts); the extra
// connections are for short-lived clients such as the migrator and a closing pool's successor.
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** Starts PGlite; `dataDir` undefined keeps the database in memory (tests). */
export async function startEmbeddedDatabase(dataDir?: string): Promise<EmbeddedDatabase> {
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir ? { dataDir } : {});
  const server = new PGLiteSocketServer({
    db: pglite,
    host: '127.0.0.1',
    port: 0,
    maxConnections: 16,
  });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgresql://postgres@${address}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await pglite.close();
    },
  };
}
