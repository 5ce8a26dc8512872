#!/usr/bin/env node
// The `roster` executable: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

// Logs go to stderr so that command output (e.g. --json) can be piped.
process.env.ROSTER_LOG_STDERR ??= '1';

register();
const { main } = await import('./index.ts');
await main();
