import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * Points TMPDIR at a fresh directory for the enclosing suite (and restores it after), so a test
 * can see what was left behind there; `left(prefix)` lists the entries whose names start with it,
 * `open(prefix)` the files under such entries this process still holds open.
 */
export function useOwnTmpdir(name: string): {
  left: (prefix: string) => string[];
  open: (prefix: string) => string[];
} {
  let dir = '';
  let before: string | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `${name}-`));
    before = process.env.TMPDIR;
    process.env.TMPDIR = dir;
  });
  afterAll(() => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    left: (prefix) => readdirSync(dir).filter((f) => f.startsWith(prefix)),
    // Files under the directory's entries named `prefix...` this process still holds open (Linux: /proc/self/fd), deleted or not.
    open: (prefix) =>
      readdirSync('/proc/self/fd').flatMap((fd) => {
        try {
          const target = readlinkSync(`/proc/self/fd/${fd}`);
          return target.startsWith(`${dir}/${prefix}`) ? [target] : [];
        } catch {
          return [];
        }
      }),
  };
}
