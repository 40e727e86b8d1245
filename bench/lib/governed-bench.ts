// The console's inventory page over a governed registry: use cases assessed under the default
// pack (credit scoring's answers), several models each, every page asked for once, so no status
// was computed for it before (the status cache holds only pages read again). Ten pages of each
// kind are read first (warm-up), none of them again.
import { creditScoring } from '../../test/helpers/policy.ts';
import { startChild } from './child.ts';
import { latency, pool } from './registry-bench.ts';

export interface GovernedResults {
  useCases: number;
  models: number;
  pages: { name: string; p50: number; p95: number }[];
  /** The same server's plain 50-model page of GET /api/v1/models, searched by the same text. */
  modelList: { p50: number; p95: number };
}

export async function governedBench(useCases: number, perUseCase: number, requests: number, token: string) {
  const server = await startChild('steward.ts', { STEWARD_BENCH_TOKEN: token });
  try {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const send = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${server.url}${path}`, { method, headers, body: JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return JSON.parse(text) as { id: string };
    };
    await send('POST', '/api/v1/teams', { name: 'governed' });
    const model = (i: number) => `model-${String(i).padStart(5, '0')}`;
    await pool(
      Array.from({ length: useCases }, (_, u) => async () => {
        const uc = await send('POST', '/api/v1/use-cases', {
          name: `use-case-${String(u).padStart(5, '0')}`,
          objective: 'benchmark',
          ownerTeam: 'governed',
          consumers: 'public',
          regions: ['EU'],
          sector: 'finance',
          processesPersonalData: true,
          kpis: [{ name: 'approval-rate', target: 0.8, direction: 'at-least', unit: 'ratio' }],
        });
        await send('PUT', `/api/v1/use-cases/${uc.id}/assessment`, { answers: creditScoring });
        for (let k = 0; k < perUseCase; k++) {
          const name = model(u * perUseCase + k);
          await send('POST', '/api/v1/models', { name, useCaseId: uc.id });
          await send('POST', `/api/v1/models/${name}/versions`, {
            artifactUri: `s3://governed/${name}`,
            artifactDigest: `sha256:${'a'.repeat(64)}`,
          });
        }
      }),
      16,
    );
    const models = useCases * perUseCase;
    // Offsets that never repeat within a run, spread over the registry. Each sort takes its own
    // stretch of the sequence: sorted by tier, the pages' ties fall back to names, so the same
    // offsets would show the models the name sort just computed (and the server keeps).
    const offset = (i: number) => (i * 7919) % (models - 50);
    const stretch = (k: number) => k * (requests + 10);
    // A prefix of nine characters names 100 models (model-079xx): a different hundred each request
    // while there are (100 prefixes over 10,000 models: past that they come round again).
    const search = (i: number) => model((i * 100 * 37) % models).slice(0, 9);
    const pages = [
      {
        name: 'a new page each request, sorted by name',
        url: (i: number) => `/api/v1/overview?limit=50&offset=${offset(i)}`,
      },
      {
        name: 'a new page each request, sorted by tier',
        url: (i: number) => `/api/v1/overview?limit=50&sort=tier&offset=${offset(i + stretch(1))}`,
      },
      {
        name: 'a new page each request, sorted by last update',
        url: (i: number) => `/api/v1/overview?limit=50&sort=updated&order=desc&offset=${offset(i + stretch(2))}`,
      },
      { name: 'a new text search each request', url: (i: number) => `/api/v1/overview?limit=50&q=${search(i)}` },
    ];
    const out: GovernedResults['pages'] = [];
    for (const p of pages)
      out.push({ name: p.name, ...(await latency((i) => server.url + p.url(i), headers, requests)) });
    const modelList = await latency((i) => `${server.url}/api/v1/models?limit=50&q=${search(i)}`, headers, requests);
    return { useCases, models, pages: out, modelList } satisfies GovernedResults;
  } finally {
    await server.stop();
  }
}
