// Summarises a V8 CPU profile (`npm run bench -- --cpu-prof DIR` writes one for the Roster
// server): self time by package (node_modules/<package>, Roster's own src/, Node internals,
// WebAssembly, garbage collection) as shares of busy time, then the hottest functions. Time in V8
// builtins is counted to the nearest caller that has a source file.
//   npx tsx bench/profile-summary.ts DIR/CPU.….cpuprofile [top]
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('Usage: tsx bench/profile-summary.ts FILE.cpuprofile [top]');
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes as (ProfileNode & { children?: number[] })[]) {
  for (const child of node.children ?? []) parentOf.set(child, node.id);
}

/** Builtins (JSON.parse, RegExp, Promise jobs...) count to the nearest caller with a source. */
function owner(node: ProfileNode): ProfileNode {
  let current: ProfileNode | undefined = node;
  while (current && !current.callFrame.url && !current.callFrame.functionName.startsWith('(')) {
    const parent = parentOf.get(current.id);
    current = parent === undefined ? undefined : byId.get(parent);
  }
  return current ?? node;
}

function packageOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) {
    if (functionName.startsWith('(')) return functionName; // (idle), (program), (garbage collector)
    return 'native/V8 builtins';
  }
  if (url.startsWith('wasm://')) return 'WebAssembly (Prisma query compiler)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return 'node internals';
  if (/\/src\//.test(url)) return 'Roster src/';
  return url;
}

const selfByNode = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
let idle = 0;
for (const [id, micros] of selfByNode) {
  const node = owner(byId.get(id)!);
  const pkg = packageOf(node);
  total += micros;
  if (pkg === '(idle)') {
    idle += micros;
    continue;
  }
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  const fn = `${node.callFrame.functionName || '(anonymous)'} ${pkg}${node.callFrame.url && !node.callFrame.url.startsWith('wasm') ? ` ${node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|bench)\//, '$1/')}:${node.callFrame.lineNumber + 1}` : ''}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
}
const busy = total - idle;
const pct = (micros: number) => `${((100 * micros) / busy).toFixed(1).padStart(5)}%`;
console.log(
  `${(total / 1e6).toFixed(1)} s profiled, idle ${((100 * idle) / total).toFixed(1)}%; shares of busy time (${(busy / 1e6).toFixed(1)} s):`,
);
for (const [pkg, micros] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${pct(micros)}  ${pkg}`);
}
console.log('\nHottest functions (self time):');
for (const [fn, micros] of [...byFunction]
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(topArg ?? 25))) {
  console.log(`${pct(micros)}  ${fn}`);
}
