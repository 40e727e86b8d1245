import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.ts';
import { VERSION } from '../version.ts';
import { ApiError, UnreachableError, UsageError } from './client.ts';
import { auditCommands } from './audit-commands.ts';
import { identityCommands } from './identity-commands.ts';
import { inventoryCommands } from './inventory-commands.ts';
import { policyCommands } from './policy-commands.ts';
import { evaluateCommand } from './evaluate-command.ts';
import { driftCommand } from './drift-command.ts';
import { lifecycleCommands } from './lifecycle-commands.ts';
import { serverCommands } from './server-commands.ts';
import { adminCommands } from './admin-commands.ts';

/** Exit codes: 0 ok, 1 the server refused or failed, 2 bad usage or configuration, 3 server unreachable. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

function report(err: unknown): number {
  if (err instanceof ApiError) {
    const p = err.problem;
    process.stderr.write(`error: ${p.title ?? 'request failed'} (${p.code ?? err.status}): ${p.detail ?? ''}\n`);
    for (const e of p.errors ?? []) process.stderr.write(`  ${e.pointer}: ${e.message}\n`);
    return EXIT.failed;
  }
  if (err instanceof UnreachableError) {
    process.stderr.write(`error: ${err.message}\n  set STEWARD_URL to the server's address\n`);
    return EXIT.unreachable;
  }
  if (err instanceof UsageError || err instanceof ConfigError) {
    process.stderr.write(`error: ${err.message}\n`);
    return EXIT.usage;
  }
  process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.failed;
}

const program = new Command('steward')
  .description('Steward: ML model governance. Server, administration and CI client.')
  .version(VERSION)
  // Program options only before the subcommand, so `steward check --version 3` means the model version.
  .enablePositionalOptions()
  .showHelpAfterError()
  .exitOverride();

serverCommands(program);
adminCommands(program);
inventoryCommands(program);
identityCommands(program);
auditCommands(program);
policyCommands(program);
evaluateCommand(program);
driftCommand(program);
lifecycleCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.exitCode = report(err);
  }
}
