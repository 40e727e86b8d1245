import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type {
  CompletionView,
  ImportResult,
  LiteracyReport,
  TrainingCatalogue,
  UserTrainings,
} from '../features/trainings/trainings.schema.ts';
import type { AcknowledgementView } from '../features/trainings/trainings.schema.ts';
import { createClient, UsageError } from './client.ts';
import { print } from './output.ts';
import { passwordFrom } from './prompt.ts';

/** The signed-in user's username (for commands about "me"). */
async function me(): Promise<string> {
  return (await createClient().request<{ username: string }>('GET', '/api/v1/me')).username;
}

const user = (u: string) => `/api/v1/users/${encodeURIComponent(u)}/trainings`;

export function trainingCommands(program: Command): void {
  const trainings = program
    .command('trainings')
    .description(
      'training records: the pack’s trainings, completions, CSV import, AI-literacy report, policy acknowledgement',
    );

  trainings
    .command('list')
    .description("the active pack's trainings: validity, the roles that need them to sign")
    .option('--json', 'print JSON', false)
    .action(async (o: { json: boolean }) => {
      const c = await createClient().request<TrainingCatalogue>('GET', '/api/v1/trainings');
      print(
        o.json,
        c,
        [
          `enforced from: ${c.enforceFrom ?? 'not enforced'}`,
          ...c.items.map(
            (t) =>
              `${t.id.padEnd(28)} ${String(t.validityDays).padStart(5)} days  ${t.title}  (${t.requiredFor.join(', ') || 'no role'})`,
          ),
        ].join('\n'),
      );
    });

  trainings
    .command('show [user]')
    .description('where a user (default: you) stands on each training, with expiry')
    .option('--json', 'print JSON', false)
    .action(async (who: string | undefined, o: { json: boolean }) => {
      const r = await createClient().request<UserTrainings>('GET', user(who ?? (await me())));
      print(
        o.json,
        r,
        [
          `${r.user.username}${r.enforceFrom ? '' : ' (trainings not enforced)'}`,
          ...r.items.map(
            (i) =>
              `${i.status.padEnd(8)} ${i.training.padEnd(28)} ${i.completedOn ? `completed ${i.completedOn}, expires ${i.expiresOn}` : 'never completed'}${i.requiredBy.length ? `  required as ${i.requiredBy.join(', ')}` : ''}`,
          ),
        ].join('\n'),
      );
    });

  trainings
    .command('record <training> <completedOn>')
    .description('record a completion (YYYY-MM-DD) for you, or with --user for someone else (user administrators)')
    .option('--user <username>', 'whose completion (default: yours)')
    .option('--certificate <ref>', 'certificate number or link')
    .option('--json', 'print JSON', false)
    .action(
      async (training: string, completedOn: string, o: { user?: string; certificate?: string; json: boolean }) => {
        const who = o.user ?? (await me());
        const r = await createClient().request<CompletionView>('POST', user(who), {
          training,
          completedOn,
          ...(o.certificate ? { certificate: o.certificate } : {}),
        });
        print(o.json, r, `recorded: ${who} completed ${r.training} on ${r.completedOn}`);
      },
    );

  trainings
    .command('import <file>')
    .description('import completions from a CSV file (username,training,completedOn): all rows or none')
    .option('--json', 'print JSON', false)
    .action(async (file: string, o: { json: boolean }) => {
      const csv = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`);
      });
      const r = await createClient().request<ImportResult>('POST', '/api/v1/trainings/import', { csv });
      print(o.json, r, `imported ${r.imported} completion(s)`);
    });

  trainings
    .command('report <team>')
    .description(
      "a team's AI literacy (EU AI Act Art. 4): who holds a current AI-literacy training, who is missing or expired",
    )
    .option('--json', 'print JSON', false)
    .action(async (team: string, o: { json: boolean }) => {
      const r = await createClient().request<LiteracyReport>(
        'GET',
        `/api/v1/trainings/report?team=${encodeURIComponent(team)}`,
      );
      const s = r.summary;
      print(
        o.json,
        r,
        [
          `${r.team} on ${r.asOf}: ${s.current}/${s.members} current, ${s.expired} expired, ${s.missing} missing`,
          ...r.members.map((m) =>
            `${m.status.padEnd(8)} ${m.username.padEnd(20)} ${m.expiresOn ? `expires ${m.expiresOn}` : ''}`.trimEnd(),
          ),
        ].join('\n'),
      );
    });

  trainings
    .command('acknowledge')
    .description(
      'acknowledge the active policy pack (or --pack) by e-signature; asks for your password, or --password-stdin',
    )
    .option('--pack <id>', 'the pack version (default: the active one)')
    .option('--comment <text>', 'a comment for the record')
    .option('--password-stdin', 'read the password from standard input', false)
    .option('--json', 'print JSON', false)
    .action(async (o: { pack?: string; comment?: string; passwordStdin?: boolean; json: boolean }) => {
      const password = await passwordFrom(o, 'password (to sign the acknowledgement): ');
      const r = await createClient().request<AcknowledgementView>('POST', '/api/v1/policy/acknowledgements', {
        password,
        ...(o.pack ? { packId: o.pack } : {}),
        ...(o.comment ? { comment: o.comment } : {}),
      });
      print(o.json, r, `acknowledged pack ${r.packId}: signed ${r.signature.manifestDigest}`);
    });
}
