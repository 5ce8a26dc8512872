// A Roster server as its own process (`npm start`'s launcher, or the compiled dist/server.js), on a
// free port of 127.0.0.1: for the tests of what runs outside vitest's process.
import { spawn } from 'node:child_process';

/** Starts `entry` with Node; `url` resolves once the server logs where it listens. */
export function startServerProcess(entry: string, cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [entry], {
    cwd,
    env: { ...env, PORT: '0', HOST: '127.0.0.1' },
  });
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, url, exited, output: () => output };
}
