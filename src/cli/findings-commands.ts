import type { Command } from 'commander';
import { createClient, UsageError } from './client.ts';
import { print } from './output.ts';
import { passwordFrom } from './prompt.ts';

interface Subject {
  label: string;
}
interface Finding {
  id: string;
  subject: Subject;
  severity: string;
  title: string;
  status: string;
  owner: { username: string };
  dueDate: string;
  overdue: boolean;
  blocks: string[];
}
interface MeasureException {
  id: string;
  subject: Subject;
  measure: string;
  status: string;
  valid: boolean;
  expiresAt: string;
}

const FINDING_STATUSES = ['open', 'remediating', 'closed'];
const EXCEPTION_STATUSES = ['requested', 'approved', 'rejected', 'expired'];

const oneOf = (option: string, value: string, allowed: string[]) => {
  if (!allowed.includes(value)) throw new UsageError(`${option} must be one of ${allowed.join(', ')}, not '${value}'`);
  return value;
};

/** The subject options: --use-case, or --model with --version. */
function subjectOf(o: { useCase?: string; model?: string; version?: string }, required: boolean) {
  if ((o.model === undefined) !== (o.version === undefined))
    throw new UsageError('--model and --version go together (one version)');
  if (o.useCase !== undefined && o.model !== undefined)
    throw new UsageError('name either --use-case or --model and --version, not both');
  if (o.useCase !== undefined) return { useCase: o.useCase };
  if (o.model !== undefined) {
    const version = Number(o.version);
    if (!Number.isInteger(version) || version < 1) throw new UsageError('--version must be a positive integer');
    return { model: o.model, version };
  }
  if (required) throw new UsageError('name the subject: --use-case <ref>, or --model <name> --version <n>');
  return {};
}

const subjectOptions = (c: Command) =>
  c
    .option('--use-case <ref>', 'a use case (id or name)')
    .option('--model <name>', 'a model (with --version)')
    .option('--version <n>', 'the version number');

const findingLine = (f: Finding) =>
  `${f.id}  ${f.severity}  ${f.status}  ${f.subject.label}  ${f.title}  (owner ${f.owner.username}, due ${f.dueDate}${f.overdue ? ', OVERDUE' : ''}${f.blocks.length ? `, blocks ${f.blocks.join(', ')}` : ''})`;
const exceptionLine = (e: MeasureException) =>
  `${e.id}  ${e.status}${e.valid ? ' (valid)' : ''}  ${e.subject.label}  waives ${e.measure} until ${e.expiresAt}`;

