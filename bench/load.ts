// One load run with autocannon: a fixed number of POSTs, each body made fresh by `body(i)` (so
// every invite has its own address), and every response checked by `check`. A response that is
// not HTTP 200 or fails its check is a failure; a request autocannon counts but whose response
// never reached the check (an error, a timeout) is unchecked. Both are reported, and fail the bench.
import autocannon from 'autocannon';
import type { GraphQLBody } from './operations.ts';

export interface LoadOptions {
  url: string;
  connections: number;
  requests: number;
  headers?: Record<string, string>;
  /** The JSON body of the i-th request (0-based, unique per request within this run). */
  body(i: number): unknown;
  /** Why the parsed response is wrong, or null when it is right. */
  check(body: GraphQLBody): string | null;
  /** The server process, to report the CPU time it spent per request (robust to a busy machine). */
  server?: { cpuMs(): number };
  /** Starts measuring the database's CPU time (when it runs on this machine): ms used since. */
  databaseCpu?: () => () => number;
}

export interface LoadResult {
  ok: number;
  failed: number;
  unchecked: number;
  /** Successful responses per second of wall time. */
  rate: number;
  p50: number;
  p99: number;
  /** The server's CPU time (user + system) per request, when `server` was given. */
  cpuMsPerRequest?: number;
  /** The database's CPU time per request, when `database` was given. */
  databaseCpuMsPerRequest?: number;
  /** The first few distinct failure reasons, with counts. */
  problems: Map<string, number>;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  const problems = new Map<string, number>();
  const fail = (reason: string) => {
    failed += 1;
    if (problems.size < 5 || problems.has(reason)) {
      problems.set(reason, (problems.get(reason) ?? 0) + 1);
    }
  };
  // Timed from the first request sent to the last response checked: autocannon's own run ends on
  // its one-second tick, which would round every rate down to requests / whole seconds.
  const cpuBefore = options.server?.cpuMs();
  const databaseCpuSince = options.databaseCpu?.();
  let started = Number.POSITIVE_INFINITY;
  let finished = 0;
  const result = await autocannon({
    url: options.url,
    connections: Math.min(options.connections, options.requests),
    amount: options.requests,
    timeout: 60,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...options.headers,
    },
    requests: [
      {
        setupRequest: (request) => {
          if (next === 0) started = performance.now();
          return { ...request, body: JSON.stringify(options.body(next++)) };
        },
        onResponse: (status, body) => {
          finished = performance.now();
          if (status !== 200) return fail(`HTTP ${status}: ${body.slice(0, 200)}`);
          let parsed: GraphQLBody;
          try {
            parsed = JSON.parse(body) as GraphQLBody;
          } catch {
            return fail(`not JSON: ${body.slice(0, 200)}`);
          }
          const problem = options.check(parsed);
          if (problem) fail(problem);
          else ok += 1;
        },
      },
    ],
  });
  const seconds = Math.max(finished - started, 1) / 1000;
  const cpuMsPerRequest =
    cpuBefore === undefined ? undefined : (options.server!.cpuMs() - cpuBefore) / options.requests;
  const databaseCpuMsPerRequest =
    databaseCpuSince === undefined ? undefined : databaseCpuSince() / options.requests;
  return {
    ok,
    failed,
    // Each of the requests must have had its response checked.
    unchecked: Math.max(0, options.requests - ok - failed, result.errors + result.timeouts),
    rate: ok / seconds,
    cpuMsPerRequest,
    databaseCpuMsPerRequest,
    p50: result.latency.p50,
    p99: result.latency.p99,
    problems,
  };
}
