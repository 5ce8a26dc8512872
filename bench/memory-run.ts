// The embedded database's memory, when the main run was on PostgreSQL: a second Roster server on a
// fresh embedded database (no DATABASE_URL, its own DATA_DIR), put through a short run of the same
// workloads (invites, the member session read, accepts), every response checked, so that the table
// shows peak RSS on both databases.
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { INVITES_PER_ORGANIZATION_PER_HOUR } from '../src/services/invitations/shared.ts';
import { load, type LoadOptions, type LoadResult } from './load.ts';
import {
  ACCEPT,
  INVITE,
  SESSION_READ,
  resultProblem,
  graphqlClient,
  sessionReadProblem,
  type GraphQLBody,
} from './operations.ts';
import { startRoster } from './processes.ts';

export interface MemoryRunOptions {
  /** The Roster server's environment, without DATABASE_URL. */
  env: Record<string, string | undefined>;
  logDir: string;
  invites: number;
  reads: number;
  /** More Node options for the server (BENCH_NODE_ARGS). */
  nodeArgs: string[];
  /** Reports a run (and records its failures). */
  checked(label: string, result: LoadResult): LoadResult;
  say(line: string): void;
}

export interface MemoryRunResult {
  idleMb: number;
  peakMb: number;
  endMb: number;
}

const CREATE_ORGANIZATION = /* GraphQL */ `
  mutation BenchMemoryCreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      __typename
      ... on OrganizationPayload {
        organization {
          id
        }
      }
    }
  }
`;

const unique = () => crypto.randomBytes(4).toString('hex');
const tokenOf = (acceptUrl: string) => new URL(acceptUrl).searchParams.get('token')!;

export async function embeddedMemoryRun(options: MemoryRunOptions): Promise<MemoryRunResult> {
  const root = path.resolve(import.meta.dirname, '..');
  const { DATABASE_URL: _postgres, ...rest } = options.env;
  const env = { ...rest, DATA_DIR: path.join(options.logDir, 'roster-embedded-data') };
  const roster = await startRoster({
    name: 'roster-embedded',
    env,
    logDir: options.logDir,
    nodeArgs: options.nodeArgs,
  });
  try {
    const gql = graphqlClient(roster.url);
    const boot = await bootstrap(root, env);
    const idleMb = roster.rssMb();
    options.say(`Roster (embedded): pid ${roster.pid}, idle RSS ${Math.round(idleMb)} MB`);
    const run = (label: string, spec: Omit<LoadOptions, 'url' | 'server'>) =>
      load({ url: roster.url, server: roster, ...spec }).then((r) => options.checked(label, r));
    const invite = (organizationId: string, email: string, extra: object = {}) => ({
      query: INVITE,
      variables: { input: { organization: { id: organizationId }, email, ...extra } },
    });
    const isInvite = (body: GraphQLBody) =>
      resultProblem(body, 'inviteMember', 'InviteMemberPayload');

    // Invites, spread over organizations as in the main run (each may send so many an hour).
    const perOrganization = INVITES_PER_ORGANIZATION_PER_HOUR - 10;
    const organizations: string[] = [];
    for (let k = 0; k < Math.ceil((options.invites + options.reads) / perOrganization); k++) {
      const created = await gql(
        CREATE_ORGANIZATION,
        {
          input: {
            name: 'Bench',
            slug: `mem-${unique()}`,
            settings: { defaultRedirectUrl: 'https://app.example.com/accept' },
          },
        },
        boot.apiKey,
      );
      const problem = resultProblem(created, 'createOrganization', 'OrganizationPayload');
      if (problem) throw new Error(`createOrganization: ${problem}`);
      organizations.push(created.data!.createOrganization.organization.id as string);
    }
    const prefix = unique();
    await run('embedded: inviteMember, 10 connections', {
      connections: 10,
      requests: options.invites,
      headers: { authorization: `Bearer ${boot.apiKey}` },
      body: (i) => invite(organizations[i % organizations.length]!, `i${prefix}-${i}@mem.example`),
      check: isInvite,
    });

    // The session read over 50 members and 50 pending invitations, as in the main run.
    for (let i = 0; i < 49; i++) {
      const invited = await gql(
        INVITE,
        invite(boot.organizationId, `m${i}-${unique()}@mem.example`, { notify: false }).variables,
        boot.apiKey,
      );
      const problem = isInvite(invited);
      if (problem) throw new Error(`seeding members: ${problem}`);
      const accepted = await gql(ACCEPT, {
        token: tokenOf(invited.data!.inviteMember.acceptUrl),
      });
      const acceptProblem = resultProblem(accepted, 'acceptInvitation', 'AcceptInvitationPayload');
      if (acceptProblem) throw new Error(`seeding members: ${acceptProblem}`);
    }
    for (let i = 0; i < 50; i++) {
      const invited = await gql(
        INVITE,
        invite(boot.organizationId, `p${i}-${unique()}@mem.example`, {
          invitedByMemberId: boot.ownerId,
        }).variables,
        boot.apiKey,
      );
      const problem = isInvite(invited);
      if (problem) throw new Error(`seeding invitations: ${problem}`);
    }
    await run('embedded: member session read, 10 connections', {
      connections: 10,
      requests: options.reads,
      headers: { authorization: `Bearer ${boot.sessionToken}` },
      body: () => ({ query: SESSION_READ }),
      check: (body) => sessionReadProblem(body),
    });

    // Accepts of invitations made for them.
    const tokens: string[] = [];
    await run('embedded: preparing invitations', {
      connections: 10,
      requests: options.reads,
      headers: { authorization: `Bearer ${boot.apiKey}` },
      body: (i) =>
        invite(organizations[i % organizations.length]!, `a${prefix}-${i}@mem.example`, {
          notify: false,
        }),
      check: (body) => {
        const problem = isInvite(body);
        if (!problem) tokens.push(tokenOf(body.data!.inviteMember.acceptUrl));
        return problem;
      },
    });
    await run('embedded: acceptInvitation, 10 connections', {
      connections: 10,
      requests: tokens.length,
      body: (i) => ({ query: ACCEPT, variables: { token: tokens[i] ?? 'ri_none' } }),
      check: (body) => resultProblem(body, 'acceptInvitation', 'AcceptInvitationPayload'),
    });
    return { idleMb, peakMb: roster.peakRssMb(), endMb: roster.rssMb() };
  } finally {
    await roster.stop();
  }
}

async function bootstrap(root: string, env: Record<string, string | undefined>) {
  const cli = await promisify(execFile)(
    process.execPath,
    [
      'src/cli/bin.js',
      'bootstrap',
      '--slug',
      `mem-${unique()}`,
      '--email',
      'owner@mem.example',
      '--json',
    ],
    { cwd: root, env: env as NodeJS.ProcessEnv },
  );
  const boot = JSON.parse(cli.stdout.trim().split('\n').pop()!) as {
    organization: { id: string };
    owner: { id: string };
    apiKey: { key: string };
    session: { token: string };
  };
  return {
    organizationId: boot.organization.id,
    ownerId: boot.owner.id,
    apiKey: boot.apiKey.key,
    sessionToken: boot.session.token,
  };
}
