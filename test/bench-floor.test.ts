// The bench's floor for the member session read (bench/floor-server.ts, POST /read) must read
// what Roster's read answers, or the ratio against it means nothing: the same organization, the
// same 50 members and 50 invitations in the same order, the same ids, effective statuses,
// inviters, latest mails and totalCounts. PostgreSQL only: the floor opens its own connections,
// which the embedded database (one connection at a time) does not serve beside the test server's.
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { SESSION_READ, sessionReadProblem } from '../bench/operations.ts';
import { prisma } from '../src/db.ts';
import { globalId, newApiKey, newMember, newMembers, newOrganization } from './helpers/fixtures.ts';
import { orgRef, randomEmail } from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';

const server = useTestServer();
let floor: ChildProcess | undefined;
afterAll(() => {
  floor?.kill();
});

async function startFloor(databaseUrl: string): Promise<string> {
  floor = spawn(process.execPath, ['--import', 'tsx', 'bench/floor-server.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: floor.stdout! });
  for await (const line of lines) return (JSON.parse(line) as { url: string }).url;
  throw new Error('the floor server exited before it listened');
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('the bench floor for the session read', () => {
  it('answers exactly what Roster answers, and refuses a revoked session', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    await newMembers(
      org.id,
      Array.from({ length: 30 }, (_, i) => ({
        roles: i % 3 ? ['member'] : ['admin'],
        session: 'none' as const,
        status: i % 7 ? ('ACTIVE' as const) : ('DEACTIVATED' as const),
      })),
    );
    // 40 invitations through the API (with INVITED members), some with a mail and some without,
    // some naming the owner as inviter: a page of 50 holds members of every status.
    for (let i = 0; i < 40; i++) {
      const res = await server.gql(
        `mutation ($input: InviteMemberInput!) {
          inviteMember(input: $input) { __typename }
        }`,
        {
          input: {
            organization: orgRef(org.id),
            email: randomEmail(),
            notify: i % 2 === 0,
            ...(i % 4 ? { invitedByMemberId: globalId('Member', owner.id) } : {}),
          },
        },
        key,
      );
      expect(res.data!.inviteMember.__typename).toBe('InviteMemberPayload');
    }
    // One past its expiry and not yet swept: both must call it EXPIRED.
    const [oldest] = await prisma.invitation.findMany({
      where: { organizationId: org.id },
      orderBy: { createdAt: 'asc' },
      take: 1,
    });
    await prisma.invitation.update({
      where: { id: oldest!.id },
      data: { expiresAt: new Date(Date.now() - 60_000) },
    });

    const roster = await server.gql(SESSION_READ, undefined, owner.token);
    expect(roster.errors).toBeUndefined();
    expect(sessionReadProblem(roster as never, null)).toBe(null);

    const url = await startFloor(server.database.url);
    const read = (token: string) =>
      fetch(`${url}/read`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: SESSION_READ }),
      });
    const response = await read(owner.token!);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({ data: roster.data });
    const invitations = body.data.viewer.organization.invitations;
    expect(invitations.totalCount).toBe(40);
    expect(invitations.edges.at(-1).node.status).toBe('EXPIRED');
    expect(invitations.edges.filter((e: any) => e.node.delivery).length).toBe(20);
    expect(invitations.edges.filter((e: any) => e.node.invitedBy).length).toBe(30);

    await prisma.memberSession.updateMany({
      where: { memberId: owner.id },
      data: { revokedAt: new Date() },
    });
    expect((await read(owner.token!)).status).toBe(401);
  });
});
