import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

/** `taskset -c <cpu> cmd args` where taskset exists and the machine has a second CPU; otherwise as is. */
export function pinned(cpu: number, cmd: string, args: string[]): [string, string[]] {
  return PIN ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args];
}
const PIN = cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/**
 * Runs `fn` with this process (all its threads) on `cpu` only, where pinning works, then on every
 * CPU again: a bench that times requests itself is then a load generator on CPU 1 like the others,
 * instead of sometimes being scheduled beside the server on CPU 0.
 */
export async function onCpu<T>(cpu: number, fn: () => Promise<T>): Promise<T> {
  if (!PIN) return fn();
  const pin = (cpus: string) => spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)]);
  pin(String(cpu));
  try {
    return await fn();
  } finally {
    pin(`0-${cpus().length - 1}`);
  }
}

/**
 * Starts a bench server script (TypeScript, via tsx) in its own process; resolves with its URL once
 * it prints `READY <url>` (within `startMs`, 30 s unless given: the demo seeds first).
 */
export async function startChild(
  script: string,
  env: Record<string, string> = {},
  opts: { pin?: boolean; startMs?: number } = {},
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const path = fileURLToPath(new URL(`../servers/${script}`, import.meta.url));
  const args = [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', path];
  // Servers on CPU 0, load generators on CPU 1 (see load.ts): without pinning, the scheduler
  // sometimes runs both on one CPU and a run loses a third of its throughput to that alone.
  const [cmd, argv] = opts.pin === false ? [process.execPath, args] : pinned(0, process.execPath, args);
  const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${out}`)), opts.startMs ?? 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out}`)));
  });
  return {
    url,
    child,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
