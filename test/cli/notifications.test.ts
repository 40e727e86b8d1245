import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/app.ts';
import { listenForCli, runCli } from '../helpers/cli.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';

describe('steward notifications (real process)', () => {
  const { t, as } = useGovernedLifecycle('sqlite');
  const env: Record<string, Record<string, string>> = {};
  beforeAll(async () => {
    const admin = await listenForCli(t.app);
    env.owner = { ...admin, STEWARD_TOKEN: as('owner') };
    env.risk = { ...admin, STEWARD_TOKEN: as('risk1') };
  });

  it('lists, reads, changes settings and assigns; refuses bad input', async () => {
    const listed = await runCli(['notifications', 'list'], env.owner);
    expect(listed.code, listed.stderr).toBe(0);
    const first = /^\* (\S+) {2}/m.exec(listed.stdout);
    expect(first, listed.stdout).not.toBeNull();
    expect(listed.stdout).toMatch(/^\d+ unread/);
    expect(listed.stdout).toContain('pd v1:');
    const read = await runCli(['notifications', 'read', first![1]!], env.owner);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout).toContain('read: pd v');
    const all = await runCli(['notifications', 'read', '--all', '--json'], env.owner);
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout).marked).toBeGreaterThan(0);
    expect((await runCli(['notifications', 'list', '--unread'], env.owner)).stdout.trim()).toBe('0 unread');

    const settings = await runCli(['notifications', 'settings', '--email', 'weekly'], env.owner);
    expect(settings.code, settings.stderr).toBe(0);
    expect(settings.stdout).toContain('e-mail: weekly (this server sends no e-mail)');
    const bad = await runCli(['notifications', 'settings', '--email', 'hourly'], env.owner);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('immediate, daily, weekly, off');

    const tasks = (await call(t.app, { method: 'GET', url: '/api/v1/tasks?limit=500', token: as('owner') })).body
      .items as { id: string; role: string }[];
    const task = tasks.find((x) => x.role === 'business-stakeholder')!;
    const assigned = await runCli(['notifications', 'assign', task.id, 'olga'], env.owner);
    expect(assigned.code, assigned.stderr).toBe(0);
    expect(assigned.stdout).toBe(`task ${task.id} assigned to olga\n`);
    const refused = await runCli(['notifications', 'assign', task.id, 'rita'], env.owner);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("does not hold business-stakeholder in team 'lending'");
    const forbidden = await runCli(['notifications', 'assign', task.id, '--none'], env.risk);
    expect(forbidden.code).not.toBe(0);
    expect(forbidden.stderr).toMatch(/403|may not assign/);
    const none = await runCli(['notifications', 'assign', task.id, '--none'], env.owner);
    expect(none.stdout).toBe(`task ${task.id} unassigned\n`);
    expect((await runCli(['notifications', 'read'], env.owner)).code).not.toBe(0);
  });
});
