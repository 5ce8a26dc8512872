// `npm run bench`: Roster beside its comparisons, measured alternately in one run (Roster,
// comparison, Roster, comparison, ...; medians of the rounds), every response checked and every
// write counted in the database. See the README's "Benchmark" section.
//
// Environment (or flags): DATABASE_URL (a PostgreSQL database the bench may fill; unset = the
// embedded database, Roster rows only), BENCH_ROUNDS / --rounds (3), BENCH_REQUESTS / --requests
// (invites per run, 600), BENCH_READS / --reads (reads and accepts per run, 300),
// BENCH_SCALE / --scale (pending invitations in the scale case, 100000), BENCH_ONLY / --only
// (comma-separated: invite10, invite50, read, accept, scale, and pipeline: the fixed cost of the
// HTTP + Yoga + plugin edge, a trivial query beside bare Yoga's, not in the default set), BENCH_CPU_PROF / --cpu-prof DIR
// (write a V8 CPU profile of the Roster server there), BENCH_EMAIL_WORKER=true (deliver mail to the
// local sink during the run; off by default), BENCH_NODE_ARGS (more Node options for the Roster
// server, space-separated, e.g. to try V8 heap settings).
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { lockHolder } from '../src/db/data-dir-lock.ts';
import {
  INVITES_PER_ORGANIZATION_PER_HOUR,
  ORGANIZATION_INVITE_LIMIT,
} from '../src/services/invitations/shared.ts';
import { storedRateLimitKey } from '../src/services/rate-limits.ts';
import { load as loadRun, type LoadOptions, type LoadResult } from './load.ts';
import {
  ACCEPT,
  INVITATIONS_PAGE,
  INVITATIONS_SEARCH,
  INVITE,
  SESSION_READ,
  resultProblem,
  sessionReadProblem,
  graphqlClient,
  type GraphQLBody,
} from './operations.ts';
import { embeddedMemoryRun, type MemoryRunResult } from './memory-run.ts';
import { localPostgresCpuMeter, startChild, startRoster, type Child } from './processes.ts';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string' },
    requests: { type: 'string' },
    reads: { type: 'string' },
    scale: { type: 'string' },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
const env = process.env;
const settings = {
  rounds: Number(flags.rounds ?? env.BENCH_ROUNDS ?? 3),
  requests: Number(flags.requests ?? env.BENCH_REQUESTS ?? 600),
  reads: Number(flags.reads ?? env.BENCH_READS ?? 300),
  scale: Number(flags.scale ?? env.BENCH_SCALE ?? 100_000),
  only: new Set((flags.only ?? env.BENCH_ONLY ?? 'invite10,invite50,read,accept,scale').split(',')),
  cpuProf: flags['cpu-prof'] ?? env.BENCH_CPU_PROF,
  emailWorker: env.BENCH_EMAIL_WORKER === 'true',
  nodeArgs: (env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
};
const databaseUrl = env.DATABASE_URL;
// The database's CPU per request is measured when PostgreSQL runs on this machine (its processes
// are visible in /proc); the embedded database runs inside Roster's process and counts there.
const databaseIsLocal =
  !!databaseUrl && ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(databaseUrl).hostname);
const load = (options: LoadOptions) =>
  loadRun(databaseIsLocal ? { ...options, databaseCpu: localPostgresCpuMeter } : options);
const root = path.resolve(import.meta.dirname, '..');
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-bench-'));
const say = (line: string) => console.log(line);

// ---------------------------------------------------------------------------------------------
// Results

interface Row {
  workload: string;
  roster: string;
  comparison: string;
  ratio: string;
}
const rows: Row[] = [];
const failures: string[] = [];

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const fmtRate = (value: number) => `${Math.round(value).toLocaleString('en-US')}/s`;
const fmtMs = (value: number) => `${Math.round(value)} ms`;

interface Series {
  rate: number;
  p50: number;
  /** Medians of the server's and the database's CPU ms per request, when measured. */
  cpu?: number;
  databaseCpu?: number;
}
function summarize(runs: LoadResult[]): Series {
  const measured = (values: (number | undefined)[]) =>
    values.every((value) => value !== undefined) ? median(values as number[]) : undefined;
  return {
    rate: median(runs.map((r) => r.rate)),
    p50: median(runs.map((r) => r.p50)),
    cpu: measured(runs.map((r) => r.cpuMsPerRequest)),
    databaseCpu: measured(runs.map((r) => r.databaseCpuMsPerRequest)),
  };
}
/** ", CPU 3.7 ms + PG 2.1 ms": CPU per request of the server and of PostgreSQL, when measured. */
function cpuNote(series: Series): string {
  if (series.cpu === undefined) return '';
  const database =
    series.databaseCpu === undefined ? '' : ` + PG ${series.databaseCpu.toFixed(1)} ms`;
  return `, CPU ${series.cpu.toFixed(1)} ms${database}`;
}

