// Runs the story against a running Roster and prints its outcome as JSON on stdout (progress on
// stderr). With a server started by `npm start` (no SMTP_URL, so mail goes to the local sink):
//
//   ROSTER_API_KEY=$(npm run -s roster -- bootstrap --json | jq -r .apiKey.key) \
//     node --import tsx examples/src/main.ts
//
// Environment: ROSTER_API_KEY (required), ROSTER_GRAPHQL_URL (default
// http://localhost:4000/graphql), ROSTER_MAIL_DIR (default .roster-data/mail), ROSTER_SLUG
// (default example-<random>).
import crypto from 'node:crypto';
import path from 'node:path';
import { runStory } from './story.ts';

const {
  ROSTER_API_KEY: apiKey,
  ROSTER_GRAPHQL_URL: graphqlUrl,
  ROSTER_MAIL_DIR: mailDir,
  ROSTER_SLUG: slug,
} = process.env;
if (!apiKey) {
  console.error('Set ROSTER_API_KEY (from `roster bootstrap --json` or `roster api-key create`)');
  process.exit(64);
}
const suffix = crypto.randomBytes(3).toString('hex');

try {
  const result = await runStory({
    graphqlUrl: graphqlUrl || 'http://localhost:4000/graphql',
    apiKey,
    mailDir: path.resolve(mailDir || path.join('.roster-data', 'mail')),
    slug: slug || `example-${suffix}`,
    acceptPageUrl: 'http://localhost:5173/accept-invitation',
    owner: { email: `ada.${suffix}@example.com`, name: 'Ada' },
    colleague: { email: `grace.${suffix}@example.com`, name: 'Grace' },
    log: (line) => console.error(line),
  });
  console.log(JSON.stringify(result, null, 2));
} catch (error) {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
}
