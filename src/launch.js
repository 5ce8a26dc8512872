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

/** Imports `src/<name>.ts`, or `dist/<name>.js` in production; returns its exports. */
export async function load(name) {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
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
