import { CommanderError } from 'commander';
import { ApiError, UnreachableError, UsageError } from './client.ts';
import { programFor } from './program.ts';

/** Exit codes: 0 ok, 1 the server refused or failed, 2 bad usage or configuration, 3 server unreachable. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

// ConfigError by name: importing config.ts (its schema compiler) would slow every command's start.
function report(err: unknown): number {
  if (err instanceof ApiError) {
    const p = err.problem;
    process.stderr.write(`error: ${p.title ?? 'request failed'} (${p.code ?? err.status}): ${p.detail ?? ''}\n`);
    for (const e of p.errors ?? []) process.stderr.write(`  ${e.pointer}: ${e.message}\n`);
    if (err.status === 401)
      process.stderr.write('  sign in with `steward login`, or set STEWARD_TOKEN to an API token\n');
    return EXIT.failed;
  }
  if (err instanceof UnreachableError) {
    process.stderr.write(`error: ${err.message}\n  set STEWARD_URL to the server's address\n`);
    return EXIT.unreachable;
  }
  if (err instanceof UsageError || (err as Error | undefined)?.name === 'ConfigError') {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return EXIT.usage;
  }
  process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.failed;
}

try {
  await (await programFor()).parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.exitCode = report(err);
  }
}
