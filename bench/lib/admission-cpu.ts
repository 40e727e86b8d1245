// The server's own CPU time per request (user + system, read from /proc) for audited admission
// decisions, dry runs and the deployment check they apply, in alternating rounds. Throughput on a
// shared machine moves with whatever else runs there; CPU time spent per request moves far less,
// so this comparison still means something when the machine is busy.
import { readFileSync } from 'node:fs';
import { startChild } from './child.ts';
import { review, seedAdmission } from './discovery-bench.ts';

/** utime + stime of a process in milliseconds (Linux clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export async function admissionCpu(
  token: string,
  requests: number,
  rounds = 5,
): Promise<{ kind: string; microseconds: number[] }[]> {
  const server = await startChild('steward.ts', { STEWARD_BENCH_TOKEN: token });
  try {
    await seedAdmission(server.url, token);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const kinds: [string, () => Promise<Response>][] = [
      [
        'GET /api/v1/check',
        () => fetch(`${server.url}/api/v1/check?model=scorer&version=1&environment=development`, { headers }),
      ],
      [
        'admission, dry run',
        () => fetch(`${server.url}/api/v1/admission`, { method: 'POST', headers, body: JSON.stringify(review(true)) }),
      ],
      [
        'admission, audited',
        () => fetch(`${server.url}/api/v1/admission`, { method: 'POST', headers, body: JSON.stringify(review(false)) }),
      ],
    ];
    const out = kinds.map(([kind]) => ({ kind, microseconds: [] as number[] }));
    // The first round warms up and is not counted.
    for (let round = 0; round <= rounds; round++)
      for (const [i, [kind, send]] of kinds.entries()) {
        const before = cpuMs(server.child.pid!);
        let next = 0;
        // 32 connections, as the throughput rows use.
        await Promise.all(
          Array.from({ length: 32 }, async () => {
            while (next++ < requests) {
              const res = await send();
              await res.arrayBuffer();
              if (!res.ok) throw new Error(`${kind}: ${res.status}`);
            }
          }),
        );
        if (round > 0) out[i]!.microseconds.push(((cpuMs(server.child.pid!) - before) / requests) * 1000);
      }
    return out;
  } finally {
    await server.stop();
  }
}
