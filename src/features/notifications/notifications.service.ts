import { actorId, type RequestContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { TaskTable } from '../../db/schema.ts';
import type { NotificationTable } from '../../db/schema-notifications.ts';
import { ORGANISATION } from '../../domain/authz.ts';
import { DEFAULT_EMAIL_MODE, EMAIL_MODES, type EmailMode } from '../../domain/notifications.ts';
import type { OpenedTask } from '../../events.ts';
import { DomainError, notFound } from '../../errors.ts';
import { authorize, requireWriteScope } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { NotificationsRepo } from './notifications.repo.ts';

/** A person as the notifications feature needs them (from identity). */
export interface Person {
  id: string;
  username: string;
  email: string | null;
  status: string;
  roles: { scope: string; role: string }[];
}

export interface NotificationsDeps extends CommandDeps {
  repo: NotificationsRepo;
  /** Active people holding a role in a team or organisation-wide (from identity). */
  roleHolders: (exec: Executor, role: string, team: string) => Promise<Person[]>;
  /** A user by username (from identity). */
  userByName: (exec: Executor, username: string) => Promise<Person | undefined>;
  /** The lifecycle's tasks: read one, assign it (the lifecycle owns the table). */
  tasks: {
    get: (exec: Executor, id: string) => Promise<TaskTable | undefined>;
    assign: (tx: Tx, id: string, to: { id: string; username: string } | null, at: string) => Promise<boolean>;
    /** What a task's subject is called and where the console shows it. */
    subjects: (exec: Executor, ids: string[]) => Promise<Map<string, { label: string; link: string }>>;
  };
  /** Whether e-mail is configured (without it notifications stay in the console). */
  email: boolean;
}

export interface Notification {
  id: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  subject: { type: string; id: string };
  createdAt: string;
  read: boolean;
  readAt: string | null;
  email: { status: string; attempts: number; error: string | null; sentAt: string | null };
}

export interface NewNotification {
  kind: string;
  title: string;
  body: string;
  link: string | null;
  subject: { type: string; id: string };
}

export const view = (r: NotificationTable): Notification => ({
  id: r.id,
  kind: r.kind,
  title: r.title,
  body: r.body,
  link: r.link,
  subject: { type: r.subject_type, id: r.subject_id },
  createdAt: r.created_at,
  read: r.read_at !== null,
  readAt: r.read_at,
  email: { status: r.email_status, attempts: r.email_attempts, error: r.email_error, sentAt: r.emailed_at },
});

const holds = (p: { roles: { scope: string; role: string }[] }, role: string, team: string) =>
  p.roles.some((a) => a.role === role && (a.scope === team || a.scope === ORGANISATION));

/**
 * Notifications to people: written in the transaction of what caused them (a task opened for a
 * role they hold, a task assigned to them), listed per person, marked read; each carries how it
 * is to be e-mailed, decided by the person's setting when it is written.
 */
export function createNotificationsService(deps: NotificationsDeps) {
  const { db, transact, audit, clock, ids, repo } = deps;

  const me = (ctx: RequestContext): string => {
    const id = actorId(ctx);
    if (!id) throw new DomainError('unauthenticated', 'notifications belong to a signed-in person');
    return id;
  };

  /** Writes one notification for each person, with the e-mail state their setting asks for. */
  async function notify(tx: Tx, people: Person[], n: NewNotification): Promise<void> {
    const unique = [...new Map(people.map((p) => [p.id, p])).values()];
    if (unique.length === 0) return;
    const modes = await repo.settingsOf(
      tx,
      unique.map((p) => p.id),
    );
    const now = clock.now().toISOString();
    await repo.insert(
      tx,
      unique.map((p) => {
        const mode = (modes.get(p.id) ?? DEFAULT_EMAIL_MODE) as EmailMode;
        // Mail only where it can arrive: e-mail configured, an address known, the person not opted out.
        const status = !deps.email || !p.email || mode === 'off' ? 'none' : mode === 'immediate' ? 'pending' : mode;
        return {
          id: ids.next(),
          user_id: p.id,
          kind: n.kind,
          title: n.title,
          body: n.body,
          link: n.link,
          subject_type: n.subject.type,
          subject_id: n.subject.id,
          created_at: now,
          read_at: null,
          email_status: status,
          email_attempts: 0,
          email_next_at: status === 'pending' ? now : null,
          claimed_until: null,
          email_error: null,
          emailed_at: null,
          digest_id: null,
        };
      }),
    );
  }

  return {
    notify,

    /** Tells the people who hold an opened task's role in its team (in the opening transaction). */
    async tasksOpened(tx: Tx, tasks: OpenedTask[]): Promise<void> {
      const subjects = await deps.tasks.subjects(tx, [...new Set(tasks.map((t) => t.subject.id))]);
      const holders = new Map<string, Person[]>();
      for (const t of tasks) {
        const key = `${t.role}|${t.team}`;
        if (!holders.has(key)) holders.set(key, await deps.roleHolders(tx, t.role, t.team));
        const s = subjects.get(t.subject.id);
        await notify(tx, holders.get(key)!, {
          kind: 'task-opened',
          title: `${s?.label ?? t.subject.id}: ${t.title}`,
          body: `A task for ${t.role} in team ${t.team} is open, due ${t.due.slice(0, 10)}.`,
          link: '/inbox',
          subject: { type: 'task', id: t.id },
        });
      }
    },

    /** The caller's notifications, newest first, with their unread count. */
    async list(ctx: RequestContext, q: { unread?: boolean; limit: number; cursor?: string }) {
      const user = me(ctx);
      const rows = await repo.page(db, user, {
        limit: q.limit + 1,
        ...(q.unread ? { unread: true } : {}),
        ...(q.cursor ? { before: q.cursor } : {}),
      });
      const page = rows.slice(0, q.limit);
      return {
        items: page.map(view),
        nextCursor: rows.length > q.limit ? page.at(-1)!.id : null,
        unread: await repo.unreadCount(db, user),
      };
    },

    async unread(ctx: RequestContext): Promise<{ unread: number }> {
      return { unread: await repo.unreadCount(db, me(ctx)) };
    },

    /** Marks one of the caller's notifications read; someone else's is not found (never revealed). */
    async markRead(ctx: RequestContext, id: string): Promise<Notification> {
      const user = me(ctx);
      return transact(async (tx) => {
        const row = await repo.get(tx, id);
        if (!row || row.user_id !== user) throw notFound('notification', id);
        const at = clock.now().toISOString();
        await repo.markRead(tx, user, [id], at);
        return view({ ...row, read_at: row.read_at ?? at });
      });
    },

    async markAllRead(ctx: RequestContext): Promise<{ marked: number }> {
      const user = me(ctx);
      return transact(async (tx) => ({ marked: await repo.markRead(tx, user, 'all', clock.now().toISOString()) }));
    },

    async settings(ctx: RequestContext): Promise<{ email: EmailMode; emailConfigured: boolean }> {
      const mode = (await repo.settingsOf(db, [me(ctx)])).get(me(ctx)) ?? DEFAULT_EMAIL_MODE;
      return { email: mode as EmailMode, emailConfigured: deps.email };
    },

    async putSettings(ctx: RequestContext, body: { email: EmailMode }) {
      requireWriteScope(ctx, 'change notification settings');
      const user = me(ctx);
      if (!EMAIL_MODES.includes(body.email))
        throw new DomainError('validation_failed', `email must be one of ${EMAIL_MODES.join(', ')}`, {
          errors: [{ pointer: '/email', message: `must be one of ${EMAIL_MODES.join(', ')}` }],
        });
      return transact(async (tx) => {
        const before = (await repo.settingsOf(tx, [user])).get(user) ?? DEFAULT_EMAIL_MODE;
        await repo.putSetting(tx, { user_id: user, email: body.email, updated_at: clock.now().toISOString() });
        await audit.append(tx, ctx, {
          action: 'notification-settings.update',
          subject: { type: 'user', id: user },
          before: { email: before },
          after: { email: body.email },
        });
        return { email: body.email, emailConfigured: deps.email };
      });
    },

    /**
     * Assigns an open task to a person who holds its role in its team, or unassigns it (null).
     * Whoever holds the task's role there may (re)assign it, and so may a governance administrator.
     */
    async assign(ctx: RequestContext, taskId: string, username: string | null) {
      requireWriteScope(ctx, 'assign tasks');
      return transact(async (tx) => {
        const t = await deps.tasks.get(tx, taskId);
        if (!t) throw notFound('task', taskId);
        if (ctx.principal && !holds(ctx.principal, t.role, t.team)) {
          try {
            authorize(ctx, 'policy:admin', ORGANISATION);
          } catch {
            throw new DomainError(
              'forbidden',
              `${ctx.principal.username} may not assign task ${taskId}: it is for ${t.role} in team '${t.team}', a role they do not hold there (nor are they a policy administrator)`,
            );
          }
        }
        if (t.status !== 'open')
          throw new DomainError('conflict', `task ${taskId} is ${t.status}: only open tasks are assigned`);
        let to: Person | null = null;
        if (username !== null) {
          to = (await deps.userByName(tx, username)) ?? null;
          if (!to)
            throw new DomainError('bad_request', `user '${username}' does not exist`, {
              errors: [{ pointer: '/username', message: `no user '${username}'` }],
            });
          if (to.status !== 'active')
            throw new DomainError('bad_request', `user '${username}' is ${to.status} and cannot take tasks`, {
              errors: [{ pointer: '/username', message: `${username} is ${to.status}` }],
            });
          if (!holds(to, t.role, t.team))
            throw new DomainError(
              'bad_request',
              `${username} does not hold ${t.role} in team '${t.team}': a task is assigned to a person who holds its role there`,
              {
                errors: [{ pointer: '/username', message: `${username} does not hold ${t.role} in team '${t.team}'` }],
              },
            );
        }
        const at = clock.now().toISOString();
        if (!(await deps.tasks.assign(tx, taskId, to && { id: to.id, username: to.username }, at)))
          throw new DomainError('conflict', `task ${taskId} closed meanwhile`);
        await audit.append(tx, ctx, {
          action: to ? 'task.assign' : 'task.unassign',
          subject: { type: 'task', id: taskId },
          before: { assignee: t.assignee_name },
          after: { assignee: to?.username ?? null },
        });
        // The assignee is told, unless they took the task themselves.
        if (to && to.id !== actorId(ctx)) {
          const s = (await deps.tasks.subjects(tx, [t.subject_id])).get(t.subject_id);
          await notify(tx, [to], {
            kind: 'task-assigned',
            title: `Assigned to you: ${s?.label ?? t.subject_id}: ${t.title}`,
            body: `${ctx.principal?.username ?? 'Steward'} assigned you a task for ${t.role} in team ${t.team}, due ${t.due_at.slice(0, 10)}.`,
            link: '/inbox?assigned=me',
            subject: { type: 'task', id: taskId },
          });
        }
        return { id: taskId, assignee: to ? { id: to.id, username: to.username, at } : null };
      });
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
