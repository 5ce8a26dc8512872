// The servers under test run as child processes, each writing its output to a log file. A child is
// ready when its log shows the URL it listens on (a JSON line with `url`).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Child {
  name: string;
  pid: number;
  url: string;
  /** The first line of its log that carried `url`, parsed (the others may print more there). */
  ready: Record<string, unknown>;
  logFile: string;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  /** Resident set size now (VmRSS), in MB. */
  rssMb(): number;
  /** CPU time used so far (user + system), in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

function statusField(pid: number, field: string): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  if (!kb) throw new Error(`No ${field} for process ${pid}`);
  return Number(kb) / 1024;
}

/** utime + stime of a process from /proc/PID/stat (fields 14 and 15, in clock ticks of 10 ms). */
export function cpuTimeMs(pid: number): number {
  return cpuTimeOfStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** utime + stime, in ms, of one /proc/PID/stat text. */
function cpuTimeOfStat(stat: string): number {
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time used so far by each `postgres` process on this machine, in ms, by process id. */
function postgresCpuByPid(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    if (name !== 'postgres') continue;
    byPid.set(Number(entry), cpuTimeOfStat(stat));
  }
  return byPid;
}

/**
 * Starts measuring what the database spends, when PostgreSQL runs on this machine: the returned
 * function gives the CPU ms used since by its processes (the server and its backends; one that
 * started meanwhile counts whole, one that exited meanwhile takes its share with it, so this can
 * only undercount).
 */
export function localPostgresCpuMeter(): () => number {
  const before = postgresCpuByPid();
  return () => {
    let total = 0;
    for (const [pid, ms] of postgresCpuByPid()) total += ms - Math.min(ms, before.get(pid) ?? 0);
    return total;
  };
}

export async function startChild(options: {
  name: string;
  args: string[];
  env: Record<string, string | undefined>;
  logDir: string;
  /** Finds the listening URL in one parsed log line. */
  urlOf?: (line: Record<string, unknown>) => string | undefined;
  timeoutMs?: number;
}): Promise<Child> {
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const fd = fs.openSync(logFile, 'w');
  const proc: ChildProcess = spawn(process.execPath, options.args, {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: options.env as NodeJS.ProcessEnv,
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    proc.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );
  const urlOf = options.urlOf ?? ((line) => (typeof line.url === 'string' ? line.url : undefined));
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    for (const text of fs.readFileSync(logFile, 'utf8').split('\n')) {
      if (!text.startsWith('{')) continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      const url = urlOf(line);
      if (url) {
        const pid = proc.pid!;
        return {
          name: options.name,
          pid,
          url,
          ready: line,
          logFile,
          peakRssMb: () => statusField(pid, 'VmHWM'),
          rssMb: () => statusField(pid, 'VmRSS'),
          cpuMs: () => cpuTimeMs(pid),
          async stop() {
            if (exited === undefined) proc.kill('SIGTERM');
            const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
            await exit;
            clearTimeout(timer);
          },
        };
      }
    }
    if (exited !== undefined) {
      throw new Error(`${options.name} exited (${exited}) before it was ready; see ${logFile}`);
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${options.name} was not ready in time; see ${logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A Roster server as `npm start` runs it in production: `node src/start.js` (the launcher, with
 * the V8 settings it applies) loading the compiled build in dist/, in a process of its own so that
 * its memory and CPU are its own. Run `npm run build` first.
 */
export function startRoster(options: {
  name: string;
  env: Record<string, string | undefined>;
  logDir: string;
  /** Node options before the script, e.g. --cpu-prof. */
  nodeArgs?: string[];
}): Promise<Child> {
  return startChild({
    name: options.name,
    args: [...(options.nodeArgs ?? []), 'src/start.js'],
    env: { ...options.env, NODE_ENV: 'production' },
    logDir: options.logDir,
    urlOf: (line) => (line.msg === 'Roster is listening' ? String(line.url) : undefined),
  });
}
