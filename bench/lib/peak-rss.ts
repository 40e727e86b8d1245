import { readFileSync } from 'node:fs';

/**
 * This process's own peak RSS in MiB. Linux carries the parent's high-water mark into a child's
 * ru_maxrss across fork and exec (so `process.resourceUsage().maxRSS` of a child spawned by a large
 * benchmark process reports the parent's size); VmHWM in /proc/self/status belongs to this process
 * image alone. Elsewhere ru_maxrss is the best there is.
 */
export function peakRssMiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}
