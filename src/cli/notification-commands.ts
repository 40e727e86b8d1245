import type { Command } from 'commander';
import { createClient, UsageError } from './client.ts';
import { print } from './output.ts';

interface Note {
  id: string;
  kind: string;
  title: string;
  read: boolean;
  createdAt: string;
  email: { status: string };
}

const MODES = ['immediate', 'daily', 'weekly', 'off'];
const URL = '/api/v1/notifications';

const line = (n: Note) =>
  `${n.read ? ' ' : '*'} ${n.id}  ${n.createdAt.slice(0, 16)}  ${n.title}  (e-mail: ${n.email.status})`;

/** A person's notifications, their e-mail settings, and assigning tasks to people. */
export function notificationCommands(program: Command): void {
  const cmd = program
    .command('notifications')
    .description('your notifications (unread marked *), e-mail settings, and task assignment');
  cmd
    .command('list')
    .description('your notifications, newest first')
    .option('--unread', 'only unread ones', false)
    .option('--limit <n>', 'how many, 1 to 200', '50')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new UsageError('--limit must be 1 to 200');
      const q = new URLSearchParams({ limit: String(limit), ...(o.unread ? { unread: 'true' } : {}) });
      const res = await createClient().request<{ items: Note[]; unread: number }>('GET', `${URL}?${q}`);
      print(o.json, res, [`${res.unread} unread`, ...res.items.map(line)].join('\n'));
    });
  cmd
    .command('read [id]')
    .description('mark one notification read, or all with --all')
    .option('--all', 'mark all your notifications read', false)
    .option('--json', 'print JSON', false)
    .action(async (id: string | undefined, o) => {
      if (!id && !o.all) throw new UsageError('give a notification id, or --all');
      if (id && o.all) throw new UsageError('give a notification id or --all, not both');
      const client = createClient();
      if (o.all) {
        const r = await client.request<{ marked: number }>('POST', `${URL}/read-all`);
        return print(o.json, r, `${r.marked} marked read`);
      }
      const n = await client.request<Note>('POST', `${URL}/${encodeURIComponent(id!)}/read`);
      print(o.json, n, `read: ${n.title}`);
    });
  cmd
    .command('settings')
    .description('show, or with --email change, how you are e-mailed')
    .option('--email <mode>', MODES.join(' | '))
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      if (o.email && !MODES.includes(o.email))
        throw new UsageError(`--email must be one of ${MODES.join(', ')}, not '${o.email}'`);
      const client = createClient();
      const url = '/api/v1/users/me/notification-settings';
      const s = await client.request<{ email: string; emailConfigured: boolean }>(
        o.email ? 'PUT' : 'GET',
        url,
        o.email ? { email: o.email } : undefined,
      );
      print(o.json, s, `e-mail: ${s.email}${s.emailConfigured ? '' : ' (this server sends no e-mail)'}`);
    });
  cmd
    .command('assign <task> [username]')
    .description('assign an open task to a person holding its role in its team (--none to unassign)')
    .option('--none', 'unassign the task', false)
    .option('--json', 'print JSON', false)
    .action(async (task: string, username: string | undefined, o) => {
      if (!username && !o.none) throw new UsageError('give a username, or --none to unassign');
      const url = `/api/v1/tasks/${encodeURIComponent(task)}/assignee`;
      const r = await createClient().request<{ id: string; assignee: { username: string } | null }>(
        o.none ? 'DELETE' : 'PUT',
        url,
        o.none ? undefined : { username },
      );
      print(o.json, r, r.assignee ? `task ${r.id} assigned to ${r.assignee.username}` : `task ${r.id} unassigned`);
    });
}
