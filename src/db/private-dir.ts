// A folder only this OS user can enter, for the embedded database's data, socket and lock. Its own
// module so that the lock (imported on every start) does not load PGlite with the embedded module.
import fs from 'node:fs';

/** Creates `dir` (and parents) if needed and makes it private to this OS user. */
export function makePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode does not apply to a folder that already exists (an older Roster made it 0755).
  fs.chmodSync(dir, 0o700);
}
