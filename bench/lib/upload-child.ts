// Keeps `parallel` evaluation uploads of one CSV file in flight against a Steward server for
// `seconds`, as one caller, then prints what the server answered (JSON on stdout). Run in a
// process of its own (pinned to the load CPU), so its work does not slow the latency probe.
import { readFileSync } from 'node:fs';

const [url, token, file, parallelArg, secondsArg] = process.argv.slice(2) as [string, string, string, string, string];
const body = readFileSync(file);
const parallel = Number(parallelArg);
const until = Date.now() + Number(secondsArg) * 1000;
const statuses: Record<string, number> = {};
const evaluateMs: number[] = [];
// Uploads still running at the end of the run are cut: the run has a fixed length.
const stop = new AbortController();
setTimeout(() => stop.abort(), until - Date.now()).unref();

async function lane(): Promise<void> {
  while (Date.now() < until) {
    const started = performance.now();
    let status: string;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` },
        body,
        signal: stop.signal,
      });
      await res.arrayBuffer();
      status = String(res.status);
      if (res.status === 201) evaluateMs.push(performance.now() - started);
      // A refused upload waits as its Retry-After says, as a well-behaved client would, but at most 1 s.
      if (res.status === 429) await new Promise((r) => setTimeout(r, 1000));
    } catch (err) {
      status = stop.signal.aborted ? 'cut at the end of the run' : `error ${(err as Error).message}`;
    }
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
}

await Promise.all(Array.from({ length: parallel }, lane));
evaluateMs.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({ statuses, evaluateMsP50: evaluateMs[Math.floor(evaluateMs.length / 2)] ?? null })}\n`,
);
