// npm install's last step: generate the Prisma client into src/generated, which the TypeScript
// sources (tsx, the tests, `npm run build`) import. A production install (`npm ci --omit=dev`) has no
// Prisma CLI and needs no client sources: it runs the build in dist/, which holds the compiled client.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let cli;
try {
  cli = require.resolve('prisma/build/index.js');
} catch {
  console.log('prisma is not installed (production install): not generating the Prisma client');
  process.exit(0);
}
const result = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