/** Records failures of a run; returns the run. */
function checked(label: string, result: LoadResult): LoadResult {
  const bad = result.failed + result.unchecked;
  say(
    `  ${label}: ${fmtRate(result.rate)}, p50 ${fmtMs(result.p50)}, p99 ${fmtMs(result.p99)}${result.cpuMsPerRequest === undefined ? '' : `, server CPU ${result.cpuMsPerRequest.toFixed(2)} ms/request`}${result.databaseCpuMsPerRequest === undefined ? '' : `, PostgreSQL CPU ${result.databaseCpuMsPerRequest.toFixed(2)} ms/request`}, ${result.ok} ok${bad ? `, ${result.failed} failed, ${result.unchecked} unchecked` : ''}`,
  );
  if (bad) {
    for (const [reason, count] of result.problems) say(`    ${count}× ${reason}`);
    failures.push(
      `${label}: ${result.failed} failed, ${result.unchecked} unchecked: ${[...result.problems]
        .map(([reason, count]) => `${count}× ${reason}`)
        .join('; ')}`,
    );
  }
  return result;
}

function expectCount(label: string, counted: number, expected: number) {
  if (counted !== expected) {
    failures.push(`${label}: ${counted} rows in the database for ${expected} successes`);
    say(`  ${label}: ${counted} rows in the database, expected ${expected}: MISMATCH`);
  }
}

// ---------------------------------------------------------------------------------------------
// Roster and its helpers

const rawId = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1]!;
const unique = () => crypto.randomBytes(4).toString('hex');
const tokenOf = (acceptUrl: string) => new URL(acceptUrl).searchParams.get('token')!;

const CREATE_ORGANIZATION = /* GraphQL */ `
  mutation BenchCreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      __typename
      ... on OrganizationPayload {
        organization {
          id
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`;

