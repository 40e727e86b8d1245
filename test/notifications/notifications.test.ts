import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, manualClock, seedUser } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { sha, TRAINING, useGovernedLifecycle } from '../helpers/lifecycle.ts';
import { startSmtpReceiver } from '../helpers/smtp.ts';

const DAY = 86_400_000;

interface Note {
  id: string;
  kind: string;
  title: string;
  subject: { type: string; id: string };
  read: boolean;
  email: { status: string; attempts: number; error: string | null; sentAt: string | null };
}

describe.each(DB_KINDS)('notifications to people on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    // Tuesday 2026-03-03, 09:00 UTC.
    const clock = manualClock(Date.parse('2026-03-03T09:00:00Z'));
    const notifications = {
      smtp: { url: '', from: 'Steward <steward@example.com>' },
      publicUrl: 'https://steward.example.com',
      deliverEveryMs: 0,
    };
    let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
    beforeAll(async () => {
      smtp = await startSmtpReceiver();
      notifications.smtp.url = smtp.url;
    });
    afterAll(async () => smtp?.close());
    const { t, as, tok } = useGovernedLifecycle(kind, { clock, notifications });
    let version = 2;
    beforeAll(async () => {
      // Two more business owners of lending: one reads a daily digest, one wants no e-mail.
      tok.bea = await seedUser(t.app, 'bea', [{ scope: 'lending', role: 'business-stakeholder' }]);
      tok.bo = await seedUser(t.app, 'bo', [{ scope: 'lending', role: 'business-stakeholder' }]);
    });

    const get = (url: string, token: string) => call(t.app, { method: 'GET', url, token });
    const send = (method: 'POST' | 'PUT' | 'DELETE', url: string, token: string, body?: unknown) =>
      call(t.app, { method, url, token, ...(body !== undefined ? { body } : {}) });
    const notesOf = async (user: string, query = '') =>
      (await get(`/api/v1/notifications?limit=200${query}`, as(user))).body.items as Note[];
    const deliver = async () => {
      const res = await call(t.app, { method: 'POST', url: '/api/v1/notifications/deliveries' });
      expect(res.status, res.text).toBe(200);
      return res.body as { sent: number; retrying: number; failed: number; digests: number };
    };
    /** Registers a new version of pd: its first step opens tasks for the lending team's roles. */
    const newVersion = async () => {
      version++;
      const res = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/pd/versions',
        token: as('ds'),
        body: { artifactUri: `s3://m/${version}`, artifactDigest: sha(version), datasets: TRAINING },
      });
      expect(res.status, res.text).toBe(201);
    };
    const setMail = async (user: string, username: string, mode: string) => {
      const patched = await call(t.app, {
        method: 'PATCH',
        url: `/api/v1/users/${username}`,
        body: { email: `${username}@example.com` },
      });
      expect(patched.status, patched.text).toBe(200);
      const put = await send('PUT', '/api/v1/users/me/notification-settings', as(user), { email: mode });
      expect(put.status, put.text).toBe(200);
      expect(put.body).toEqual({ email: mode, emailConfigured: true });
    };

    it('tells the people who hold an opened task’s role, each only their own', async () => {
      await newVersion();
      const rita = await notesOf('owner');
      const olga = await notesOf('risk1');
      const otto = await notesOf('outsider');
      expect(rita.length).toBeGreaterThan(0);
      expect(rita.every((n) => n.kind === 'task-opened')).toBe(true);
      expect(rita.some((n) => n.title.startsWith(`pd v${version}:`))).toBe(true);
      // olga holds business-stakeholder in lending (the first step's tasks); rita and otto do not.
      expect(otto).toEqual([]);
      const ids = new Set(rita.map((n) => n.id));
      expect(olga.some((n) => ids.has(n.id))).toBe(false);
      // Reading someone else's notification is as if it did not exist.
      expect(olga).toEqual([]);
      expectProblem(await send('POST', `/api/v1/notifications/${rita[0]!.id}/read`, as('risk1')), 404, 'not_found');
      const count = (await get('/api/v1/notifications/unread-count', as('owner'))).body.unread as number;
      expect(count).toBe(rita.length);
    });

    it('marks one read, all read, and pages', async () => {
      const before = await notesOf('owner');
      const read = await send('POST', `/api/v1/notifications/${before[0]!.id}/read`, as('owner'));
      expect(read.status, read.text).toBe(200);
      expect(read.body.read).toBe(true);
      expect((await notesOf('owner', '&unread=true')).length).toBe(before.length - 1);
      const first = await get('/api/v1/notifications?limit=1', as('owner'));
      expect(first.body.items).toHaveLength(1);
      const second = await get(`/api/v1/notifications?limit=1&cursor=${first.body.nextCursor}`, as('owner'));
      expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
      expect(second.body.items[0].id < first.body.items[0].id).toBe(true);
      const all = await send('POST', '/api/v1/notifications/read-all', as('owner'));
      expect(all.body.marked).toBe(before.length - 1);
      expect((await get('/api/v1/notifications/unread-count', as('owner'))).body.unread).toBe(0);
    });

    it('refuses bad settings, listing the allowed values', async () => {
      const bad = await send('PUT', '/api/v1/users/me/notification-settings', as('owner'), { email: 'hourly' });
      expectProblem(bad, 400, 'validation_failed');
      for (const mode of ['immediate', 'daily', 'weekly', 'off']) expect(bad.text).toContain(mode);
      expectProblem(
        await send('PUT', '/api/v1/users/me/notification-settings', as('owner'), { email: 'daily', x: 1 }),
        400,
        'validation_failed',
      );
      expectProblem(
        await send('PUT', '/api/v1/users/me/notification-settings', as('owner'), {}),
        400,
        'validation_failed',
      );
      expect((await get('/api/v1/users/me/notification-settings', as('owner'))).body.email).toBe('daily');
    });

    it('mails immediately to whom asked for it, with the subject and a link under the public URL', async () => {
      await setMail('owner', 'olga', 'immediate');
      await setMail('bea', 'bea', 'daily');
      await setMail('bo', 'bo', 'off');
      smtp.mails.length = 0;
      await newVersion();
      const rita = (await notesOf('owner')).filter((n) => n.title.startsWith(`pd v${version}:`));
      expect(rita.length).toBeGreaterThan(0);
      expect(rita.every((n) => n.email.status === 'pending')).toBe(true);
      expect(
        (await notesOf('bo')).filter((n) => n.title.startsWith(`pd v${version}:`)).map((n) => n.email.status),
      ).toContain('none');
      const report = await deliver();
      expect(report.sent).toBe(rita.length);
      const toRita = smtp.mails.filter((m) => m.to.includes('olga@example.com'));
      expect(toRita).toHaveLength(rita.length);
      expect(toRita.map((m) => m.subject).sort()).toEqual(rita.map((n) => `[Steward] ${n.title}`).sort());
      expect(toRita[0]!.from).toBe('steward@example.com');
      expect(toRita[0]!.text).toContain('https://steward.example.com/inbox');
      expect(smtp.mails.some((m) => m.to.includes('bo@example.com') || m.to.includes('bea@example.com'))).toBe(false);
      expect(
        (await notesOf('owner')).filter((n) => rita.some((r) => r.id === n.id)).every((n) => n.email.status === 'sent'),
      ).toBe(true);
      // Sent once: a second run finds nothing due.
      expect((await deliver()).sent).toBe(0);
    });

    it('retries a mail the relay refused, with backoff, and records what happened', async () => {
      smtp.failing = true;
      smtp.mails.length = 0;
      await newVersion();
      const due = (await notesOf('owner')).filter((n) => n.title.startsWith(`pd v${version}:`));
      const first = await deliver();
      expect(first.retrying).toBe(due.length);
      const failed = (await notesOf('owner')).filter((n) => due.some((d) => d.id === n.id));
      expect(failed.every((n) => n.email.status === 'pending' && n.email.attempts === 1)).toBe(true);
      expect(failed[0]!.email.error).toMatch(/451|temporarily/);
      // Not retried before its backoff has passed.
      smtp.failing = false;
      expect(await deliver()).toMatchObject({ sent: 0, retrying: 0 });
      clock.advance(2 * 60_000);
      expect((await deliver()).sent).toBe(due.length);
      expect(smtp.mails.filter((m) => m.to.includes('olga@example.com'))).toHaveLength(due.length);
      const sent = (await notesOf('owner')).filter((n) => due.some((d) => d.id === n.id));
      expect(sent.every((n) => n.email.status === 'sent' && n.email.attempts === 2 && n.email.sentAt)).toBe(true);
    });

    it('sends a daily digest of several items in one mail, once', async () => {
      smtp.mails.length = 0;
      const before = new Set((await notesOf('bea')).map((n) => n.id));
      await newVersion();
      await newVersion();
      const waiting = (await notesOf('bea')).filter((n) => !before.has(n.id) || n.email.status === 'daily');
      expect(waiting.length).toBeGreaterThan(1);
      expect(waiting.every((n) => n.email.status === 'daily')).toBe(true);
      // The day has not ended: nothing to ravi yet.
      await deliver();
      expect(smtp.mails.filter((m) => m.to.includes('bea@example.com'))).toEqual([]);
      clock.advance(DAY);
      const report = await deliver();
      expect(report.digests).toBeGreaterThanOrEqual(1);
      const toRavi = smtp.mails.filter((m) => m.to.includes('bea@example.com'));
      expect(toRavi).toHaveLength(1);
      expect(toRavi[0]!.subject).toMatch(/^\[Steward\] \d+ notifications on 2026-03-0\d$/);
      for (const n of waiting) expect(toRavi[0]!.text).toContain(n.title);
      // Once per period, however often (or by however many replicas) the job runs.
      await deliver();
      await deliver();
      expect(smtp.mails.filter((m) => m.to.includes('bea@example.com'))).toHaveLength(1);
      expect(
        (await notesOf('bea'))
          .filter((n) => waiting.some((w) => w.id === n.id))
          .every((n) => n.email.status === 'sent'),
      ).toBe(true);
    });

    it('assigns a task to a person who holds its role, reassigns, unassigns, audited', async () => {
      const inbox = (await get('/api/v1/tasks?limit=500', as('owner'))).body.items as {
        id: string;
        role: string;
        team: string;
        assignee: unknown;
      }[];
      const task = inbox.find((x) => x.role === 'business-stakeholder' && x.team === 'lending')!;
      expect(task.assignee).toBeNull();
      const assigned = await send('PUT', `/api/v1/tasks/${task.id}/assignee`, as('owner'), { username: 'bea' });
      expect(assigned.status, assigned.text).toBe(200);
      expect(assigned.body.assignee.username).toBe('bea');
      const told = (await notesOf('bea')).find((n) => n.kind === 'task-assigned' && n.subject.id === task.id);
      expect(told?.title).toContain('Assigned to you');
      const mine = (await get('/api/v1/tasks?assignedToMe=true&limit=500', as('bea'))).body.items as {
        id: string;
        assignee: { username: string };
      }[];
      expect(mine.map((x) => x.id)).toEqual([task.id]);
      expect(mine[0]!.assignee.username).toBe('bea');
      expect((await get('/api/v1/tasks?assignedToMe=true', as('owner'))).body.items).toEqual([]);
      const re = await send('PUT', `/api/v1/tasks/${task.id}/assignee`, as('bea'), { username: 'bo' });
      expect(re.body.assignee.username).toBe('bo');
      const un = await send('DELETE', `/api/v1/tasks/${task.id}/assignee`, as('bo'));
      expect(un.status, un.text).toBe(200);
      expect(un.body.assignee).toBeNull();
      const audit = (
        await call(t.app, { method: 'GET', url: `/api/v1/audit/events?subjectType=task&subjectId=${task.id}` })
      ).body.items.map((e: { action: string }) => e.action);
      expect(audit.filter((a: string) => a.startsWith('task.'))).toEqual(
        expect.arrayContaining(['task.assign', 'task.assign', 'task.unassign']),
      );
    });

    it('refuses assignments to non-members, of unknown tasks, by outsiders', async () => {
      const task = (
        (await get('/api/v1/tasks?limit=500', as('owner'))).body.items as { id: string; role: string }[]
      ).find((x) => x.role === 'business-stakeholder')!;
      // otto is in another team.
      const notMember = await send('PUT', `/api/v1/tasks/${task.id}/assignee`, as('owner'), { username: 'otto' });
      expectProblem(notMember, 400, 'bad_request');
      expect(notMember.body.detail).toContain("does not hold business-stakeholder in team 'lending'");
      // rita is in lending, but not a business owner.
      expectProblem(
        await send('PUT', `/api/v1/tasks/${task.id}/assignee`, as('owner'), { username: 'rita' }),
        400,
        'bad_request',
      );
      expectProblem(
        await send('PUT', `/api/v1/tasks/${task.id}/assignee`, as('owner'), { username: 'nobody' }),
        400,
        'bad_request',
      );
      expectProblem(
        await send('PUT', '/api/v1/tasks/01890000-0000-7000-8000-000000000000/assignee', as('owner'), {
          username: 'bea',
        }),
        404,
        'not_found',
      );
      expectProblem(
        await send('PUT', '/api/v1/tasks/not-a-uuid/assignee', as('owner'), { username: 'bea' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await send('PUT', `/api/v1/tasks/${task.id}/assignee`, as('owner'), { username: 5 }),
        400,
        'validation_failed',
      );
      const forbidden = await send('PUT', `/api/v1/tasks/${task.id}/assignee`, as('outsider'), { username: 'bea' });
      expectProblem(forbidden, 403, 'forbidden');
      expectProblem(await send('DELETE', `/api/v1/tasks/${task.id}/assignee`, as('risk1')), 403, 'forbidden');
      // Nothing half-written: still unassigned.
      const after = (
        (await get('/api/v1/tasks?limit=500', as('owner'))).body.items as { id: string; assignee: unknown }[]
      ).find((x) => x.id === task.id);
      expect(after?.assignee).toBeNull();
      // Only an administrator runs the delivery by hand.
      expectProblem(await send('POST', '/api/v1/notifications/deliveries', as('bea')), 403, 'forbidden');
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/notifications', token: null }),
        401,
        'unauthenticated',
      );
    });
  });
});
