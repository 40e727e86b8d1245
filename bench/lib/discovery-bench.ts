// Admission decisions beside the deployment check they apply (one server, one run, alternating
// rounds), and a discovery scan of an MLflow server holding many models beside listing them.
import { startChild } from './child.ts';
import { loadPair, type LoadResult } from './load.ts';
import type { Row } from './registry-rows.ts';

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function ok(r: LoadResult, what: string): LoadResult {
  if (r.errors > 0 || r.non2xx > 0) throw new Error(`${what}: ${r.errors} errors, ${r.non2xx} non-2xx responses`);
  return r;
}

export async function seed(base: string, token: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

export const useCase = (name: string, team: string) => ({
  name,
  objective: 'benchmark',
  ownerTeam: team,
  consumers: 'internal-few',
  regions: ['EU'],
  sector: 'test',
  processesPersonalData: false,
});

/** An AdmissionReview of a Deployment annotated with a model version, as the API server sends it. */
export const review = (dryRun: boolean) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: '2b752327-a529-4ffd-b2e2-478455e80a0d',
    kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
    resource: { group: 'apps', version: 'v1', resource: 'deployments' },
    name: 'scorer',
    namespace: 'bench',
    operation: 'CREATE',
    userInfo: { username: 'admin' },
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'scorer',
        namespace: 'bench',
        annotations: {
          'steward.dev/model': 'scorer',
          'steward.dev/version': '1',
          'steward.dev/environment': 'development',
        },
      },
      spec: { template: { spec: { containers: [{ name: 'scorer', image: 'registry.example.com/scorer:1' }] } } },
    },
    dryRun,
  },
});

/** The version the admission rows decide on: scorer v1 of team bench, registered and not promoted. */
export async function seedAdmission(base: string, token: string): Promise<void> {
  await seed(base, token, '/api/v1/teams', { name: 'bench' });
  await seed(base, token, '/api/v1/use-cases', useCase('admission-bench', 'bench'));
  await seed(base, token, '/api/v1/models', { name: 'scorer', useCase: 'admission-bench' });
  await seed(base, token, '/api/v1/models/scorer/versions', {
    artifactUri: 's3://bench/scorer',
    artifactDigest: `sha256:${'b'.repeat(64)}`,
  });
}

export async function admissionBench(token: string, seconds: number): Promise<Row[]> {
  const server = await startChild('steward.ts', { STEWARD_BENCH_TOKEN: token });
  try {
    await seedAdmission(server.url, token);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const check = { url: `${server.url}/api/v1/check?model=scorer&version=1&environment=development`, headers };
    const admit = (dryRun: boolean) => ({
      url: `${server.url}/api/v1/admission`,
      method: 'POST' as const,
      body: JSON.stringify(review(dryRun)),
      headers,
    });
    const audited = await loadPair(admit(false), check, { seconds });
    const dry = await loadPair(admit(true), check, { seconds });
    ok(audited.a, 'admission');
    ok(dry.a, 'admission dry run');
    ok(audited.b, '/check');
    return [
      {
        name: 'admission decisions, AdmissionReview of an annotated Deployment, each audited (req/s)',
        value: fmt(audited.a.rps),
        baseline: `${fmt(audited.b.rps)} GET /api/v1/check of the same version (alternating rounds)`,
        ratio: audited.ratio,
        goal: '>= 0.8',
      },
      {
        name: 'the same as dry runs (decided, not audited) (req/s)',
        value: fmt(dry.a.rps),
        baseline: `${fmt(dry.b.rps)} GET /api/v1/check`,
        ratio: dry.ratio,
        goal: '-',
      },
    ];
  } finally {
    await server.stop();
  }
}

/**
 * A Steward server as the external MLflow registry holding `models` models (a version each), and
 * a second one scanning it: the first scan (every finding new), a re-scan (every finding known),
 * beside paging through the same two searches from a client that keeps nothing.
 */
export async function discoveryBench(token: string, models: number): Promise<Row[]> {
  const external = await startChild('steward.ts', {
    STEWARD_BENCH_TOKEN: token,
    STEWARD_MLFLOW_USE_CASE: 'shadow',
    BENCH_OWN_SQLITE: '1',
  });
  let scanner: Awaited<ReturnType<typeof startChild>> | undefined;
  try {
    await seed(external.url, token, '/api/v1/teams', { name: 'shadow' });
    await seed(external.url, token, '/api/v1/use-cases', useCase('shadow', 'shadow'));
    const names = Array.from({ length: models }, (_, i) => `shadow-${String(i).padStart(5, '0')}`);
    // 32 lanes, as the load generator would.
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < names.length) {
          const name = names[next++]!;
          await seed(external.url, token, '/api/2.0/mlflow/registered-models/create', { name });
          await seed(external.url, token, '/api/2.0/mlflow/model-versions/create', {
            name,
            source: `s3://shadow/${name}`,
          });
        }
      }),
    );
    scanner = await startChild(
      'steward.ts',
      {
        STEWARD_BENCH_TOKEN: token,
        STEWARD_DISCOVERY_MLFLOW_URLS: external.url,
        STEWARD_DISCOVERY_MLFLOW_TOKEN: token,
        STEWARD_DISCOVERY_INTERVAL_MINUTES: '0',
      },
      { pin: false },
    );
    const list = async () => {
      const started = performance.now();
      let count = 0;
      for (const [path, field] of [
        ['registered-models/search', 'registered_models'],
        ['model-versions/search', 'model_versions'],
      ] as const) {
        let token_: string | undefined;
        do {
          const q = new URLSearchParams({ max_results: '1000', ...(token_ ? { page_token: token_ } : {}) });
          const res = await fetch(`${external.url}/api/2.0/mlflow/${path}?${q}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          const body = (await res.json()) as Record<string, unknown>;
          if (field === 'registered_models') count += (body[field] as unknown[] | undefined)?.length ?? 0;
          token_ = body.next_page_token as string | undefined;
        } while (token_);
      }
      if (count !== models) throw new Error(`listed ${count} models, expected ${models}`);
      return performance.now() - started;
    };
    const scan = async () => {
      const started = performance.now();
      const s = (await seed(scanner!.url, token, '/api/v1/discovery/scans', {})) as {
        status: string;
        sources: { found: number; created: number; error: string | null }[];
      };
      if (s.status !== 'ok' || s.sources[0]!.found !== models) throw new Error(`scan: ${JSON.stringify(s)}`);
      return { ms: performance.now() - started, created: s.sources[0]!.created };
    };
    await list(); // warm the external server's reads
    const listed: number[] = [];
    for (let i = 0; i < 3; i++) listed.push(await list());
    listed.sort((a, b) => a - b);
    const listMs = listed[1]!;
    const first = await scan();
    const again = await scan();
    return [
      {
        name: `discovery scan of an MLflow server holding ${fmt(models)} models (a version each), every finding new: page both searches, store, audit (ms)`,
        value: fmt(first.ms),
        baseline: `${fmt(listMs)} ms paging through the same two searches from a client (median of 3)`,
        ratio: first.ms / listMs,
        goal: '-',
      },
      {
        name: `the same re-scanned, every finding known (${fmt(again.created)} new) (ms)`,
        value: fmt(again.ms),
        baseline: `${fmt(listMs)} ms the same listing`,
        ratio: again.ms / listMs,
        goal: '-',
      },
    ];
  } finally {
    await scanner?.stop();
    await external.stop();
  }
}
