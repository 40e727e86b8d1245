// /healthz latency while one data scientist keeps 32 evaluation uploads of a 6.75 MB CSV file in
// flight (issue 23: it took 64 s before evaluations left the event loop), beside the same probe
// on the same server idle, in the same run. Also the server's RSS idle and at its peak under load.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinned, startChild } from './child.ts';

export interface HealthzRun {
  label: string;
  idle: { p50: number; p99: number; max: number; rssMiB: number };
  loaded: { p50: number; p99: number; max: number; peakRssMiB: number };
  statuses: Record<string, number>;
  evaluateMsP50: number | null;
  bytes: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** A CSV of `bytes` (about): label, prediction, score and a sensitive group, as the penetration test sent. */
function evaluationFile(bytes: number): string {
  const lines = ['y,yhat,score,group'];
  let size = lines[0]!.length + 1;
  for (let i = 0; size < bytes; i++) {
    const score = ((i * 7919) % 1000) / 1000;
    const line = `${i % 3 === 0 ? 1 : 0},${score > 0.5 ? 1 : 0},${score.toFixed(3)},${'ABCD'[i % 4]}`;
    lines.push(line);
    size += line.length + 1;
  }
  const path = join(mkdtempSync(join(tmpdir(), 'steward-healthz-')), 'eval.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const rssMiB = (pid: number): number => {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

/** Sequential GET /healthz for `seconds`, one every 20 ms; latencies in ms, sorted. */
async function probe(url: string, seconds: number, sample?: () => void): Promise<number[]> {
  const out: number[] = [];
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const t0 = performance.now();
    const res = await fetch(`${url}/healthz`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
    out.push(performance.now() - t0);
    sample?.();
    await new Promise((r) => setTimeout(r, 20));
  }
  return out.sort((a, b) => a - b);
}

async function post(url: string, body: unknown, token: string): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`seed ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** One server, seeded with a data scientist; the probe idle, then under `parallel` uploads. */
export async function healthzBench(
  label: string,
  env: Record<string, string>,
  opts: { parallel: number; seconds: number; bytes: number; token: string },
): Promise<HealthzRun> {
  const file = evaluationFile(opts.bytes);
  // Not pinned to one CPU: the worker pool is there to put evaluations on the other one.
  const server = await startChild('steward.ts', { ...env, STEWARD_BENCH_TOKEN: opts.token }, { pin: false });
  try {
    const api = `${server.url}/api/v1`;
    await post(`${api}/teams`, { name: 'bench' }, opts.token);
    const uc = (await post(
      `${api}/use-cases`,
      {
        name: 'healthz',
        objective: 'benchmark',
        ownerTeam: 'bench',
        consumers: 'internal-few',
        regions: ['EU'],
        sector: 'test',
        processesPersonalData: false,
      },
      opts.token,
    )) as { id: string };
    await post(`${api}/models`, { name: 'scorer', useCaseId: uc.id }, opts.token);
    await post(
      `${api}/models/scorer/versions`,
      { artifactUri: 's3://bench/scorer.onnx', artifactDigest: `sha256:${'b'.repeat(64)}` },
      opts.token,
    );
    await post(
      `${api}/users`,
      {
        username: 'dora',
        displayName: 'Dora',
        password: 'dora-correct-horse-battery',
        roles: [{ scope: 'bench', role: 'data-scientist' }],
      },
      opts.token,
    );
    const dora = ((await post(`${api}/tokens`, { name: 'bench', username: 'dora' }, opts.token)) as { token: string })
      .token;

    const pid = server.child.pid!;
    const idle = await probe(server.url, 3);
    const idleRss = rssMiB(pid);
    let peak = idleRss;
    const url = `${api}/models/scorer/versions/1/evaluations?task=binary-classification&label=y&prediction=yhat&score=score&sensitive=group`;
    const script = fileURLToPath(new URL('./upload-child.ts', import.meta.url));
    const [cmd, argv] = pinned(1, process.execPath, [
      '--import',
      'tsx',
      script,
      url,
      dora,
      file,
      String(opts.parallel),
      String(opts.seconds),
    ]);
    const uploader = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    uploader.stdout!.on('data', (d) => (out += d));
    const done = new Promise<void>((resolve, reject) =>
      uploader.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`uploader exited with ${code}`)))),
    );
    // The uploads start streaming before the probe does.
    await new Promise((r) => setTimeout(r, 1000));
    const loaded = await probe(server.url, opts.seconds - 2, () => (peak = Math.max(peak, rssMiB(pid))));
    await done;
    const result = JSON.parse(out) as { statuses: Record<string, number>; evaluateMsP50: number | null };
    return {
      label,
      idle: { p50: quantile(idle, 0.5), p99: quantile(idle, 0.99), max: idle.at(-1)!, rssMiB: idleRss },
      loaded: { p50: quantile(loaded, 0.5), p99: quantile(loaded, 0.99), max: loaded.at(-1)!, peakRssMiB: peak },
      statuses: result.statuses,
      evaluateMsP50: result.evaluateMsP50,
      bytes: readFileSync(file).length,
    };
  } finally {
    await server.stop();
  }
}
