import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import { processRunning } from '../lib/process.ts';

/**
 * One server process per SQLite file: its caches (API tokens, version records, webhook
 * subscriptions) assume this process sees every write. The lock is a file beside the database
 * holding the owner's pid and host; a lock whose process is gone (crash, SIGKILL) is taken over.
 */
export interface ProcessLock {
  file: string;
  release(): void;
}

export class LockedError extends Error {
  override name = 'LockedError';
}

interface Owner {
  pid: number;
  host: string;
}

const lockFileOf = (dbFile: string) => `${dbFile}.lock`;

function readOwner(file: string): Owner | null {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Partial<Owner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? { pid: o.pid, host: o.host } : null;
  } catch {
    return null;
  }
}

/** The live process holding the lock of `dbFile`, if any (a lock left by a dead one is no owner). */
export function lockOwner(dbFile: string): Owner | null {
  const owner = readOwner(lockFileOf(dbFile));
  if (!owner) return null;
  // Another host's process cannot be probed: it counts as alive (a shared volume is what this refuses).
  if (owner.host !== hostname()) return owner;
  return owner.pid !== process.pid && processRunning(owner.pid) ? owner : null;
}

export const lockedMessage = (dbFile: string, owner: Owner) =>
  `the SQLite database ${dbFile} is in use by another Steward process (pid ${owner.pid} on ${owner.host}); ` +
  `SQLite serves one process only: stop that one, or use PostgreSQL for several replicas ` +
  `(if no such process runs, remove ${lockFileOf(dbFile)})`;

/** Takes the lock of `dbFile` for this process, or throws LockedError naming the holder. */
export function acquireProcessLock(dbFile: string): ProcessLock {
  const file = lockFileOf(dbFile);
  // The lock is taken before the database is opened, which is what creates a new data directory.
  mkdirSync(dirname(file), { recursive: true });
  const me = JSON.stringify({ pid: process.pid, host: hostname() });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, me);
      closeSync(fd);
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          if (readOwner(file)?.pid === process.pid) rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = lockOwner(dbFile);
      if (owner) throw new LockedError(lockedMessage(dbFile, owner));
      // A stale lock (its process is gone, or it is unreadable): remove it and try again.
      rmSync(file, { force: true });
    }
  }
  throw new LockedError(`could not take the lock ${file}; remove it if no Steward process uses ${dbFile}`);
}
