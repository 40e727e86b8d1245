import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepOrphanedSpills } from '../../src/tabular/spill.ts';

// The compiled module (built by the suite's global set-up for the CLI tests): a real process that
// spills, is killed outright, and leaves its directory for the next one to remove.
const SPILL_JS = new URL('../../dist/tabular/spill.js', import.meta.url).href;
const host = hostname().replace(/[^A-Za-z0-9.]/g, '_');

/** A process id that no process has now: a child's, once it has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('spill directories of processes killed outright', () => {
  const roots: string[] = [];
  const root = () => {
    const r = mkdtempSync(join(tmpdir(), 'steward-orphans-'));
    roots.push(r);
    return r;
  };
  afterEach(() => {
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });

  it("are removed when their process no longer runs, and only this host's", () => {
    const r = root();
    const dead = deadPid();
    const names = {
      dead: `steward-eval-${host}-${dead}-aB3xYz`,
      own: `steward-eval-${host}-${process.pid}-aB3xYz`,
      init: `steward-eval-${host}-1-aB3xYz`,
      otherHost: `steward-eval-elsewhere-${dead}-aB3xYz`,
      oldStyle: 'steward-eval-aB3xYz',
      noDash: `steward-eval-${host}-${dead}`,
      notANumber: `steward-eval-${host}-x${dead}-aB3xYz`,
      unrelated: 'something-else',
    };
    for (const name of Object.values(names)) {
      mkdirSync(join(r, name));
      writeFileSync(join(r, name, 'labels.u8'), 'x');
    }
    expect(sweepOrphanedSpills(r)).toEqual([names.dead]);
    expect(readdirSync(r).sort()).toEqual(
      Object.values(names)
        .filter((n) => n !== names.dead)
        .sort(),
    );
    expect(sweepOrphanedSpills(join(r, 'missing'))).toEqual([]);
  });

  it('a process killed with SIGKILL mid-evaluation leaves its files, and the next one to spill removes them', async () => {
    const r = root();
    const env = { ...process.env, TMPDIR: r };
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { spillDirectory } = await import(${JSON.stringify(SPILL_JS)});
         const { writeFileSync } = await import('node:fs');
         const dir = spillDirectory();
         writeFileSync(dir + '/scores.f64', Buffer.alloc(4096));
         process.stdout.write(dir + '\\n');
         setInterval(() => {}, 1000);`,
      ],
      { env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const dir = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.endsWith('\n')) resolve(out.trim());
      });
      child.on('exit', (code) => reject(new Error(`the spilling process exited with ${code}`)));
    });
    expect(dir.startsWith(join(r, `steward-eval-${host}-${child.pid}-`))).toBe(true);
    await new Promise<void>((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    expect(existsSync(join(dir, 'scores.f64'))).toBe(true);
    // The next process's first spill sweeps; its own directory goes when it exits.
    const next = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { spillDirectory } = await import(${JSON.stringify(SPILL_JS)});
         const { readdirSync } = await import('node:fs');
         const { basename } = await import('node:path');
         const mine = basename(spillDirectory());
         process.stdout.write(JSON.stringify({ mine, all: readdirSync(process.env.TMPDIR) }));`,
      ],
      { env, encoding: 'utf8' },
    );
    expect(next.status).toBe(0);
    const seen = JSON.parse(next.stdout) as { mine: string; all: string[] };
    expect(seen.all).toEqual([seen.mine]);
    expect(readdirSync(r)).toEqual([]);
  });
});
