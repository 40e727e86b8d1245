/**
 * Whether a process with this id exists on this host: one of another user's answers EPERM, which
 * still means it runs. A process id can be reused, so a true answer may name another process.
 */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
