import type { Command } from 'commander';
import { diffPacks } from '../domain/policy/diff.ts';
import type { PolicyPack } from '../domain/policy/pack.schema.ts';
import { packJsonSchema } from '../domain/policy/pack.schema.ts';
import { validatePack, type PackProblem } from '../domain/policy/validate.ts';
import { DEFAULT_PACK_FILE, parsePackText } from '../features/policy/pack-file.ts';
import { createClient, UsageError } from './client.ts';
import { readFile } from 'node:fs/promises';
import { passwordFrom } from './prompt.ts';

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Reads and validates a pack file; prints its problems and returns null when invalid. */
async function loadPack(file: string): Promise<PolicyPack | null> {
  const parsed = parsePackText(await readText(file));
  const problems: PackProblem[] = parsed.problems.length > 0 ? parsed.problems : validatePack(parsed.doc).problems;
  if (problems.length === 0) return parsed.doc as PolicyPack;
  process.stderr.write(`${file}: ${problems.length} problem(s)\n`);
  for (const p of problems) process.stderr.write(`  ${p.path}: ${p.message}\n`);
  return null;
}

export function policyCommands(program: Command): void {
  const policy = program.command('policy').description('policy packs: validate, compare, simulate, upload, activate');

  policy
    .command('validate <file>')
    .description('check a pack (YAML or JSON) against the schema and its own consistency; exit 1 on problems')
    .action(async (file: string) => {
      const pack = await loadPack(file);
      if (!pack) {
        process.exitCode = 1;
        return;
      }
      process.stdout.write(
        `${file}: valid (${pack.name} ${pack.version}: ${pack.classification.rules.length} rules, ${pack.measures.length} measures, ${pack.regulations.length} regulation packs)\n`,
      );
    });

  policy
    .command('diff <a> <b>')
    .description('what changed from pack A to pack B, item by item')
    .option('--json', 'print JSON', false)
    .action(async (a: string, b: string, o: { json: boolean }) => {
      const [left, right] = [await loadPack(a), await loadPack(b)];
      if (!left || !right) {
        process.exitCode = 1;
        return;
      }
      const diff = diffPacks(left, right);
      if (o.json) process.stdout.write(`${JSON.stringify(diff, null, 2)}\n`);
      else
        process.stdout.write(
          diff.length === 0
            ? 'no differences\n'
            : `${diff.map((d) => `${d.change.padEnd(7)} ${d.section} ${d.id}${d.detail ? `  ${d.detail}` : ''}`).join('\n')}\n`,
        );
    });

  policy
    .command('simulate <file>')
    .description('dry run of a candidate pack over the whole inventory on the server (STEWARD_URL)')
    .option('--json', 'print JSON', false)
    .action(async (file: string, o: { json: boolean }) => {
      const res = await createClient().request<{
        changes: {
          useCase: string;
          versions: string[];
          current: { tier: number; assessedTier: number } | null;
          candidate: { tier: number; assessedTier: number; euAiAct: string } | null;
          answerProblems: { question: string; message: string }[];
          measuresAdded: string[];
          measuresRemoved: string[];
        }[];
      }>('POST', '/api/v1/policies/simulate', { yaml: await readText(file) });
      if (o.json) {
        process.stdout.write(`${JSON.stringify(res.changes, null, 2)}\n`);
        return;
      }
      if (res.changes.length === 0) process.stdout.write('no use case would change\n');
      for (const c of res.changes) {
        const assessed =
          c.candidate &&
          c.current?.assessedTier !== c.candidate.assessedTier &&
          c.candidate.tier !== c.candidate.assessedTier
            ? ` (rules give ${c.candidate.assessedTier}, a confirmed override keeps ${c.candidate.tier})`
            : '';
        const tier = c.candidate
          ? `tier ${c.current?.tier} -> ${c.candidate.tier}${assessed}`
          : `must be re-assessed (${c.answerProblems.map((p) => `${p.question} ${p.message}`).join('; ')})`;
        process.stdout.write(
          `${c.useCase}: ${tier}; +${c.measuresAdded.length} -${c.measuresRemoved.length} measures${c.versions.length ? `; versions ${c.versions.join(', ')}` : ''}\n`,
        );
        for (const m of c.measuresAdded) process.stdout.write(`    + ${m}\n`);
        for (const m of c.measuresRemoved) process.stdout.write(`    - ${m}\n`);
      }
    });

  policy
    .command('upload <file>')
    .description('store a pack version on the server as a draft')
    .action(async (file: string) => {
      const res = await createClient().request<{ id: string; name: string; version: string; digest: string }>(
        'POST',
        '/api/v1/policies',
        { yaml: await readText(file) },
      );
      process.stdout.write(`uploaded ${res.name} ${res.version} as ${res.id} (${res.digest})\n`);
    });

  policy
    .command('activate <id>')
    .description(
      'make a pack version the active one: an e-signature by someone other than its uploader; asks for your password again, or reads it with --password-stdin',
    )
    .option('--comment <text>', 'why, for the record')
    .option('--password-stdin', 'read the password from standard input', false)
    .action(async (id: string, o: { comment?: string; passwordStdin?: boolean }) => {
      const password = await passwordFrom(o, 'password (to sign the activation): ');
      const res = await createClient().request<{
        pack: {
          name: string;
          version: string;
          activation: { manifest: { simulation: Record<string, number> }; manifestDigest: string } | null;
        };
        reevaluate: string[];
      }>('POST', `/api/v1/policies/${encodeURIComponent(id)}/activate`, {
        password,
        ...(o.comment ? { comment: o.comment } : {}),
      });
      const sim = res.pack.activation?.manifest.simulation;
      process.stdout.write(
        `active: ${res.pack.name} ${res.pack.version}; ${res.reevaluate.length} use case(s) marked for re-evaluation\n`,
      );
      if (sim)
        process.stdout.write(
          `signed ${res.pack.activation!.manifestDigest}: ${sim.useCasesChangingTier} use case(s) change tier, +${sim.requirementsAdded} -${sim.requirementsRemoved} requirements\n`,
        );
    });

  policy
    .command('schema')
    .description('print the JSON Schema policy packs are validated against')
    .action(() => {
      process.stdout.write(`${JSON.stringify(packJsonSchema(), null, 2)}\n`);
    });

  policy
    .command('default')
    .description('print the path of the default pack shipped with Steward (a starting point for your own)')
    .action(() => {
      process.stdout.write(`${DEFAULT_PACK_FILE}\n`);
    });
}
