// PostgreSQL's own statement log for one inviteMember (API key), one acceptInvitation and one
// member session read, through the real Yoga server in-process. It makes a scratch database with
// `log_statement = 'all'` (that database only), marks the start and end of each request in the log
// with a marker statement, and prints what the server logged in between. Needs a server whose log
// it can read:
//   LOG_LEVEL=warn DATABASE_URL=postgresql://postgres@127.0.0.1:55432/postgres PG_LOG=/tmp/pg/log \
//     npx tsx bench/statement-log.ts
import fs from 'node:fs';
import pg from 'pg';
import { openDatabase, prisma } from '../src/db.ts';
import { createApiKey } from '../src/services/api-keys.ts';
import { issueSession } from '../src/services/sessions.ts';
import { inProcessGraphQL } from './in-process.ts';
import { ACCEPT, INVITE, SESSION_READ, resultProblem, sessionReadProblem } from './operations.ts';

const serverUrl = process.env.DATABASE_URL;
const logFile = process.env.PG_LOG;
if (!serverUrl || !logFile)
  throw new Error('Set DATABASE_URL (a server) and PG_LOG (its log file)');
const name = 'roster_statement_log';
// STATEMENT_WIDTH=0 prints each statement whole.
const width = Number(process.env.STATEMENT_WIDTH ?? 160) || Infinity;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
await admin.query(`CREATE DATABASE ${name}`);
await admin.query(`ALTER DATABASE ${name} SET log_statement = 'all'`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const database = await openDatabase({ url: url.toString(), poolSize: 2 });
const marker = new pg.Client({ connectionString: url.toString() });
await marker.connect();

const gql = inProcessGraphQL();

const key = (await createApiKey('statement-log')).key;
const organization = await prisma.organization.create({
  data: { slug: 'statement-log', name: 'Log', defaultRedirectUrl: 'https://app.example.com/a' },
});
const owner = await prisma.member.create({
  data: {
    organizationId: organization.id,
    email: 'owner@log.example',
    emailNormalized: 'owner@log.example',
    status: 'ACTIVE',
    roles: ['owner'],
  },
});
const session = await prisma.$transaction((tx) => issueSession(tx, owner.id));
const orgId = Buffer.from(`Organization:${organization.id}`).toString('base64');
let n = 0;
const invite = async (notify: boolean) => {
  const res = await gql(
    INVITE,
    { input: { organization: { id: orgId }, email: `i${n++}@log.example`, notify } },
    key,
  );
  const problem = resultProblem(res, 'inviteMember', 'InviteMemberPayload');
  if (problem) throw new Error(problem);
  return res.data!.inviteMember;
};
// Warm up (and use the key and session once, so that their lastUsedAt is fresh).
await invite(true);
await gql(SESSION_READ, {}, session.token);
const forAccept = await invite(false);
const token = new URL(forAccept.acceptUrl).searchParams.get('token')!;

const requests: [string, () => Promise<void>][] = [
  ['inviteMember (API key)', async () => void (await invite(true))],
  [
    'acceptInvitation',
    async () => {
      const res = await gql(ACCEPT, { token });
      const problem = resultProblem(res, 'acceptInvitation', 'AcceptInvitationPayload');
      if (problem) throw new Error(problem);
    },
  ],
  [
    'member session read',
    async () => {
      const problem = sessionReadProblem(await gql(SESSION_READ, {}, session.token), null);
      if (problem) throw new Error(problem);
    },
  ],
];
// Only what this database's connections log from here on.
const from = fs.statSync(logFile).size;
for (const [label, run] of requests) {
  await marker.query(`SELECT 'roster-bench begin ${label}'`);
  await run();
  await marker.query(`SELECT 'roster-bench end ${label}'`);
}
await new Promise((resolve) => setTimeout(resolve, 500));
const log = fs.readFileSync(logFile).subarray(from).toString('utf8');
const markerPid = /\[(\d+)\] LOG:  statement: SELECT 'roster-bench begin/.exec(log)?.[1];
for (const [label] of requests) {
  const start = log.indexOf(`SELECT 'roster-bench begin ${label}'`);
  const end = log.indexOf(`SELECT 'roster-bench end ${label}'`);
  const statements = log
    .slice(log.indexOf('\n', start) + 1, log.lastIndexOf('\n', end))
    .split(/\n(?=\d{4}-\d\d-\d\d )/)
    .filter((line) => /LOG: {2}(statement|execute)/.test(line) && !line.includes(`[${markerPid}]`))
    .map((line) =>
      line.replace(/^.*?LOG: {2}(statement|execute [^:]*): /s, '').replace(/\s+/g, ' '),
    );
  console.log(`\n## ${label}: ${statements.length} statements`);
  statements.forEach((statement, i) =>
    console.log(
      `${String(i + 1).padStart(2)}. ${statement.length > width ? `${statement.slice(0, width - 3)}...` : statement}`,
    ),
  );
}
await marker.end();
await database.close();
await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
await admin.end();
