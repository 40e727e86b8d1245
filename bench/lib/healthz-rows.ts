import type { HealthzRun } from './healthz-bench.ts';
import { healthzBench } from './healthz-bench.ts';

const fmt = (n: number, digits = 1) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * The two /healthz runs: one data scientist keeps 32 uploads of a 6.75 MiB CSV in flight against
 * the default admission (2 per user, 4 per server: the rest are refused with 429 and retried after
 * a second), and against limits raised to 32 so that 32 evaluations really run at once.
 */
export async function healthzRuns(token: string, seconds: number): Promise<HealthzRun[]> {
  const opts = { parallel: 32, seconds, bytes: 6.75 * 2 ** 20, token };
  return [
    await healthzBench('default admission (2 per user, 4 per server)', {}, opts),
    await healthzBench(
      'admission raised to 32, so 32 evaluations run at once',
      {
        STEWARD_EVALUATIONS_PER_SERVER: '32',
        STEWARD_EVALUATIONS_PER_USER: '32',
      },
      opts,
    ),
  ];
}

/** Table rows: /healthz p50 / p99 under load beside the same probe idle, in the same run. */
export function healthzRows(runs: HealthzRun[]) {
  return runs.map((r) => {
    const answered = Object.entries(r.statuses)
      .map(([status, n]) => `${n} x ${status}`)
      .join(', ');
    return {
      name: `GET /healthz while one user keeps 32 evaluation uploads of a ${fmt(r.bytes / 2 ** 20, 2)} MiB CSV in flight, ${r.label} (p50 / p99 ms; uploads answered ${answered}; server RSS ${fmt(r.idle.rssMiB, 0)} MiB idle, ${fmt(r.loaded.peakRssMiB, 0)} MiB peak)`,
      value: `${fmt(r.loaded.p50)} / ${fmt(r.loaded.p99)}`,
      baseline: `${fmt(r.idle.p50)} / ${fmt(r.idle.p99)} ms the same probe, same server, idle`,
      ratio: r.loaded.p99 / r.idle.p99,
      goal: 'p99 <= 100 ms',
    };
  });
}
