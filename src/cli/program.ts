import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { VERSION } from '../version.ts';

type Register = (program: Command) => void;

/**
 * The command groups, each loaded only when one of its commands runs: the server's modules take
 * a second to import, and `steward models list` should not pay for them.
 */
export const GROUPS: Record<string, () => Promise<Register>> = {
  server: async () => (await import('./server-commands.ts')).serverCommands,
  admin: async () => (await import('./admin-commands.ts')).adminCommands,
  session: async () => (await import('./session-commands.ts')).sessionCommands,
  inventory: async () => (await import('./inventory-commands.ts')).inventoryCommands,
  governance: async () => (await import('./version-commands.ts')).versionCommands,
  inbox: async () => (await import('./inbox-commands.ts')).inboxCommands,
  identity: async () => (await import('./identity-commands.ts')).identityCommands,
  audit: async () => (await import('./audit-commands.ts')).auditCommands,
  policy: async () => (await import('./policy-commands.ts')).policyCommands,
  evaluate: async () => (await import('./evaluate-command.ts')).evaluateCommand,
  drift: async () => (await import('./drift-command.ts')).driftCommand,
  robustness: async () => (await import('./robustness-command.ts')).robustnessCommand,
  lifecycle: async () => (await import('./lifecycle-commands.ts')).lifecycleCommands,
  exports: async () => (await import('./export-commands.ts')).exportCommands,
  programme: async () => (await import('./programme-commands.ts')).programmeCommands,
  findings: async () => (await import('./findings-commands.ts')).findingsCommands,
  trainings: async () => (await import('./training-commands.ts')).trainingCommands,
  discovery: async () => (await import('./discovery-commands.ts')).discoveryCommands,
  dsr: async () => (await import('./dsr-commands.ts')).dsrCommands,
  attestations: async () => (await import('./attestation-commands.ts')).attestationCommands,
  notifications: async () => (await import('./notification-commands.ts')).notificationCommands,
};

/** Top-level command name -> group and description, written by `npm run build` (see manifest.ts). */
export interface Manifest {
  commands: { name: string; group: string; usage: string; description: string }[];
}

export function emptyProgram(): Command {
  return (
    new Command('steward')
      .description('Steward: ML model governance. Server, administration and CI client.')
      .version(VERSION)
      // Program options only before the subcommand, so `steward check --version 3` means the model version.
      .enablePositionalOptions()
      .showHelpAfterError()
      .exitOverride()
  );
}

/** The whole program, every group loaded, with the group each top-level command came from. */
export async function fullProgram(): Promise<{ program: Command; groupOf: Map<string, string> }> {
  const program = emptyProgram();
  const groupOf = new Map<string, string>();
  for (const [group, load] of Object.entries(GROUPS)) {
    const before = program.commands.length;
    (await load())(program);
    for (const c of program.commands.slice(before)) groupOf.set(c.name(), group);
  }
  return { program, groupOf };
}

function readManifest(): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(new URL('./manifest.json', import.meta.url), 'utf8')) as Manifest;
  } catch {
    return undefined; // running from source: no manifest, every group is loaded
  }
}

/**
 * The program for this command line: only the group of the command named, or, for the top-level
 * help and unknown commands, stand-ins carrying each command's name and description.
 */
export async function programFor(argv: string[] = process.argv): Promise<Command> {
  const manifest = readManifest();
  if (!manifest) return (await fullProgram()).program;
  const program = emptyProgram();
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  const word = words[0] === 'help' ? words[1] : words[0];
  const entry = manifest.commands.find((c) => c.name === word);
  if (entry) {
    (await GROUPS[entry.group]!())(program);
    return program;
  }
  for (const c of manifest.commands) program.command(c.name).usage(c.usage).description(c.description);
  return program;
}
