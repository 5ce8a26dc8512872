// `npm start`: the server, compiled (production) or from the sources (development); see launch.js.
// The server runs with the V8 settings of launch.js's `serverNodeFlags` (README "Memory"): when
// they are missing, this process re-executes itself with them before loading anything (execve:
// the same process id, no second process), where Node can (process.execve: Node 22.15+/23.11+, not
// on Windows); otherwise it runs without them.
import { load, serverNodeFlags } from './launch.js';

const flags = serverNodeFlags();
if (flags.length && typeof process.execve === 'function') {
  process.execve(
    process.execPath,
    [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)],
    process.env,
  );
}

const { main } = await load('server');
await main();
