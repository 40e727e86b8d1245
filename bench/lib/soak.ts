// `npm run bench -- soak`: a long run at half of the measured peak, mixed reads and writes, on
// SQLite and PostgreSQL. It is a benchmark, not a timed test: it reports latency percentiles,
// errors (which must be none) and the server's resident memory at the start and at the end.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { startChild } from './child.ts';
import { run, type LoadResult } from './load.ts';

export interface SoakResult {
  engine: 'sqlite' | 'postgres';
  seconds: number;
  peak: { reads: number; writes: number };
  reads: LoadResult;
  writes: LoadResult;
  rssStartMiB: number;
  rssEndMiB: number;
  rssMaxMiB: number;
}

const rssMiB = (pid: number) => {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

/** A fresh PostgreSQL database beside the one `adminUrl` names, and its removal. */
async function freshDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `steward_soak_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(statement);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export async function soak(
  engine: 'sqlite' | 'postgres',
  opts: { seconds: number; peakSeconds: number; token: string; pgUrl: string },
): Promise<SoakResult> {
  const database = engine === 'postgres' ? await freshDatabase(opts.pgUrl) : undefined;
  const server = await startChild('steward.ts', {
    STEWARD_BENCH_TOKEN: opts.token,
    ...(database ? { STEWARD_DATABASE_URL: database.url } : {}),
  });
  try {
    const headers = { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.url}/api/v1${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<{ id: string }>;
    };
    await post('/teams', { name: 'soak' });
    const useCase = await post('/use-cases', {
      name: 'soak',
      objective: 'soak',
      ownerTeam: 'soak',
      consumers: 'internal-few',
      regions: ['EU'],
      sector: 'test',
      processesPersonalData: false,
    });
    await post('/models', { name: 'soak-model', useCaseId: useCase.id });
    const version = {
      artifactUri: 's3://soak/model.onnx',
      artifactDigest: `sha256:${'b'.repeat(64)}`,
      metrics: { auc: 0.9 },
      tags: { owner: 'soak' },
    };
    for (let i = 0; i < 20; i++) await post('/models/soak-model/versions', version);
    // Reads of versions, of the model list and of the inventory page; writes register versions.
    const reads = { url: `${server.url}/api/v1/models/soak-model/versions/7`, headers };
    const writes = {
      url: `${server.url}/api/v1/models/soak-model/versions`,
      method: 'POST' as const,
      body: JSON.stringify(version),
      headers,
    };
    // The peak of this mix: both streams at once, unthrottled, after a warm-up.
    const both = (seconds: number, rates?: { reads: number; writes: number }) =>
      Promise.all([
        run({ ...reads, seconds, connections: 24, ...(rates ? { rate: rates.reads } : {}) }),
        run({ ...writes, seconds, connections: 8, ...(rates ? { rate: rates.writes } : {}) }),
      ]);
    await both(2);
    const [peakReads, peakWrites] = await both(opts.peakSeconds);
    const rates = { reads: Math.max(1, peakReads.rps / 2), writes: Math.max(1, peakWrites.rps / 2) };
    const pid = server.child.pid!;
    const rssStartMiB = rssMiB(pid);
    let rssMaxMiB = rssStartMiB;
    const sampler = setInterval(() => (rssMaxMiB = Math.max(rssMaxMiB, rssMiB(pid))), 1000);
    const [r, w] = await both(opts.seconds, rates).finally(() => clearInterval(sampler));
    return {
      engine,
      seconds: opts.seconds,
      peak: { reads: peakReads.rps, writes: peakWrites.rps },
      reads: r,
      writes: w,
      rssStartMiB,
      rssEndMiB: rssMiB(pid),
      rssMaxMiB,
    };
  } finally {
    await server.stop();
    await database?.drop();
  }
}
