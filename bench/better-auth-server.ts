// The comparison for inviteMember: better-auth's organization plugin, as its documentation sets it
// up, on the same PostgreSQL as Roster but in its own schema (search_path), in its own process.
// It creates its tables, signs up an owner, creates an organization per round on request, and
// prints one JSON line ({ url, cookie }) when it is ready. Invitation mail is a no-op callback
// (Roster's email worker is off in the bench too: both only record the invitation).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { organization } from 'better-auth/plugins';
import pg from 'pg';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const schema = process.env.BETTER_AUTH_SCHEMA ?? 'better_auth';
const poolSize = Number(process.env.DATABASE_POOL_SIZE ?? 10);

const setup = new pg.Client({ connectionString: databaseUrl });
await setup.connect();
await setup.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
await setup.query(`CREATE SCHEMA ${schema}`);
await setup.end();

const server = http.createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

export const auth = betterAuth({
  baseURL,
  secret: 'bench-only-secret-bench-only-secret-0123456789',
  database: new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    options: `-c search_path=${schema}`,
  }),
  emailAndPassword: { enabled: true },
  // Its default in-memory limiter (100 requests per 10 s per address) would refuse the load.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  plugins: [
    organization({
      // The default is 100 pending invitations per organization.
      invitationLimit: 1_000_000,
      async sendInvitationEmail() {},
    }),
  ],
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const signUp = await auth.api.signUpEmail({
  body: { email: 'owner@bench.example', password: 'bench-password-123', name: 'Owner' },
  returnHeaders: true,
});
const cookie = (signUp.headers.get('set-cookie') ?? '').split(';')[0]!;
if (!cookie) throw new Error('better-auth set no session cookie');

const authHandler = toNodeHandler(auth);
server.on('request', (req, res) => {
  void authHandler(req, res);
});
process.stdout.write(`${JSON.stringify({ url: baseURL, cookie })}\n`);