async function main() {
  say(`Roster benchmark, ${new Date().toISOString()}`);
  say(
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  say(
    databaseUrl
      ? `Database: PostgreSQL at ${new URL(databaseUrl).host}${new URL(databaseUrl).pathname} (Roster, better-auth and the floor all on it)`
      : 'Database: NONE GIVEN, so Roster runs on its EMBEDDED database (PGlite); the better-auth and floor comparisons need DATABASE_URL and are skipped',
  );
  say(
    `Email: ${settings.emailWorker ? "Roster's worker delivers to the local mail sink (files) during the run" : "Roster's email worker is off (EMAIL_WORKER=false): invitations queue their mail in the outbox, nothing is delivered; better-auth's sendInvitationEmail is a no-op"}`,
  );
  say(
    `Settings: ${settings.rounds} rounds; ${settings.requests} invites and ${settings.reads} reads/accepts per run; ${settings.scale.toLocaleString('en-US')} pending invitations in the scale case; logs in ${logDir}`,
  );
  say(
    'The machine may be shared: absolute numbers are noisy; the ratios, measured side by side, are what count.\n',
  );

  const memory: { main?: Pick<MemoryRunResult, 'peakMb' | 'endMb'>; embedded?: MemoryRunResult } =
    {};
  const dataDir = databaseUrl ? undefined : path.join(logDir, 'roster-data');
  const serverEnv = {
    PATH: env.PATH,
    HOME: env.HOME,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'info',
    EMAIL_WORKER: String(settings.emailWorker),
    // The bench's links point at app.example.com (bootstrap's default at localhost:3000).
    REDIRECT_ORIGINS: 'https://app.example.com,http://localhost:3000',
    // Every accept comes from one loopback address: the per-address throttle on token operations
    // stays on (its statement is part of the cost measured) but high enough not to refuse the load.
    RATE_LIMIT_TOKEN_PER_IP: '100000000/1m',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: dataDir }),
  };
  // As `npm start` runs it in production: the launcher (src/start.js) and the compiled build.
  await promisify(execFile)('npm', ['run', '--silent', 'build'], { cwd: root });
  const roster = await startRoster({
    name: 'roster',
    env: serverEnv,
    logDir,
    nodeArgs: [
      ...(settings.cpuProf
        ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(settings.cpuProf)}`]
        : []),
      ...settings.nodeArgs,
    ],
  });
  const children: Child[] = [roster];
  const dbUrl = databaseUrl ?? lockHolder(dataDir!)?.url;
  if (!dbUrl) throw new Error('Cannot find the embedded database of the Roster server');
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  const count = async (sql: string, params: unknown[]) =>
    Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);

  try {
    const gql = graphqlClient(roster.url);
    const cli = await promisify(execFile)(
      process.execPath,
      [
        'src/cli/bin.js',
        'bootstrap',
        '--slug',
        `bench-${unique()}`,
        '--email',
        'owner@bench.example',
        '--json',
      ],
      { cwd: root, env: serverEnv },
    );
    const boot = JSON.parse(cli.stdout.trim().split('\n').pop()!) as {
      organization: { id: string };
      owner: { id: string };
      apiKey: { key: string };
      session: { token: string };
    };
    const apiKey = boot.apiKey.key;
    const bearer = { authorization: `Bearer ${apiKey}` };
    say(`Roster: pid ${roster.pid}, ${roster.url}, idle RSS ${Math.round(roster.rssMb())} MB`);

    const newOrganization = async (seatLimit?: number) => {
      const res = await gql(
        CREATE_ORGANIZATION,
        {
          input: {
            name: 'Bench',
            slug: `bench-${unique()}`,
            settings: { defaultRedirectUrl: 'https://app.example.com/accept', seatLimit },
          },
        },
        apiKey,
      );
      const problem = resultProblem(res, 'createOrganization', 'OrganizationPayload');
      if (problem) throw new Error(`createOrganization: ${problem}`);
      const id = res.data!.createOrganization.organization.id as string;
      return { id, raw: rawId(id) };
    };
    /**
     * Roster lets an organization send INVITES_PER_ORGANIZATION_PER_HOUR invitations an hour, so a
     * run of invites is spread over enough fresh organizations (the same spread for the
     * comparisons); request i goes to organization i mod k.
     */
    const organizationsFor = async (requests: number, create: () => Promise<string>) => {
      const perOrganization = INVITES_PER_ORGANIZATION_PER_HOUR - 10;
      const ids: string[] = [];
      for (let k = 0; k < Math.ceil(requests / perOrganization); k++) ids.push(await create());
      return ids;
    };
    const inviteBody = (organizationIds: string[], prefix: string, extra: object = {}) => {
      return (i: number) => ({
        query: INVITE,
        variables: {
          input: {
            organization: { id: organizationIds[i % organizationIds.length] },
            email: `${prefix}-${i}@bench.example`,
            ...extra,
          },
        },
      });
    };
    const isInvite = (body: GraphQLBody) =>
      resultProblem(body, 'inviteMember', 'InviteMemberPayload');
    const invitationsIn = (organizationIds: string[]) =>
      count('SELECT count(*) AS n FROM invitations WHERE organization_id = ANY($1::uuid[])', [
        organizationIds.map(rawId),
      ]);
    const newOrganizationId = async () => (await newOrganization()).id;
    const rosterInvites = async (label: string, connections: number, requests: number) => {
      const orgs = await organizationsFor(requests, newOrganizationId);
      const run = checked(
        label,
        await load({
          url: roster.url,
          server: roster,
          connections,
          requests,
          headers: bearer,
          body: inviteBody(orgs, `r${unique()}`),
          check: isInvite,
        }),
      );
      expectCount(label, await invitationsIn(orgs), run.ok);
      return run;
    };

    // Comparisons (PostgreSQL only, but for bare Yoga).
    const childEnv = { PATH: env.PATH, HOME: env.HOME, NODE_ENV: 'production' };
    const hello = await startChild({
      name: 'yoga-hello',
      args: ['--import', 'tsx', 'bench/hello-server.ts'],
      env: childEnv,
      logDir,
    });
    children.push(hello);
    let floor: Child | undefined;
    let betterAuth: Child | undefined;
    if (databaseUrl) {
      floor = await startChild({
        name: 'floor',
        args: ['--import', 'tsx', 'bench/floor-server.ts'],
        env: { ...childEnv, DATABASE_URL: databaseUrl },
        logDir,
      });
      betterAuth = await startChild({
        name: 'better-auth',
        args: ['--import', 'tsx', 'bench/better-auth-server.ts'],
        env: { ...childEnv, DATABASE_URL: databaseUrl, BETTER_AUTH_SCHEMA: 'bench_better_auth' },
        logDir,
      });
      children.push(floor, betterAuth);
    }
    const floorInvites = async (label: string, connections: number, requests: number) => {
      const orgs = await organizationsFor(requests, newOrganizationId);
      const run = checked(
        label,
        await load({
          url: floor!.url,
          server: floor!,
          connections,
          requests,
          headers: bearer,
          body: inviteBody(orgs, `f${unique()}`),
          check: isInvite,
        }),
      );
      expectCount(label, await invitationsIn(orgs), run.ok);
      return run;
    };
    /** Bare Yoga's `{ hello }` at 10 connections, every answer checked. */
    const helloQueries = async (label: string, requests: number) =>
      checked(
        label,
        await load({
          url: `${hello.url}/graphql`,
          server: hello,
          connections: 10,
          requests,
          body: () => ({ query: '{ hello }' }),
          check: (body) =>
            body.data?.hello === 'world' ? null : JSON.stringify(body).slice(0, 200),
        }),
      );
    const betterAuthInvites = async (label: string, connections: number, requests: number) => {
      const { url, cookie } = betterAuth!.ready as { url: string; cookie: string };
      const headers = { cookie, origin: url };
      const orgs = await organizationsFor(requests, async () => {
        const created = await fetch(`${url}/api/auth/organization/create`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Bench', slug: `bench-${unique()}` }),
        });
        const id = ((await created.json()) as { id?: string }).id;
        if (!id) throw new Error('better-auth did not create an organization');
        return id;
      });
      const prefix = `b${unique()}`;
      const run = checked(
        label,
        await load({
          url: `${url}/api/auth/organization/invite-member`,
          server: betterAuth!,
          connections,
          requests,
          headers,
          body: (i) => ({
            email: `${prefix}-${i}@bench.example`,
            role: 'member',
            organizationId: orgs[i % orgs.length],
          }),
          // A created invitation comes back as the invitation itself.
          check: (body) => {
            const invitation = body as unknown as { id?: string; status?: string };
            return invitation.id && invitation.status === 'pending'
              ? null
              : JSON.stringify(body).slice(0, 200);
          },
        }),
      );
      expectCount(
        label,
        await count(
          'SELECT count(*) AS n FROM bench_better_auth.invitation WHERE "organizationId" = ANY($1)',
          [orgs],
        ),
        run.ok,
      );
      return run;
    };

    // Warm every server up (first requests compile and fill caches) before measuring invites.
    if (['invite10', 'invite50', 'accept', 'scale'].some((name) => settings.only.has(name))) {
      say('Warming up');
      await rosterInvites('warm-up Roster', 10, 200);
      if (floor) await floorInvites('warm-up floor', 10, 200);
      if (betterAuth) await betterAuthInvites('warm-up better-auth', 10, 200);
    }

    for (const connections of [10, 50]) {
      if (!settings.only.has(`invite${connections}`)) continue;
      say(`\ninviteMember, API key, ${connections} connections`);
      const runs = {
        roster: [] as LoadResult[],
        betterAuth: [] as LoadResult[],
        floor: [] as LoadResult[],
      };
      for (let round = 1; round <= settings.rounds; round++) {
        runs.roster.push(
          await rosterInvites(
            `${connections} conn., Roster ${round}`,
            connections,
            settings.requests,
          ),
        );
        if (betterAuth) {
          runs.betterAuth.push(
            await betterAuthInvites(
              `${connections} conn., better-auth ${round}`,
              connections,
              settings.requests,
            ),
          );
        }
        if (floor)
          runs.floor.push(
            await floorInvites(
              `${connections} conn., floor ${round}`,
              connections,
              settings.requests,
            ),
          );
      }
      const r = summarize(runs.roster);
      const workload = `inviteMember, ${connections} connections`;
      if (betterAuth) {
        const b = summarize(runs.betterAuth);
        rows.push({
          workload,
          roster: `${fmtRate(r.rate)}, p50 ${fmtMs(r.p50)}${cpuNote(r)}`,
          comparison: `better-auth invite-member: ${fmtRate(b.rate)}, p50 ${fmtMs(b.p50)}${cpuNote(b)}`,
          ratio: `${(r.rate / b.rate).toFixed(2)}×`,
        });
        const f = summarize(runs.floor);
        rows.push({
          workload: `  same`,
          roster: '',
          comparison: `node:http + pg floor: ${fmtRate(f.rate)}, p50 ${fmtMs(f.p50)}${cpuNote(f)}`,
          ratio: `${(r.rate / f.rate).toFixed(2)}×`,
        });
      } else {
        rows.push({
          workload,
          roster: `${fmtRate(r.rate)}, p50 ${fmtMs(r.p50)}${cpuNote(r)}`,
          comparison: 'n/a (embedded database)',
          ratio: '',
        });
      }
    }

    if (settings.only.has('pipeline')) {
      // The edge alone: a query that reads no table beyond the session lookup, and one that reads
      // none at all, beside bare Yoga. The CPU time per request is the pipeline's fixed cost.
      say('\nPipeline: trivial queries through the whole edge, 10 connections');
      const requests = Math.max(settings.reads, 2000);
      const cases: {
        workload: string;
        headers: Record<string, string>;
        query: string;
        check: (body: GraphQLBody) => string | null;
      }[] = [
        {
          workload: 'pipeline: { viewer { kind } }, member session',
          headers: { authorization: `Bearer ${boot.session.token}` },
          query: '{ viewer { kind } }',
          check: (body: GraphQLBody) =>
            body.data?.viewer?.kind === 'MEMBER' ? null : JSON.stringify(body).slice(0, 200),
        },
        {
          workload: 'pipeline: { __typename }, anonymous',
          headers: {},
          query: '{ __typename }',
          check: (body: GraphQLBody) =>
            body.data?.__typename === 'Query' ? null : JSON.stringify(body).slice(0, 200),
        },
      ];
      const helloRuns: LoadResult[] = [];
      const caseRuns = cases.map(() => [] as LoadResult[]);
      for (let round = 0; round <= settings.rounds; round++) {
        const label = round === 0 ? 'warm-up' : `${round}`;
        for (const [i, c] of cases.entries()) {
          const run = checked(
            `${c.query} ${label}`,
            await load({
              url: roster.url,
              server: roster,
              connections: 10,
              requests: round === 0 ? 200 : requests,
              headers: c.headers,
              body: () => ({ query: c.query }),
              check: c.check,
            }),
          );
          if (round > 0) caseRuns[i]!.push(run);
        }
        const helloRun = await helloQueries(`bare Yoga ${label}`, round === 0 ? 200 : requests);
        if (round > 0) helloRuns.push(helloRun);
      }
      const cpu = (runs: LoadResult[]) => median(runs.map((r) => r.cpuMsPerRequest ?? NaN));
      const h = summarize(helloRuns);
      const hCpu = cpu(helloRuns);
      for (const [i, c] of cases.entries()) {
        const r = summarize(caseRuns[i]!);
        const rCpu = cpu(caseRuns[i]!);
        rows.push({
          workload: c.workload,
          roster: `${fmtRate(r.rate)}, CPU ${rCpu.toFixed(2)} ms/req`,
          comparison: `bare graphql-yoga { hello }: ${fmtRate(h.rate)}, CPU ${hCpu.toFixed(2)} ms/req`,
          ratio: `${(r.rate / h.rate).toFixed(2)}× (CPU ${(rCpu / hCpu).toFixed(1)}×)`,
        });
      }
    }

    if (settings.only.has('read')) {
      say(
        '\nMember session read (viewer, organization, 50 members, 50 invitations), 10 connections',
      );
      const org = boot.organization.id;
      // 49 more ACTIVE members (invited and accepted through the API) and 50 pending invitations
      // sent on the owner's behalf: the page holds 50 of each.
      for (let i = 0; i < 49; i++) {
        const invited = await gql(
          INVITE,
          {
            input: {
              organization: { id: org },
              email: `m${i}-${unique()}@bench.example`,
              roles: ['member'],
              notify: false,
            },
          },
          apiKey,
        );
        const problem = isInvite(invited);
        if (problem) throw new Error(`seeding members: ${problem}`);
        const accepted = await gql(ACCEPT, {
          token: tokenOf(invited.data!.inviteMember.acceptUrl),
        });
        const acceptProblem = resultProblem(
          accepted,
          'acceptInvitation',
          'AcceptInvitationPayload',
        );
        if (acceptProblem) throw new Error(`seeding members: ${acceptProblem}`);
      }
      for (let i = 0; i < 50; i++) {
        const invited = await gql(
          INVITE,
          {
            input: {
              organization: { id: org },
              email: `p${i}-${unique()}@bench.example`,
              invitedByMemberId: boot.owner.id,
            },
          },
          apiKey,
        );
        const problem = isInvite(invited);
        if (problem) throw new Error(`seeding invitations: ${problem}`);
      }
      /** The owner's session read at 10 connections (50 to warm up in round 0), each page checked. */
      const sessionReads = async (label: string, server: Child, url: string, round: number) =>
        checked(
          label,
          await load({
            url,
            server,
            connections: 10,
            requests: round === 0 ? 50 : settings.reads,
            headers: { authorization: `Bearer ${boot.session.token}` },
            body: () => ({ query: SESSION_READ }),
            check: (body) => sessionReadProblem(body),
          }),
        );
      const readRuns: LoadResult[] = [];
      const helloRuns: LoadResult[] = [];
      const floorReadRuns: LoadResult[] = [];
      for (let round = 0; round <= settings.rounds; round++) {
        // Round 0 warms both up and is not counted.
        const label = round === 0 ? 'warm-up' : `${round}`;
        const read = await sessionReads(`Roster ${label}`, roster, roster.url, round);
        const helloRun = await helloQueries(
          `bare Yoga ${label}`,
          round === 0 ? 200 : Math.max(settings.reads, 2000),
        );
        // The same read from the node:http + pg floor: one statement, JSON built by PostgreSQL.
        const floorRead = floor
          ? await sessionReads(`floor read ${label}`, floor, `${floor.url}/read`, round)
          : undefined;
        if (round > 0) {
          readRuns.push(read);
          helloRuns.push(helloRun);
          if (floorRead) floorReadRuns.push(floorRead);
        }
      }
      const r = summarize(readRuns);
      const h = summarize(helloRuns);
      rows.push({
        workload: 'member session read, 10 connections',
        roster: `${fmtRate(r.rate)}, p50 ${fmtMs(r.p50)}${cpuNote(r)}`,
        comparison: `bare graphql-yoga { hello }: ${fmtRate(h.rate)}, p50 ${fmtMs(h.p50)}${cpuNote(h)}`,
        ratio: `${(r.rate / h.rate).toFixed(3)}×`,
      });
      if (floorReadRuns.length) {
        const f = summarize(floorReadRuns);
        rows.push({
          workload: '  same',
          roster: '',
          comparison: `node:http + pg floor (1 statement, JSON from PostgreSQL): ${fmtRate(f.rate)}, p50 ${fmtMs(f.p50)}${cpuNote(f)}`,
          ratio: `${(r.rate / f.rate).toFixed(2)}× (floor: ${(f.rate / h.rate).toFixed(2)}× Yoga)`,
        });
      }
    }

    if (settings.only.has('accept')) {
      say('\nacceptInvitation, 10 connections');
      const orgs = await organizationsFor(settings.reads * settings.rounds, newOrganizationId);
      const tokens: string[] = [];
      const prepared = checked(
        'preparing invitations',
        await load({
          url: roster.url,
          server: roster,
          connections: 10,
          requests: settings.reads * settings.rounds,
          headers: bearer,
          body: inviteBody(orgs, `a${unique()}`, { notify: false }),
          check: (body) => {
            const problem = isInvite(body);
            if (!problem) tokens.push(tokenOf(body.data!.inviteMember.acceptUrl));
            return problem;
          },
        }),
      );
      if (prepared.failed || prepared.unchecked) throw new Error('Could not prepare invitations');
      const acceptRuns: LoadResult[] = [];
      const floorRuns: LoadResult[] = [];
      let accepted = 0;
      for (let round = 1; round <= settings.rounds; round++) {
        const batch = tokens.slice((round - 1) * settings.reads, round * settings.reads);
        const run = checked(
          `Roster ${round}`,
          await load({
            url: roster.url,
            server: roster,
            connections: 10,
            requests: batch.length,
            body: (i) => ({ query: ACCEPT, variables: { token: batch[i] ?? 'ri_none' } }),
            check: (body) => resultProblem(body, 'acceptInvitation', 'AcceptInvitationPayload'),
          }),
        );
        acceptRuns.push(run);
        accepted += run.ok;
        expectCount(
          `Roster ${round}`,
          await count(
            `SELECT count(*) AS n FROM invitations
              WHERE organization_id = ANY($1::uuid[]) AND status = 'ACCEPTED'`,
            [orgs.map(rawId)],
          ),
          accepted,
        );
        if (floor)
          floorRuns.push(await floorInvites(`floor invite ${round}`, 10, settings.requests));
      }
      const r = summarize(acceptRuns);
      const f = floor ? summarize(floorRuns) : undefined;
      rows.push({
        workload: 'acceptInvitation, 10 connections',
        roster: `${fmtRate(r.rate)}, p50 ${fmtMs(r.p50)}${cpuNote(r)}`,
        comparison: f ? `floor's invite rate: ${fmtRate(f.rate)}` : 'n/a (embedded database)',
        ratio: f ? `${(r.rate / f.rate).toFixed(2)}×` : '',
      });
    }

    if (settings.only.has('scale')) {
      say(`\nScale: ${settings.scale.toLocaleString('en-US')} pending invitations, seat limit set`);
      const seatLimit = 1_000_000; // the largest Roster accepts
      const big = await newOrganization(seatLimit);
      const started = performance.now();
      /** Adds `n` pending invitations (with their INVITED members) to an organization. */
      const seeded = new Map<string, { tag: string; n: number }>();
      const seedPending = async (organizationId: string, n: number) => {
        const tag = `${unique()}`;
        seeded.set(organizationId, { tag, n });
        await db.query(
          `INSERT INTO members (organization_id, email, email_normalized, status, roles, updated_at)
           SELECT $1::uuid, 'p' || g || '.' || $3 || '@scale.example',
                  'p' || g || '.' || $3 || '@scale.example', 'INVITED', ARRAY['member'], now()
             FROM generate_series(1, $2::int) AS g`,
          [organizationId, n, tag],
        );
        await db.query(
          `INSERT INTO invitations (organization_id, member_id, email, email_normalized, roles,
             token_hash, expires_at, redirect_url, created_at, updated_at)
           SELECT organization_id, id, email, email_normalized, roles, md5(id::text) || md5(email),
                  now() + interval '7 days', 'https://app.example.com/accept', now(), now()
             FROM members WHERE organization_id = $1::uuid AND email LIKE '%.' || $2 || '@scale.example'`,
          [organizationId, tag],
        );
      };
      await seedPending(big.raw, settings.scale);
      // As autovacuum leaves a table after a bulk load (it runs once that many rows went in): the
      // rows in the trigram indexes proper, not in GIN's pending list, and fresh statistics.
      await db.query('VACUUM ANALYZE members, invitations');
      say(`  inserted in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      const pendingIn = (id: string) =>
        count(
          `SELECT count(*) AS n FROM invitations WHERE organization_id = $1 AND status = 'PENDING'`,
          [id],
        );
      /** One seeded invitation's address, upper-cased as a person might type part of it. */
      const searchFor = (organizationId: string) => {
        const { tag, n } = seeded.get(organizationId)!;
        return `P${1 + Math.floor(Math.random() * n)}.${tag}@`;
      };
      /** A search must find exactly the one invitation whose address holds the substring. */
      const searchProblem = (body: GraphQLBody) => {
        const problem = resultProblem(body, 'organization', 'Organization');
        if (problem) return problem;
        const { totalCount, edges } = body.data!.organization.invitations;
        return totalCount === 1 && edges.length === 1 && /^p\d+\./.test(edges[0].node.email)
          ? null
          : `search found ${edges.length} (totalCount ${totalCount}), expected 1`;
      };
      const scaleCase = async (
        workload: string,
        connections: number,
        requests: number,
        kind: 'invite' | 'page' | 'search',
        /** Pending invitations the comparison organization starts with (0: empty). */
        comparisonPending = 0,
      ) => {
        const runs = { big: [] as LoadResult[], empty: [] as LoadResult[] };
        for (let round = 1; round <= settings.rounds; round++) {
          const empty = await newOrganization(seatLimit);
          if (comparisonPending > 0) await seedPending(empty.raw, comparisonPending);
          for (const [name, org] of [
            ['full', big],
            ['empty', empty],
          ] as const) {
            const before = await pendingIn(org.raw);
            // Runs here stay under the hourly invite limit; start each with a fresh counter.
            await db.query('DELETE FROM rate_limits WHERE key = $1', [
              storedRateLimitKey(ORGANIZATION_INVITE_LIMIT, org.raw),
            ]);
            const run = checked(
              `${workload}, ${name} ${round}`,
              await load({
                url: roster.url,
                server: roster,
                connections,
                requests,
                headers: bearer,
                body:
                  kind === 'invite'
                    ? inviteBody([org.id], `s${unique()}`)
                    : kind === 'search'
                      ? () => ({
                          query: INVITATIONS_SEARCH,
                          variables: { id: org.id, email: searchFor(org.raw) },
                        })
                      : () => ({ query: INVITATIONS_PAGE, variables: { id: org.id } }),
                check:
                  kind === 'invite'
                    ? isInvite
                    : kind === 'search'
                      ? searchProblem
                      : (body) =>
                          resultProblem(body, 'organization', 'Organization') ??
                          (body.data!.organization.invitations.totalCount === before
                            ? null
                            : `totalCount ${body.data!.organization.invitations.totalCount}, expected ${before}`),
              }),
            );
            expectCount(
              `${workload}, ${name} ${round}`,
              (await pendingIn(org.raw)) - before,
              kind === 'invite' ? run.ok : 0,
            );
            runs[name === 'full' ? 'big' : 'empty'].push(run);
          }
        }
        const b = summarize(runs.big);
        const e = summarize(runs.empty);
        // Server CPU per request, less noisy than wall time on a shared machine.
        const cpu = (series: LoadResult[]) =>
          median(
            series.flatMap((r) => (r.cpuMsPerRequest === undefined ? [] : [r.cpuMsPerRequest])),
          );
        const cpuRatio =
          runs.big.every((r) => r.cpuMsPerRequest !== undefined) &&
          runs.empty.every((r) => r.cpuMsPerRequest !== undefined)
            ? `; server CPU ${(cpu(runs.big) / Math.max(cpu(runs.empty), 0.01)).toFixed(1)}×`
            : '';
        rows.push({
          workload,
          roster: `p50 ${fmtMs(b.p50)} (${fmtRate(b.rate)})`,
          comparison: `${comparisonPending > 0 ? `organization with ${comparisonPending} pending` : 'empty organization'}: p50 ${fmtMs(e.p50)} (${fmtRate(e.rate)})`,
          ratio: `p50 ${(b.p50 / Math.max(e.p50, 1)).toFixed(1)}× the ${comparisonPending > 0 ? 'small' : 'empty'} one's${cpuRatio}`,
        });
      };
      const many = `${settings.scale >= 1000 ? `${Math.round(settings.scale / 1000)}k` : settings.scale} pending`;
      const few = Math.min(Math.max(20, Math.round(settings.reads / 4)), 95);
      await scaleCase(`invite, seat limit, ${many}, 1 connection`, 1, few, 'invite');
      await scaleCase(`invite, seat limit, ${many}, 10 connections`, 10, few * 2, 'invite');
      await scaleCase(`first invitations page + totalCount, ${many}, 10 conn.`, 10, few, 'page');
      // The empty organization's page has no rows to render; beside one that has a full page
      // (20, INVITATIONS_PAGE's size), the ratio is what the 100,000 rows cost.
      await scaleCase(
        `same, against an organization with one page of invitations`,
        10,
        few,
        'page',
        20,
      );
      // A search box: a substring of one address (emailContains), through the trigram indexes.
      await scaleCase(
        `invitations search (emailContains) + totalCount, ${many}, 10 conn.`,
        10,
        few,
        'search',
        20,
      );
    }

    memory.main = { peakMb: roster.peakRssMb(), endMb: roster.rssMb() };
  } finally {
    await db.end();
    await Promise.all(children.map((child) => child.stop()));
  }

  // Memory on both databases, against issue 9's targets. On PostgreSQL, a second, short run on a
  // fresh embedded database (after the other servers stopped) gives the embedded figure.
  if (databaseUrl && !failures.length) {
    say('\nEmbedded database (short run, for its memory)');
    memory.embedded = await embeddedMemoryRun({
      env: serverEnv,
      logDir,
      invites: Math.min(settings.requests, 500),
      reads: Math.min(settings.reads, 300),
      nodeArgs: settings.nodeArgs,
      checked,
      say,
    });
  }
  for (const [name, target, result] of [
    ['PostgreSQL', 200, databaseUrl ? memory.main : undefined],
    ['embedded database', 350, databaseUrl ? memory.embedded : memory.main],
  ] as const) {
    rows.push({
      workload: `Roster server memory, ${name}${name === 'embedded database' && databaseUrl ? ' (short run)' : ''}`,
      roster: result ? `peak RSS ${Math.round(result.peakMb)} MB (VmHWM)` : 'not measured',
      comparison: result
        ? `target ≤${target} MB; RSS at the end ${Math.round(result.endMb)} MB`
        : `target ≤${target} MB; ${name === 'PostgreSQL' ? 'give DATABASE_URL' : 'skipped after failures'}`,
      ratio: result ? (result.peakMb <= target ? 'meets the target' : 'OVER the target') : '',
    });
  }

  const widths = (['workload', 'roster', 'comparison', 'ratio'] as const).map((key) =>
    Math.max(key.length, ...rows.map((row) => row[key].length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  say('');
  say(line(['workload', 'Roster', 'comparison', 'ratio']));
  say(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) say(line([row.workload, row.roster, row.comparison, row.ratio]));
  if (settings.cpuProf)
    say(`\nCPU profile of the Roster server written to ${path.resolve(settings.cpuProf)}`);
  if (failures.length) {
    say(`\nFAILED: ${failures.length} problem(s):`);
    for (const failure of failures) say(`  ${failure}`);
    process.exitCode = 1;
  } else {
    say('\nEvery response was checked and every write counted: no failures.');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
