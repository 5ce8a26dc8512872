#!/usr/bin/env node
// The `roster` executable: the CLI, compiled (production) or from the sources; see ../launch.js.
import { load } from '../launch.js';

// Logs go to stderr so that command output (e.g. --json) can be piped.
process.env.ROSTER_LOG_STDERR ??= '1';

const { main } = await load('cli/index');
await main();
