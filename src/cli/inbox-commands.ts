import type { Command } from 'commander';
import { createClient, UsageError } from './client.ts';
import { print } from './output.ts';

interface Task {
  id: string;
  model: string | null;
  version: number | null;
  useCase: string | null;
  kind: string;
  step: string;
  title: string;
  role: string;
  status: string;
  due: string;
  overdue: boolean;
}
interface Alert {
  id: string;
  rule: string;
  severity: string;
  state: string;
  metric: string;
  value: number | null;
  openedAt: string;
}

const TASK_STATUSES = ['open', 'done', 'cancelled', 'all'];
const ALERT_STATES = ['open', 'acknowledged', 'resolved', 'unresolved', 'all'];

const oneOf = (option: string, value: string, allowed: string[]) => {
  if (!allowed.includes(value)) throw new UsageError(`${option} must be one of ${allowed.join(', ')}, not '${value}'`);
  return value;
};

interface NextActions {
  status: { label: string; reasons: string[] };
  step: string | null;
  progress: { met: number; total: number };
  steps: { id: string; met: number; total: number; state: string }[];
  missing: {
    title: string;
    step: string;
    status: string;
    people: { displayName: string; role: string }[];
    roles: string[];
    actions: { label: string }[];
  }[];
  next: { label: string }[];
}

/** The next-actions answer as lines: status, progress per step, each missing item with who and what. */
function nextLines(n: NextActions): string {
  return [
    `status: ${n.status.label}${n.status.reasons.length ? ` (${n.status.reasons.join('; ')})` : ''}`,
    `step: ${n.step ?? '-'}; ${n.progress.met} of ${n.progress.total} requirements met`,
    ...n.steps.map((s) => `  ${s.id}: ${s.met} of ${s.total}${s.state === 'current' ? ' (current)' : ''}`),
    ...n.missing.map(
      (m) =>
        `- ${m.title} [${m.step}, ${m.status}] who: ${m.people.map((p) => `${p.displayName} (${p.role})`).join(', ') || m.roles.join(' or ')}; do: ${m.actions.map((a) => a.label).join(', then ')}`,
    ),
    ...n.next.map((a) => `next: ${a.label}`),
  ].join('\n');
}

/** What waits for me: tasks of my roles, and the monitors' alerts. */
export function inboxCommands(program: Command): void {
  program
    .command('next')
    .description(
      "what is next for a model version or a use case: status, progress per step, each missing item's owners and action",
    )
    .option('--model <name>', 'the model (with --version)')
    .option('--version <n>', 'the version number')
    .option('--use-case <id or name>', 'a use case instead of a version')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const version = o.model !== undefined && o.version !== undefined;
      if (version === (o.useCase !== undefined) || (o.model === undefined) !== (o.version === undefined))
        throw new UsageError('give --model and --version, or --use-case');
      if (version && !/^[1-9]\d*$/.test(o.version))
        throw new UsageError(`--version must be a positive integer, not '${o.version}'`);
      const path = version
        ? `/api/v1/models/${encodeURIComponent(o.model)}/versions/${o.version}/next-actions`
        : `/api/v1/use-cases/${encodeURIComponent(o.useCase)}/next-actions`;
      const res = await createClient().request<NextActions>('GET', path);
      print(o.json, res, nextLines(res));
    });

  program
    .command('my-work')
    .description('my own work: the use cases and versions I own or made, and the tasks I can complete')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const res = await createClient().request<{
        useCases: { name: string; team: string; status: { label: string } }[];
        versions: {
          model: string;
          version: number;
          step: string | null;
          met: number;
          total: number;
          status: { label: string };
        }[];
        tasks: {
          title: string;
          role: string;
          due: string;
          model: string | null;
          version: number | null;
          useCase: string | null;
        }[];
      }>('GET', '/api/v1/me/work');
      print(
        o.json,
        res,
        [
          'versions:',
          ...res.versions.map(
            (v) => `  ${v.model} v${v.version}  ${v.status.label}  step ${v.step ?? '-'}  ${v.met} of ${v.total} met`,
          ),
          'use cases:',
          ...res.useCases.map((u) => `  ${u.name} (${u.team})  ${u.status.label}`),
          'tasks I can complete:',
          ...res.tasks.map(
            (t) =>
              `  ${t.title} (as ${t.role}, due ${t.due}) on ${t.model ? `${t.model} v${t.version}` : `use case ${t.useCase}`}`,
          ),
        ].join('\n'),
      );
    });

  program
    .command('tasks')
    .description('my inbox: the tasks of the roles I hold (sign-offs, reviews, re-reviews)')
    .option('--status <status>', TASK_STATUSES.join(' | '), 'open')
    .option('--overdue', 'only overdue tasks', false)
    .option('--count', 'only how many (counted by the server, none listed)', false)
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const q = new URLSearchParams({ status: oneOf('--status', o.status, TASK_STATUSES) });
      if (o.overdue) q.set('overdue', 'true');
      if (o.count) {
        const { count } = await createClient().request<{ count: number }>('GET', `/api/v1/tasks/count?${q}`);
        print(o.json, { count }, `${count} task${count === 1 ? '' : 's'}`);
        return;
      }
      q.set('limit', '500');
      const res = await createClient().request<{ items: Task[] }>('GET', `/api/v1/tasks?${q}`);
      print(
        o.json,
        res.items,
        res.items
          .map(
            (t) =>
              `${t.id}  ${t.model ? `${t.model} v${t.version}` : `use case ${t.useCase}`}  ${t.step}  ${t.title}  (as ${t.role}, due ${t.due}${t.overdue ? ', OVERDUE' : ''})`,
          )
          .join('\n') || 'no tasks',
      );
    });

  const alerts = program.command('alerts').description("the monitors' alerts");
  alerts
    .command('list')
    .description('alerts, newest first')
    .option('--state <state>', ALERT_STATES.join(' | '), 'unresolved')
    .option('--model <name>', "only this version's (with --version)")
    .option('--version <n>', 'the version number')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const q = new URLSearchParams({ state: oneOf('--state', o.state, ALERT_STATES), limit: '500' });
      if ((o.version === undefined) !== (o.model === undefined))
        throw new UsageError('--model and --version go together (the alerts of one version)');
      if (o.model) q.set('model', o.model);
      if (o.version !== undefined) q.set('version', o.version);
      const res = await createClient().request<{ items: Alert[] }>('GET', `/api/v1/alerts?${q}`);
      print(
        o.json,
        res.items,
        res.items
          .map((a) => `${a.id}  ${a.severity}  ${a.state}  ${a.rule}  ${a.metric}=${a.value ?? '-'}  ${a.openedAt}`)
          .join('\n') || 'no alerts',
      );
    });
  alerts
    .command('ack <id>')
    .description('acknowledge an alert (who and when are recorded)')
    .option('--note <text>', 'what you found or will do')
    .option('--json', 'print JSON', false)
    .action(async (id: string, o) => {
      const a = await createClient().request<Alert>('POST', `/api/v1/alerts/${encodeURIComponent(id)}/acknowledge`, {
        ...(o.note ? { note: o.note } : {}),
      });
      print(o.json, a, `alert ${a.id} acknowledged (${a.rule}, ${a.severity})`);
    });
}
