// The soak's table: one row per database, each at half of the peak measured just before it.
import { soak, type SoakResult } from './soak.ts';

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export async function soakRows(token: string): Promise<SoakResult[]> {
  const seconds = Number(process.env.BENCH_SOAK_SECONDS ?? 300);
  const peakSeconds = Number(process.env.BENCH_SECONDS ?? 4);
  const pgUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const engines = (process.env.BENCH_SOAK_ENGINES ?? 'sqlite,postgres').split(',') as SoakResult['engine'][];
  const results: SoakResult[] = [];
  for (const engine of engines) results.push(await soak(engine, { seconds, peakSeconds, token, pgUrl }));
  console.log(
    `\nSoak: ${fmt(seconds)} s per database at half of the mix's measured peak (GET version on 24 connections, POST version on 8, autocannon in their own processes)\n`,
  );
  console.log(
    '| database | peak reads / writes (req/s) | soak reads / writes (req/s) | reads p50 / p99 (ms) | writes p50 / p99 (ms) | errors | RSS start / end / max (MiB) | RSS growth | goal |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const errors = r.reads.errors + r.reads.non2xx + r.writes.errors + r.writes.non2xx;
    const growth = r.rssEndMiB / r.rssStartMiB - 1;
    console.log(
      `| ${r.engine} | ${fmt(r.peak.reads)} / ${fmt(r.peak.writes)} | ${fmt(r.reads.rps)} / ${fmt(r.writes.rps)} | ${r.reads.p50} / ${r.reads.p99} | ${r.writes.p50} / ${r.writes.p99} | ${errors} | ${fmt(r.rssStartMiB)} / ${fmt(r.rssEndMiB)} / ${fmt(r.rssMaxMiB)} | ${(growth * 100).toFixed(1)} % | errors 0, growth <= 10 % |`,
    );
  }
  return results;
}
