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

/** What waits for me: tasks of my roles, and the monitors' alerts. */
export function inboxCommands(program: Command): void {
  program
    .command('tasks')
    .description('my inbox: the tasks of the roles I hold (sign-offs, reviews, re-reviews)')
    .option('--status <status>', TASK_STATUSES.join(' | '), 'open')
    .option('--overdue', 'only overdue tasks', false)
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const q = new URLSearchParams({ status: oneOf('--status', o.status, TASK_STATUSES), limit: '500' });
      if (o.overdue) q.set('overdue', 'true');
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
