// Bytes the server allocates per request, and where: the member session read (50 members, 50
// invitations with inviter and latest mail) and inviteMember, through the real Yoga server
// in-process, with V8's sampling heap profiler keeping the samples of objects already collected
// (so the total is what was allocated, not what survived). Allocation drives both the garbage
// collector's CPU share and, under load, how far the old generation grows (peak RSS).
//   DATABASE_URL=postgresql://… npx tsx bench/allocations.ts [requests] [top]
import inspector from 'node:inspector/promises';
import { openDatabase, prisma } from '../src/db.ts';
import { createApiKey } from '../src/services/api-keys.ts';
import { issueSession } from '../src/services/sessions.ts';
import { inProcessGraphQL } from './in-process.ts';
import { ACCEPT, INVITE, SESSION_READ, resultProblem, sessionReadProblem } from './operations.ts';

interface SampleNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SampleNode[];
}

const requests = Number(process.argv[2] ?? 200);
const top = Number(process.argv[3] ?? 25);
const database = await openDatabase({ url: process.env.DATABASE_URL, poolSize: 10 });
console.log(
  `Database: ${database.embedded ? 'embedded (PGlite; set DATABASE_URL for PostgreSQL)' : 'PostgreSQL'}`,
);
const gql = inProcessGraphQL();

const run = Date.now().toString(36);
const key = (await createApiKey(`allocations-${run}`)).key;
const organization = await prisma.organization.create({
  data: {
    slug: `alloc-${run}`,
    name: 'Allocations',
    defaultRedirectUrl: 'https://app.example.com/a',
  },
});
const owner = await prisma.member.create({
  data: {
    organizationId: organization.id,
    email: `owner@${run}.example`,
    emailNormalized: `owner@${run}.example`,
    status: 'ACTIVE',
    roles: ['owner'],
  },
});
const session = await prisma.$transaction((tx) => issueSession(tx, owner.id));
const orgId = Buffer.from(`Organization:${organization.id}`).toString('base64');
let n = 0;
const invite = async (extra: Record<string, unknown>) => {
  const res = await gql(
    INVITE,
    { input: { organization: { id: orgId }, email: `i${n++}@${run}.example`, ...extra } },
    key,
  );
  const problem = resultProblem(res, 'inviteMember', 'InviteMemberPayload');
  if (problem) throw new Error(problem);
  return res.data!.inviteMember;
};
// As the bench: 49 more members (invited and accepted), 50 pending invitations by the owner.
for (let i = 0; i < 49; i++) {
  const invited = await invite({ roles: ['member'], notify: false });
  const token = new URL(invited.acceptUrl).searchParams.get('token');
  const problem = resultProblem(
    await gql(ACCEPT, { token }),
    'acceptInvitation',
    'AcceptInvitationPayload',
  );
  if (problem) throw new Error(problem);
}
const ownerId = Buffer.from(`Member:${owner.id}`).toString('base64');
for (let i = 0; i < 50; i++) await invite({ invitedByMemberId: ownerId });

const workloads: [string, () => Promise<void>][] = [
  [
    'member session read',
    async () => {
      const problem = sessionReadProblem(await gql(SESSION_READ, {}, session.token));
      if (problem) throw new Error(problem);
    },
  ],
  ['inviteMember (API key)', async () => void (await invite({ notify: true }))],
];

const session2 = new inspector.Session();
session2.connect();
for (const [label, request] of workloads) {
  for (let i = 0; i < 20; i++) await request(); // warm up
  await session2.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  for (let i = 0; i < requests; i++) await request();
  const { profile } = (await session2.post('HeapProfiler.stopSampling')) as {
    profile: { head: SampleNode };
  };
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  // Builtins (Map, Array.prototype.map, JSON...) count to the nearest caller with a source file.
  const walk = (node: SampleNode, caller?: SampleNode['callFrame']) => {
    const frame = node.callFrame.url || !caller ? node.callFrame : caller;
    if (node.selfSize) {
      total += node.selfSize;
      const { functionName, url, lineNumber } = frame;
      const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/main\//, '');
      const pkg =
        /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
        (url.includes('/main/src/')
          ? 'roster src/'
          : url
            ? 'node internals'
            : functionName || '(other)');
      const fn = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + node.selfSize);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, frame.url ? frame : caller);
  };
  walk(profile.head);
  const kb = (bytes: number) => `${(bytes / requests / 1024).toFixed(1)} KB`;
  console.log(`\n## ${label}: ${kb(total)} allocated per request (${requests} requests)`);
  for (const [pkg, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`${kb(bytes).padStart(10)}  ${pkg}`);
  console.log('  hottest allocators:');
  for (const [fn, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${kb(bytes).padStart(10)}  ${fn}`);
}
session2.disconnect();
await database.close();
