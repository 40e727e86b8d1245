// The MLflow-compatible search endpoints over a registry of 10,000 models and 100,000 versions,
// beside the same questions asked through /api/v1, on one running server.
import { onCpu, startChild } from './child.ts';

export interface LatencyPair {
  name: string;
  mlflow: { p50: number; p95: number };
  v1: { p50: number; p95: number };
}

export const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** Runs `tasks` with `parallel` requests in flight. */
export async function pool(tasks: (() => Promise<void>)[], parallel: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}

/** p50 and p95 of `requests` sequential GETs of `url(i)`, after ten of their own (warm-up). */
export async function latency(
  url: (i: number) => string,
  headers: Record<string, string>,
  requests: number,
): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  // The client on CPU 1, the server on CPU 0 (as autocannon runs in the throughput rows).
  await onCpu(1, async () => {
    for (let i = 0; i < requests + 10; i++) {
      const t = performance.now();
      const res = await fetch(url(i), { headers });
      if (!res.ok) throw new Error(`${url(i)}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      if (i >= 10) times.push(performance.now() - t);
    }
  });
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}
type UrlOf = (i: number) => string;

export interface RegistryResults {
  mlflow: LatencyPair[];
  /** The console's inventory page (GET /api/v1/overview) beside a plain page of the model list. */
  overview: { name: string; overview: { p50: number; p95: number }; modelList: { p50: number; p95: number } }[];
}

export async function registryBench(
  models: number,
  versionsPerModel: number,
  requests: number,
  token: string,
): Promise<RegistryResults> {
  const server = await startChild('steward.ts', {
    STEWARD_BENCH_TOKEN: token,
    STEWARD_MLFLOW_USE_CASE: 'registry-bench',
  });
  try {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };
    await post('/api/v1/teams', { name: 'registry' });
    await post('/api/v1/use-cases', {
      name: 'registry-bench',
      objective: 'benchmark',
      ownerTeam: 'registry',
      consumers: 'internal-few',
      regions: ['EU'],
      sector: 'test',
      processesPersonalData: false,
    });
    const name = (i: number) => `model-${String(i).padStart(5, '0')}`;
    await pool(
      Array.from(
        { length: models },
        (_, i) => () =>
          post('/api/2.0/mlflow/registered-models/create', {
            name: name(i),
            tags: [{ key: 'team', value: `team-${i % 50}` }],
          }),
      ),
      16,
    );
    await pool(
      Array.from(
        { length: models * versionsPerModel },
        (_, k) => () =>
          post('/api/2.0/mlflow/model-versions/create', {
            name: name(k % models),
            source: `s3://registry/${k}`,
            run_id: `run-${k}`,
          }),
      ),
      16,
    );
    const q = (path: string, params: Record<string, string>) => `${server.url}${path}?${new URLSearchParams(params)}`;
    const pick = (i: number) => name((i * 7919) % models);
    const measure = async (label: string, mlflowUrl: UrlOf, v1Url: UrlOf): Promise<LatencyPair> => ({
      name: label,
      mlflow: await latency(mlflowUrl, headers, requests),
      v1: await latency(v1Url, headers, requests),
    });
    const mlflow = [
      await measure(
        'search 100 models by name prefix',
        (i) =>
          q('/api/2.0/mlflow/registered-models/search', {
            filter: `name LIKE '${pick(i).slice(0, 9)}%'`,
            max_results: '100',
          }),
        (i) => q('/api/v1/models', { q: pick(i).slice(0, 9), limit: '100' }),
      ),
      await measure(
        'the versions of one model',
        (i) => q('/api/2.0/mlflow/model-versions/search', { filter: `name = '${pick(i)}'`, max_results: '100' }),
        (i) => q(`/api/v1/models/${pick(i)}/versions`, { limit: '100' }),
      ),
    ];
    const list = await latency((i) => q('/api/v1/models', { limit: '50', q: pick(i).slice(0, 7) }), headers, requests);
    const overview = [
      {
        name: 'first page, sorted by tier',
        overview: await latency(
          () => q('/api/v1/overview', { sort: 'tier', order: 'desc', limit: '50' }),
          headers,
          requests,
        ),
        modelList: list,
      },
      {
        name: 'a deep page (offset 9,000), sorted by name',
        overview: await latency(() => q('/api/v1/overview', { limit: '50', offset: '9000' }), headers, requests),
        modelList: list,
      },
      {
        name: 'a deep page (offset 9,000), sorted by tier',
        overview: await latency(
          () => q('/api/v1/overview', { sort: 'tier', limit: '50', offset: '9000' }),
          headers,
          requests,
        ),
        modelList: list,
      },
      {
        name: 'a deep page (offset 9,000), sorted by last update, newest first',
        overview: await latency(
          () => q('/api/v1/overview', { sort: 'updated', order: 'desc', limit: '50', offset: '9000' }),
          headers,
          requests,
        ),
        modelList: list,
      },
      {
        name: 'search by text',
        overview: await latency(
          (i) => q('/api/v1/overview', { q: pick(i).slice(0, 9), limit: '50' }),
          headers,
          requests,
        ),
        modelList: list,
      },
    ];
    return { mlflow, overview };
  } finally {
    await server.stop();
  }
}
