// The embedded database may be opened by one process at a time: a second PGlite on the same folder
// would corrupt it. A lock file holding the owner's pid guards the folder; a stale lock (its process
// is gone) is taken over.
import fs from 'node:fs';
import path from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock on `dir` or throws naming the process holding it; returns the release function. */
export function lockDataDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'roster.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(file, 'utf8'));
      if (holder && holder !== process.pid && alive(holder)) {
        throw new Error(
          `The embedded database in ${dir} is in use by another Roster process (pid ${holder}). ` +
            'Stop it first, or set DATABASE_URL to use a PostgreSQL server.',
        );
      }
      fs.unlinkSync(file);
    }
  }
  throw new Error(`Could not lock ${dir}`);
}
