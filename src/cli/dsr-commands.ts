import type { Command } from 'commander';
import { createClient, UsageError } from './client.ts';
import { print } from './output.ts';

interface Dsr {
  id: string;
  subjectRef: string;
  type: string;
  category: string;
  receivedOn: string;
  dueOn: string;
  overdue: boolean;
  status: string;
  extension: { reason: string } | null;
  closed: { reason: string } | null;
  trace: {
    datasetVersions: { dataset: string; version: number; derivedFrom: string | null }[];
    modelVersions: { model: string; version: number; useCase: string; datasets: { dataset: string; role: string }[] }[];
    tasks: { id: string; kind: string; team: string; title: string }[];
  };
}

const TYPES = ['access', 'erasure', 'rectification', 'restriction', 'objection-automated-decision', 'portability'];
const STATUSES = ['received', 'in-progress', 'completed', 'refused'];
const URL = '/api/v1/data-subject-requests';

const oneOf = (option: string, value: string, allowed: string[]) => {
  if (!allowed.includes(value)) throw new UsageError(`${option} must be one of ${allowed.join(', ')}, not '${value}'`);
  return value;
};

const line = (r: Dsr) =>
  `${r.id}  ${r.type}  ${r.status}  ${r.subjectRef}  ${r.category}  (received ${r.receivedOn}, due ${r.dueOn}${r.overdue ? ', OVERDUE' : ''}${r.extension ? ', extended' : ''}; ${r.trace.modelVersions.length} model versions, ${r.trace.tasks.length} tasks)`;

function detail(r: Dsr): string {
  const out = [line(r)];
  out.push('dataset versions holding the data:');
  for (const d of r.trace.datasetVersions)
    out.push(`  ${d.dataset}@${d.version}${d.derivedFrom ? ` (derived from ${d.derivedFrom})` : ''}`);
  if (r.trace.datasetVersions.length === 0) out.push('  none');
  out.push('model versions trained or evaluated on them:');
  for (const m of r.trace.modelVersions)
    out.push(
      `  ${m.model}/${m.version}  use case ${m.useCase}  (${m.datasets.map((d) => `${d.dataset} ${d.role}`).join(', ')})`,
    );
  if (r.trace.modelVersions.length === 0) out.push('  none');
  out.push('tasks:');
  for (const t of r.trace.tasks) out.push(`  ${t.id}  ${t.kind}  team ${t.team}  ${t.title}`);
  if (r.trace.tasks.length === 0) out.push('  none');
  if (r.extension) out.push(`extended: ${r.extension.reason}`);
  if (r.closed) out.push(`closed (${r.status}): ${r.closed.reason}`);
  return out.join('\n');
}

/** Data-subject requests (GDPR Art. 15-22, CCPA): the data-protection officer's register. */
export function dsrCommands(program: Command): void {
  const dsr = program
    .command('dsr')
    .description('data-subject requests (GDPR Art. 15-22, CCPA), traced to the datasets and models they touch');
  dsr
    .command('list')
    .description('requests, oldest first, with due dates')
    .option('--status <status>', STATUSES.join(' | '))
    .option('--overdue', 'only open requests past their due date', false)
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const q = new URLSearchParams({ limit: '500' });
      if (o.status) q.set('status', oneOf('--status', o.status, STATUSES));
      if (o.overdue) q.set('overdue', 'true');
      const res = await createClient().request<{ items: Dsr[] }>('GET', `${URL}?${q}`);
      print(o.json, res.items, res.items.map(line).join('\n') || 'no data-subject requests');
    });
  dsr
    .command('show <id>')
    .description('one request with the dataset versions, model versions and tasks traced')
    .option('--json', 'print JSON', false)
    .action(async (id: string, o) => {
      const r = await createClient().request<Dsr>('GET', `${URL}/${encodeURIComponent(id)}`);
      print(o.json, r, detail(r));
    });
  dsr
    .command('create')
    .description('record a request: due one month after receipt; opens tasks for the teams whose models use the data')
    .requiredOption('--subject <ref>', 'an opaque reference to the person (ticket or customer number, not a name)')
    .requiredOption('--type <type>', TYPES.join(' | '))
    .requiredOption(
      '--category <category>',
      'the personal data: a PII kind (direct-identifier, quasi-identifier, special-category, pseudonymised), personal-data, or text matched against column names',
    )
    .requiredOption('--received <date>', 'the day it was received, YYYY-MM-DD')
    .option('--notes <text>', 'notes for the file')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const r = await createClient().request<Dsr>('POST', URL, {
        subjectRef: o.subject,
        type: oneOf('--type', o.type, TYPES),
        category: o.category,
        receivedOn: o.received,
        ...(o.notes ? { notes: o.notes } : {}),
      });
      print(o.json, r, `data-subject request ${r.id} recorded\n${detail(r)}`);
    });
  dsr
    .command('extend <id>')
    .description('extend the due date once, by up to two months, with the reason (GDPR Art. 12(3))')
    .requiredOption('--months <n>', '1 or 2')
    .requiredOption('--reason <text>', 'why more time is needed')
    .option('--json', 'print JSON', false)
    .action(async (id: string, o) => {
      const months = Number(o.months);
      if (!Number.isInteger(months) || months < 1) throw new UsageError('--months must be a positive integer');
      const r = await createClient().request<Dsr>('POST', `${URL}/${encodeURIComponent(id)}/extend`, {
        months,
        reason: o.reason,
      });
      print(o.json, r, `data-subject request ${r.id} extended: due ${r.dueOn}`);
    });
  dsr
    .command('close <id>')
    .description('close a request as completed or refused, with the reason')
    .requiredOption('--outcome <outcome>', 'completed | refused')
    .requiredOption('--reason <text>', 'what was done, or why it is refused')
    .option('--json', 'print JSON', false)
    .action(async (id: string, o) => {
      const r = await createClient().request<Dsr>('POST', `${URL}/${encodeURIComponent(id)}/close`, {
        outcome: oneOf('--outcome', o.outcome, ['completed', 'refused']),
        reason: o.reason,
      });
      print(o.json, r, `data-subject request ${r.id} ${r.status}`);
    });
}