/** Findings raised by validators and exceptions (waivers) of measures. */
export function findingsCommands(program: Command): void {
  const findings = program.command('findings').description('findings raised by validators on use cases and versions');
  subjectOptions(findings.command('list').description('findings, oldest first'))
    .option('--status <status>', FINDING_STATUSES.join(' | '))
    .option('--severity <severity>', "one of the pack's severities")
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const q = new URLSearchParams({ limit: '500' });
      for (const [k, v] of Object.entries(subjectOf(o, false))) q.set(k, String(v));
      if (o.status) q.set('status', oneOf('--status', o.status, FINDING_STATUSES));
      if (o.severity) q.set('severity', o.severity);
      const res = await createClient().request<{ items: Finding[] }>('GET', `/api/v1/findings?${q}`);
      print(o.json, res.items, res.items.map(findingLine).join('\n') || 'no findings');
    });
  findings
    .command('show <id>')
    .description('one finding')
    .option('--json', 'print JSON', false)
    .action(async (id: string, o) => {
      const f = await createClient().request<Finding>('GET', `/api/v1/findings/${encodeURIComponent(id)}`);
      print(o.json, f, findingLine(f));
    });
  subjectOptions(findings.command('raise').description('raise a finding (a validator role the policy pack names)'))
    .requiredOption('--severity <severity>', "one of the pack's severities (default low, medium, high, critical)")
    .requiredOption('--title <text>', 'what was found, in a line')
    .requiredOption('--description <text>', 'what was found, in full')
    .requiredOption('--owner <user>', 'who remediates (username)')
    .requiredOption('--due <date>', 'due date, YYYY-MM-DD')
    .requiredOption('--remediation <text>', 'the remediation plan')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const f = await createClient().request<Finding>('POST', '/api/v1/findings', {
        ...subjectOf(o, true),
        severity: o.severity,
        title: o.title,
        description: o.description,
        owner: o.owner,
        dueDate: o.due,
        remediation: o.remediation,
      });
      print(o.json, f, `finding ${f.id} raised: ${findingLine(f)}`);
    });
  findings
    .command('update <id>')
    .description('update a finding: validators any field, its owner the status and remediation plan')
    .option('--severity <severity>', 'a new severity')
    .option('--title <text>', 'a new title')
    .option('--owner <user>', 'a new owner (username)')
    .option('--due <date>', 'a new due date, YYYY-MM-DD')
    .option('--remediation <text>', 'a revised remediation plan')
    .option('--status <status>', 'open | remediating (closing takes a signature: steward findings close)')
    .option('--json', 'print JSON', false)
    .action(async (id: string, o) => {
      const patch = {
        ...(o.severity ? { severity: o.severity } : {}),
        ...(o.title ? { title: o.title } : {}),
        ...(o.owner ? { owner: o.owner } : {}),
        ...(o.due ? { dueDate: o.due } : {}),
        ...(o.remediation ? { remediation: o.remediation } : {}),
        ...(o.status ? { status: oneOf('--status', o.status, ['open', 'remediating']) } : {}),
      };
      if (Object.keys(patch).length === 0) throw new UsageError('nothing to update: give at least one option');
      const f = await createClient().request<Finding>('PATCH', `/api/v1/findings/${encodeURIComponent(id)}`, patch);
      print(o.json, f, `finding ${f.id} updated: ${findingLine(f)}`);
    });
  findings
    .command('close <id>')
    .description(
      'close a finding by an e-signature (its raiser or another validator); asks for your password again, or reads it with --password-stdin',
    )
    .option('--comment <text>', 'how it was remediated')
    .option('--password-stdin', 'read the password from standard input', false)
    .option('--json', 'print JSON', false)
    .action(async (id: string, o) => {
      const password = await passwordFrom(o, 'password (to sign the closing): ');
      const f = await createClient().request<Finding>('POST', `/api/v1/findings/${encodeURIComponent(id)}/close`, {
        ...(o.comment ? { comment: o.comment } : {}),
        password,
      });
      print(o.json, f, `finding ${f.id} closed`);
    });

  const exceptions = program
    .command('exceptions')
    .description('exceptions (waivers) of one measure for a use case or version, until they expire');
  subjectOptions(exceptions.command('list').description('exceptions, oldest first'))
    .option('--status <status>', EXCEPTION_STATUSES.join(' | '))
    .option('--measure <id>', 'only those of this measure')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const q = new URLSearchParams({ limit: '500' });
      for (const [k, v] of Object.entries(subjectOf(o, false))) q.set(k, String(v));
      if (o.status) q.set('status', oneOf('--status', o.status, EXCEPTION_STATUSES));
      if (o.measure) q.set('measure', o.measure);
      const res = await createClient().request<{ items: MeasureException[] }>('GET', `/api/v1/exceptions?${q}`);
      print(o.json, res.items, res.items.map(exceptionLine).join('\n') || 'no exceptions');
    });
  exceptions
    .command('show <id>')
    .description('one exception')
    .option('--json', 'print JSON', false)
    .action(async (id: string, o) => {
      const e = await createClient().request<MeasureException>('GET', `/api/v1/exceptions/${encodeURIComponent(id)}`);
      print(o.json, e, exceptionLine(e));
    });
  subjectOptions(exceptions.command('request').description('request an exception of one measure'))
    .requiredOption('--measure <id>', 'the measure to waive')
    .requiredOption('--reason <text>', 'why it cannot be met now')
    .requiredOption('--expires <date-time>', "when the waiver ends (at most the pack's maximum days ahead)")
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const expires = new Date(o.expires);
      if (Number.isNaN(expires.getTime())) throw new UsageError('--expires must be a date or date-time');
      const e = await createClient().request<MeasureException>('POST', '/api/v1/exceptions', {
        ...subjectOf(o, true),
        measure: o.measure,
        reason: o.reason,
        expiresAt: expires.toISOString(),
      });
      print(o.json, e, `exception ${e.id} requested: ${exceptionLine(e)}`);
    });
  for (const decision of ['approve', 'reject'] as const)
    exceptions
      .command(`${decision} <id>`)
      .description(
        `${decision} an exception by an e-signature (a role the pack names${decision === 'approve' ? ', never its requester' : ''}); asks for your password again, or reads it with --password-stdin`,
      )
      .option('--comment <text>', 'why')
      .option('--password-stdin', 'read the password from standard input', false)
      .option('--json', 'print JSON', false)
      .action(async (id: string, o) => {
        const password = await passwordFrom(o, `password (to sign the ${decision}): `);
        const e = await createClient().request<MeasureException>(
          'POST',
          `/api/v1/exceptions/${encodeURIComponent(id)}/${decision}`,
          { ...(o.comment ? { comment: o.comment } : {}), password },
        );
        print(o.json, e, `exception ${e.id} ${e.status}`);
      });
}
