// The console's inventory page over a governed registry: use cases assessed under the default
// pack (credit scoring's answers), several models each, every page asked for once after a write,
// so no status was computed for it before (the status cache holds only pages read again while
// nothing changes). Ten pages of each kind are read first (warm-up), none of them again.
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

/** Pages of each sort read before any row is measured. */
const WARM_UP = 100;

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
    // Each row's pages are whole pages of 50 that never meet: page (i * 37) mod 199 of the 200, a
    // different one for each of a row's 110 requests (37 and 199 share no factor).
    const pageCount = Math.floor(models / 50) - 1;
    const offset = (i: number) => 50 * ((i * 37) % pageCount);
    // A prefix of nine characters names 100 models (model-079xx): a different hundred each measured
    // request. The ten warm-up searches (model-100...) name none, so no measured search repeats one.
    const search = (i: number) =>
      i < 10 ? `model-1${String(i).padStart(2, '0')}` : model((((i - 10) * 37) % 100) * 100).slice(0, 9);
    const pages = [
      {
        name: 'a new page each request, sorted by name',
        url: (i: number) => `/api/v1/overview?limit=50&offset=${offset(i)}`,
      },
      {
        name: 'a new page each request, sorted by tier',
        url: (i: number) => `/api/v1/overview?limit=50&sort=tier&offset=${offset(i)}`,
      },
      {
        name: 'a new page each request, sorted by last update',
        url: (i: number) => `/api/v1/overview?limit=50&sort=updated&order=desc&offset=${offset(i)}`,
      },
      { name: 'a new text search each request', url: (i: number) => `/api/v1/overview?limit=50&q=${search(i)}` },
    ];
    // The server has only written so far: its first few hundred reads compile the paths a page takes
    // (first-request costs that doubled the p95 of whichever row came first), so it reads pages of
    // each sort first. A write before each row then empties what the server keeps for unchanged data
    // (statuses, counts): no row reads a status computed before it, and no page repeats within a row.
    for (const p of pages.slice(0, 3)) await latency((i) => server.url + p.url(i), headers, WARM_UP);
    const out: GovernedResults['pages'] = [];
    for (const [k, p] of pages.entries()) {
      await send('POST', '/api/v1/teams', { name: `governed-${k}` });
      out.push({ name: p.name, ...(await latency((i) => server.url + p.url(i), headers, requests)) });
    }
    const modelList = await latency((i) => `${server.url}/api/v1/models?limit=50&q=${search(i)}`, headers, requests);
    return { useCases, models, pages: out, modelList } satisfies GovernedResults;
  } finally {
    await server.stop();
  }
}
