// How the plain-JavaScript entry points (`npm start`, the `roster` command) load Roster: the compiled
// build in dist/ in production, or when the TypeScript tools are not installed (npm ci --omit=dev);
// otherwise the TypeScript sources through tsx, so that `npm install && npm start` needs no build
// step and a change to src/ shows up without one. A .env file in the working directory is read
// first, so that it can set NODE_ENV here and LOG_LEVEL before the logger exists (variables already
// in the environment win).
import fs from 'node:fs';

async function tsxLoader() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return undefined;
  }
}

function loadDotEnv() {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
}

/**
 * V8 settings for the server, measured under the benchmark's load (README "Memory"):
 * - `--max-semi-space-size=16`: V8 lets the young generation grow to 2 × 64 MB on a machine with
 *   this much memory, and a server under load keeps it there; 2 × 16 MB costs a few more scavenges.
 * - `--liftoff-only`: no optimizing compiler for WebAssembly. Optimizing PostgreSQL's large functions
 *   in PGlite (the embedded database) took hundreds of MB; on PostgreSQL it is Prisma's query
 *   compiler, about 30 MB, for code that runs only when a query plan is not cached yet.
 * Flags the operator already gives (on the command line or in NODE_OPTIONS) are left as they are.
 */
export function serverNodeFlags() {
  loadDotEnv();
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return ['--max-semi-space-size=16', '--liftoff-only'].filter((flag) => {
    const name = flag.split('=')[0];
    return !given.some((option) => option === name || option.startsWith(`${name}=`));
  });
}

/** Imports `src/<name>.ts`, or `dist/<name>.js` in production; returns its exports. */
export async function load(name) {
  loadDotEnv();
  const tsx = process.env.NODE_ENV === 'production' ? undefined : await tsxLoader();
  if (tsx) {
    tsx.register();
    return import(new URL(`./${name}.ts`, import.meta.url).href);
  }
  const built = new URL(`../dist/${name}.js`, import.meta.url);
  if (!fs.existsSync(built)) {
    console.error(
      `Roster is not built (${built.pathname} is missing): run \`npm run build\` first, or ` +
        'install the development dependencies and leave NODE_ENV unset to run the sources.',
    );
    process.exit(1);
  }
  return import(built.href);
}
