import autocannon from 'autocannon';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** Drives `url` with autocannon from this process (the server runs in another) for a fixed duration. */
export async function load(opts: { url: string; method?: 'GET' | 'POST'; body?: string; connections?: number; seconds?: number; headers?: Record<string, string> }): Promise<LoadResult> {
  const result = await autocannon({
    url: opts.url,
    method: opts.method ?? 'GET',
    body: opts.body,
    headers: opts.headers ?? (opts.body ? { 'content-type': 'application/json' } : {}),
    connections: opts.connections ?? 32,
    duration: opts.seconds ?? 5,
    pipelining: 1,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}
