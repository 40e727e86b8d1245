import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pinned } from './child.ts';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

interface Options {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  connections?: number;
  seconds: number;
  headers?: Record<string, string>;
  /** A fixed number of requests instead of a duration (seeding). */
  amount?: number;
  /** Requests per second over all connections (unset: as fast as the server answers). */
  rate?: number;
}

/** One autocannon run in a fresh process of its own, so no run inherits another's heap or JIT state. */
export function run(o: Options): Promise<LoadResult> {
  const headers = o.headers ?? (o.body ? { 'content-type': 'application/json' } : {});
  const args = [
    AUTOCANNON,
    '--json',
    '-c',
    String(o.connections ?? 32),
    ...(o.amount !== undefined ? ['-a', String(o.amount)] : ['-d', String(o.seconds)]),
    '-p',
    '1',
    '-m',
    o.method ?? 'GET',
  ];
  if (o.rate !== undefined) args.push('--overallRate', String(Math.round(o.rate)));
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  if (o.body) args.push('-b', o.body);
  args.push(o.url);
  return new Promise((resolve, reject) => {
    const [cmd, argv] = pinned(1, process.execPath, args);
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        const r = JSON.parse(out) as {
          requests: { average: number };
          latency: { p50: number; p99: number };
          errors: number;
          timeouts: number;
          non2xx: number;
        };
        resolve({
          rps: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          errors: r.errors + r.timeouts,
          non2xx: r.non2xx,
        });
      } catch {
        reject(new Error(`autocannon exited with ${code}: ${out.slice(0, 500)}`));
      }
    });
  });
}

/** The middle of `xs` (the upper middle of an even count), as the rows report rounds and repeats. */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Drives `url` with autocannon from a separate process (the server runs in another): a short
 * unmeasured warm-up so every server is compared with its JIT warm, then `repeats` runs of
 * `seconds` each, reporting the run with the median throughput. On a shared 2-core machine single
 * runs scatter by a third; the median of three is stable enough to compare with a baseline.
 */
export async function load(
  opts: Omit<Options, 'seconds'> & { seconds?: number; warmupSeconds?: number; repeats?: number },
): Promise<LoadResult> {
  const warmup = opts.warmupSeconds ?? 2;
  if (warmup > 0) await run({ ...opts, seconds: warmup });
  const results: LoadResult[] = [];
  for (let i = 0; i < (opts.repeats ?? 3); i++) results.push(await run({ ...opts, seconds: opts.seconds ?? 5 }));
  results.sort((a, b) => a.rps - b.rps);
  const median = results[Math.floor(results.length / 2)]!;
  return {
    ...median,
    errors: results.reduce((n, r) => n + r.errors, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
  };
}

/**
 * Two loads compared on a machine whose speed drifts: after a warm-up of each, `repeats` rounds
 * that run `a` then `b` back to back, so each round's ratio compares the two under the same
 * conditions. Reports each side's median round and the median of the rounds' ratios a/b.
 */
export async function loadPair(
  a: Omit<Options, 'seconds'>,
  b: Omit<Options, 'seconds'>,
  opts: { seconds: number; repeats?: number; warmupSeconds?: number },
): Promise<{ a: LoadResult; b: LoadResult; ratio: number }> {
  const warmup = opts.warmupSeconds ?? 2;
  if (warmup > 0) {
    await run({ ...a, seconds: warmup });
    await run({ ...b, seconds: warmup });
  }
  const as: LoadResult[] = [];
  const bs: LoadResult[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < (opts.repeats ?? 5); i++) {
    const ra = await run({ ...a, seconds: opts.seconds });
    const rb = await run({ ...b, seconds: opts.seconds });
    as.push(ra);
    bs.push(rb);
    ratios.push(ra.rps / rb.rps);
  }
  const med = <T>(xs: T[], by: (x: T) => number) => [...xs].sort((x, y) => by(x) - by(y))[Math.floor(xs.length / 2)]!;
  const total = (xs: LoadResult[]) => ({
    errors: xs.reduce((n, r) => n + r.errors, 0),
    non2xx: xs.reduce((n, r) => n + r.non2xx, 0),
  });
  return {
    a: { ...med(as, (r) => r.rps), ...total(as) },
    b: { ...med(bs, (r) => r.rps), ...total(bs) },
    ratio: med(ratios, (r) => r),
  };
}
