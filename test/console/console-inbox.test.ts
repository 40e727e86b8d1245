import { describe, expect, it } from 'vitest';
import {
  CONSOLE_DIR,
  noBrowser,
  screenshot,
  seriousViolations,
  signIn,
  useBrowser,
  visibleIds,
} from '../helpers/browser.ts';
import { call } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { PASSWORD, useGovernedLifecycle } from '../helpers/lifecycle.ts';
import { arrange, type Task } from '../../web/src/pages/inbox/inbox-tasks.ts';

// Dora is a data scientist and a validator of team lending: the server lists her a task per role
// asked, for the use case and for each version. The inbox lists each piece of work once per subject.
describe.each(DB_KINDS)('the inbox of someone holding two roles, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null || noBrowser !== null)(skipReason(kind) ?? noBrowser ?? 'browser', () => {
    const g = useGovernedLifecycle(kind, { consoleDir: CONSOLE_DIR });
    const b = useBrowser(
      `inbox-${kind}`,
      () => g.t.app,
      () => g.reachIdeation(),
    );

    it('groups by subject, filters by kind and due date, shows no ids, and signs in place', async () => {
      // The menu's count is asked for once per session and after changes, not on every page.
      const counted: string[] = [];
      const listen = (r: { url: () => string }) => {
        const u = new URL(r.url());
        if (u.pathname.startsWith('/api/v1/tasks')) counted.push(`${u.pathname}${u.search}`);
      };
      b.page.on('request', listen);
      // With the DPIA itself recorded and accepted, Dora's signature meets the measure and closes her task.
      const dpia = await g.doc('dpia');
      expect(dpia.status, dpia.text).toBe(201);
      await g.accept(dpia.body.id);
      await signIn(b.page, b.base, 'dora', PASSWORD('devrisk'));
      const badge = b.page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: /Inbox/ })
        .locator('.count');
      const open = async () =>
        (await call(g.t.app, { method: 'GET', url: '/api/v1/tasks/count', token: g.as('devrisk') })).body
          .count as number;
      const before = await open();
      expect(before).toBeGreaterThan(0);
      await expect.poll(() => badge.textContent()).toBe(String(before));
      for (const name of ['Home', 'My work', 'Inventory'])
        await b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
      await b.page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor();
      await b.page.getByRole('link', { name: /Inbox/ }).click();
      const v1 = b.page.getByRole('region', { name: 'pd v1' });
      const task = v1.getByRole('row').filter({ hasText: 'Sign: Data protection impact assessment' });
      await task.waitFor();
      expect(await task.count()).toBe(1);
      expect(await v1.getByRole('link', { name: 'Open pd v1' }).getAttribute('href')).toContain(
        '/models/pd/versions/1',
      );
      expect(await visibleIds(b.page)).toEqual([]);
      expect(await seriousViolations(b.page)).toEqual([]);
      await screenshot(b.page, `${kind}-inbox-01-grouped`);
      await b.page.getByLabel('Kind').selectOption('signoff');
      await task.waitFor();
      await b.page.getByLabel('Due').selectOption('overdue');
      await b.page.getByText('No task matches the filters.').waitFor();
      await b.page.getByLabel('Due').selectOption('week');
      await b.page.getByLabel('Due').selectOption('all');
      await task.getByRole('button', { name: 'Sign…' }).click();
      const dialog = b.page.getByRole('dialog', { name: 'Sign pd v1' });
      // The dialog starts with the role the task asks.
      expect(await dialog.getByLabel('Role').inputValue()).toBe('risk-audit');
      await dialog.getByLabel('Meaning').selectOption('approve');
      await dialog.getByLabel('Comment').fill('DPIA reviewed');
      await dialog.getByLabel('Password').fill(PASSWORD('devrisk'));
      await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
      await b.page.getByRole('status').filter({ hasText: 'Signed pd v1: Data protection impact assessment' }).waitFor();
      await dialog.waitFor({ state: 'hidden' });
      const signatures = (await g.lifecycle()).signatures as { role: string; comment: string }[];
      expect(signatures).toContainEqual(expect.objectContaining({ role: 'risk-audit', comment: 'DPIA reviewed' }));
      // The signature closed tasks: the menu's count follows without another page being opened.
      const after = await open();
      expect(after).toBeLessThan(before);
      await expect.poll(() => badge.count()).toBe(after === 0 ? 0 : 1);
      if (after > 0) expect(await badge.textContent()).toBe(String(after));
      b.page.off('request', listen);
      const counts = counted.filter((u) => u.startsWith('/api/v1/tasks/count'));
      // Once for the session (the home, my-work, inventory and inbox pages asked nothing), once after signing.
      expect(counts.length, counted.join('\n')).toBe(2);
      // Only the inbox page lists tasks; the menu never does.
      expect(
        counted.filter((u) => u.startsWith('/api/v1/tasks?') && !u.includes('assignedToMe')),
        counted.join('\n'),
      ).toEqual(['/api/v1/tasks?status=open&limit=8']);
      expect(b.problems).toEqual([]);
    });
  });
});

