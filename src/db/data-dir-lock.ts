// The embedded database may be opened by one process at a time: a second PGlite on the same folder
// would corrupt it. A lock file guards the folder; it holds the owner's pid and, once the database
// is up, the URL of the Unix socket it serves, so that the `roster` command can work alongside a
// running server by connecting to it. A stale lock (its process is gone) is taken over. The folder
// is private to the server's OS user (0700) and the lock file readable by it only (0600).
import fs from 'node:fs';
import path from 'node:path';
import { makePrivateDir } from './private-dir.ts';

interface LockContent {
  pid: number;
  url?: string;
}

export interface DataDirLock {
  /** Records the URL the embedded database serves, for other processes to connect to. */
  publish(url: string): void;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockFile(dir: string): string {
  return path.join(dir, 'roster.lock');
}

function read(file: string): LockContent | undefined {
  try {
    const content = JSON.parse(fs.readFileSync(file, 'utf8')) as LockContent;
    return typeof content.pid === 'number' ? content : undefined;
  } catch {
    return undefined;
  }
}

/** The live process holding `dir`, if any, with the URL of the database it serves. */
export function lockHolder(dir: string): LockContent | undefined {
  const holder = read(lockFile(dir));
  return holder && holder.pid !== process.pid && alive(holder.pid) ? holder : undefined;
}

/** Takes the lock on `dir` or throws naming the process holding it. */
export function lockDataDir(dir: string): DataDirLock {
  makePrivateDir(dir);
  const file = lockFile(dir);
  const mine = (): boolean => read(file)?.pid === process.pid;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid }), { flag: 'wx', mode: 0o600 });
      return {
        publish(url) {
          if (mine()) {
            fs.writeFileSync(file, JSON.stringify({ pid: process.pid, url }), { mode: 0o600 });
          }
        },
        release() {
          if (mine()) fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = lockHolder(dir);
      if (holder) {
        throw new Error(
          `The embedded database in ${dir} is in use by another Roster process (pid ${holder.pid}). ` +
            'Stop it first, or set DATABASE_URL to use a PostgreSQL server.',
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not lock ${dir}`);
}
