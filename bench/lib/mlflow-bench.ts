// The MLflow protocol's version read and create beside /api/v1's, on one server in one run, at
// 1, 1,000 and (by default) 100,000 versions per model: the reads must stay flat as a model's
// versions grow. Versions are seeded through the API (autocannon with a fixed request count).
import { startChild } from './child.ts';
import { load, loadPair, type LoadResult } from './load.ts';

export interface Pair {
  mlflow: LoadResult;
  v1: LoadResult;
  /** The median over rounds of mlflow/v1, each round running both back to back. */
  ratio: number;
}

export interface MlflowBench {
  reads: (Pair & { versions: number })[];
  create: Pair;
  /** MLflow creates into the model seeded with the most versions (`mlflow`) against into a new one (`v1`, which grows only as the run creates). */
  createLargest: Pair & { versions: number };
  seedSeconds: number;
}

async function pair(a: Parameters<typeof load>[0], b: Parameters<typeof load>[0], seconds: number): Promise<Pair> {
  const r = await loadPair(a, b, { seconds });
  return {
    mlflow: check(r.a, `${a.method ?? 'GET'} ${a.url}`),
    v1: check(r.b, `${b.method ?? 'GET'} ${b.url}`),
    ratio: r.ratio,
  };
}

function check(r: LoadResult, what: string): LoadResult {
  if (r.errors > 0 || r.non2xx > 0) throw new Error(`${what}: ${r.errors} errors, ${r.non2xx} non-2xx responses`);
  return r;
}

export async function mlflowBench(
  token: string,
  seconds: number,
  sizes: number[],
  env: Record<string, string> = {},
): Promise<MlflowBench> {
  const server = await startChild('steward.ts', {
    STEWARD_BENCH_TOKEN: token,
    STEWARD_MLFLOW_USE_CASE: 'mlflow-bench',
    ...env,
  });
  try {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };
    await post('/api/v1/teams', { name: 'mlflow' });
    await post('/api/v1/use-cases', {
      name: 'mlflow-bench',
      objective: 'benchmark',
      ownerTeam: 'mlflow',
      consumers: 'internal-few',
      regions: ['EU'],
      sector: 'test',
      processesPersonalData: false,
    });
    const seeded = performance.now();
    const reads: MlflowBench['reads'] = [];
    for (const n of sizes) {
      const name = `versions-${n}`;
      await post('/api/2.0/mlflow/registered-models/create', { name, tags: [{ key: 'team', value: 'mlflow' }] });
      const body = { name, source: 's3://bench/model', run_id: 'run-1', tags: [{ key: 'owner', value: 'bench' }] };
      await post('/api/2.0/mlflow/model-versions/create', body);
      if (n > 1)
        check(
          await load({
            url: `${server.url}/api/2.0/mlflow/model-versions/create`,
            method: 'POST',
            body: JSON.stringify(body),
            headers,
            amount: n - 1,
            warmupSeconds: 0,
            repeats: 1,
          }),
          `seeding ${n} versions`,
        );
    }
    const seedSeconds = (performance.now() - seeded) / 1000;
    for (const n of sizes) {
      const name = `versions-${n}`;
      // The middle version: neither the newest (which a cache of "latest" would favour) nor the first.
      const v = Math.max(1, Math.floor(n / 2));
      reads.push({
        versions: n,
        ...(await pair(
          { url: `${server.url}/api/2.0/mlflow/model-versions/get?name=${name}&version=${v}`, headers },
          { url: `${server.url}/api/v1/models/${name}/versions/${v}`, headers },
          seconds,
        )),
      });
    }
    const createOn = (model: string) => ({ name: model, source: 's3://bench/model', run_id: 'run-2' });
    await post('/api/2.0/mlflow/registered-models/create', { name: 'creates-mlflow' });
    await post('/api/2.0/mlflow/registered-models/create', { name: 'creates-v1' });
    const create = await pair(
      {
        url: `${server.url}/api/2.0/mlflow/model-versions/create`,
        method: 'POST',
        body: JSON.stringify(createOn('creates-mlflow')),
        headers,
      },
      {
        url: `${server.url}/api/v1/models/creates-v1/versions`,
        method: 'POST',
        body: JSON.stringify({
          artifactUri: 's3://bench/model',
          artifactDigest: `sha256:${'a'.repeat(64)}`,
          tags: { owner: 'bench' },
        }),
        headers,
      },
      seconds,
    );
    // Flat as versions grow: creates into the largest seeded model against into one without versions.
    const largest = Math.max(...sizes);
    await post('/api/2.0/mlflow/registered-models/create', { name: 'creates-fresh' });
    const createLargest = {
      versions: largest,
      ...(await pair(
        {
          url: `${server.url}/api/2.0/mlflow/model-versions/create`,
          method: 'POST',
          body: JSON.stringify(createOn(`versions-${largest}`)),
          headers,
        },
        {
          url: `${server.url}/api/2.0/mlflow/model-versions/create`,
          method: 'POST',
          body: JSON.stringify(createOn('creates-fresh')),
          headers,
        },
        seconds,
      )),
    };
    return { reads, create, createLargest, seedSeconds };
  } finally {
    await server.stop();
  }
}