describe('arranging the inbox', () => {
  const base: Task = {
    id: 't1',
    subject: { type: 'model-version', id: 'v1' },
    model: 'pd',
    version: 1,
    useCase: null,
    useCaseId: 'u1',
    blocked: null,
    kind: 'signoff',
    step: 'deployment',
    title: 'Sign: acceptance',
    team: 'lending',
    role: 'risk-audit',
    raci: 'A',
    details: { measure: 'acceptance' },
    status: 'open',
    due: '2026-12-20T00:00:00.000Z',
    overdue: false,
    createdAt: '2026-12-01T00:00:00.000Z',
    closedAt: null,
    closedBy: null,
    assignee: null,
  };
  const now = Date.parse('2026-12-05T00:00:00.000Z');

  it('lists work once per subject, drops the use case twin of a version task, and puts overdue first', () => {
    const tasks: Task[] = [
      base,
      { ...base, id: 't2', role: 'data-scientist', blocked: 'you created pd v1' },
      { ...base, id: 't3', subject: { type: 'use-case', id: 'u1' }, model: null, version: null, useCase: 'credit' },
      { ...base, id: 't4', subject: { type: 'model-version', id: 'v2' }, version: 2 },
      {
        ...base,
        id: 't5',
        subject: { type: 'use-case', id: 'u1' },
        model: null,
        version: null,
        useCase: 'credit',
        kind: 'raci',
        title: 'Scope the use case',
        details: {},
        due: '2026-12-01T00:00:00.000Z',
        overdue: true,
      },
    ];
    const groups = arrange(tasks, { kind: 'all', due: 'all', now });
    expect(groups.map((x) => x.subject)).toEqual(['credit', 'pd v1', 'pd v2']);
    expect(groups[0]!.items.map((r) => r.task.id)).toEqual(['t5']);
    expect(groups[1]!.items).toEqual([
      {
        task: expect.objectContaining({ id: 't1', blocked: null }),
        roles: ['risk-audit', 'data-scientist'],
        alsoForUseCase: true,
      },
    ]);
    expect(groups[1]!.href).toBe('/models/pd/versions/1?tab=Governance');
    expect(groups[0]!.href).toBe('/use-cases/u1');
    expect(arrange(tasks, { kind: 'raci', due: 'all', now }).map((x) => x.subject)).toEqual(['credit']);
    expect(arrange(tasks, { kind: 'all', due: 'overdue', now }).map((x) => x.subject)).toEqual(['credit']);
    expect(arrange(tasks, { kind: 'all', due: 'week', now: Date.parse('2026-11-01T00:00:00.000Z') })).toHaveLength(1);
  });

  it('keeps a row blocked only when every role it came through is', () => {
    const [group] = arrange([{ ...base, blocked: 'you created pd v1' }], { kind: 'all', due: 'all', now });
    expect(group!.items[0]!.task.blocked).toBe('you created pd v1');
  });
});
