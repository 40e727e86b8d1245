import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { listenForCli, runCli } from '../helpers/cli.ts';
import { creditScoring } from '../helpers/policy.ts';

describe('steward kpis and leaderboard (real process)', () => {
  const t = useTestApp('sqlite', { teams: ['lending'] });
  let env: Record<string, string>;

  beforeAll(async () => {
    env = await listenForCli(t.app);
    const dana = await seedUser(t.app, 'dana', [{ scope: 'lending', role: 'data-scientist' }]);
    const uc = (
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody('kpi-uc', { ownerTeam: 'lending' }),
      })
    ).body.id;
    await call(t.app, { method: 'PUT', url: `/api/v1/use-cases/${uc}/assessment`, body: { answers: creditScoring } });
    await call(t.app, { method: 'POST', url: '/api/v1/models', token: dana, body: { name: 'pd', useCaseId: uc } });
    const v = await call(t.app, {
      method: 'POST',
      url: '/api/v1/models/pd/versions',
      token: dana,
      body: { artifactUri: 's3://m/1', artifactDigest: `sha256:${'1'.padStart(64, '0')}` },
    });
    expect(v.status, v.text).toBe(201);
  });

  it('prints the KPIs with units and targets, takes a snapshot and shows its history', async () => {
    const now = await runCli(['kpis', '--snapshot'], env);
    expect(now.stderr).toBe('');
    expect(now.code).toBe(0);
    expect(now.stdout).toMatch(/^High-risk versions fully evidenced {2}0\.0% {2}target >= 90\.0% {2}MISSED$/m);
    expect(now.stdout).toMatch(/^Overdue tasks {2}0 {2}target <= 0$/m);
    expect(now.stdout).toMatch(/^Open alerts on missed targets:$/m);
    const today = new Date().toISOString().slice(0, 10);
    const history = await runCli(['kpis', '--from', today, '--kpi', 'high-risk-compliance', '--json'], env);
    expect(history.code).toBe(0);
    expect(JSON.parse(history.stdout).history).toEqual([
      expect.objectContaining({ day: today, kpi: 'high-risk-compliance', value: 0, denominator: 1 }),
    ]);
  });

  it('ranks teams', async () => {
    const res = await runCli(['leaderboard'], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^1\. lending {2}[\d.]+ {2}review-timeliness n\/a, evidence-completeness \d+\/\d+/m);
  });

  it('lists regulatory changes and runs the watch', async () => {
    const res = await runCli(['regulatory-changes', '--days', '3650', '--run'], env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^watch run: \d+ change\(s\) acted on for \d+ use case\(s\)$/m);
    expect(res.stdout).toMatch(
      /^2027-01-01 {2}takes effect \((upcoming|acted on)\) {2}CCPA \/ CPRA \(California\): Automated decision-making/m,
    );
    const bad = await runCli(['regulatory-changes', '--days', '0'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--days must be a whole number from 1 to 3650');
  });

  it('refuses bad options before calling the server, and reports the server’s refusals', async () => {
    const bad = await runCli(['kpis', '--from', '01/03/2026'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from must be a day as YYYY-MM-DD');
    const days = await runCli(['leaderboard', '--days', 'ninety'], env);
    expect(days.code).toBe(2);
    const unknown = await runCli(['kpis', '--kpi', 'happiness'], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('inventory-coverage');
  });

  it('imports KPI history from a CSV file, shows it as imported, and refuses bad files and repeats', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'steward-kpi-history-'));
    const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
    const file = join(dir, 'history.csv');
    await writeFile(
      file,
      `day,kpi,team,value\r\n${day(60)},overdue-tasks,,6\r\n${day(30)},overdue-tasks,,2\r\n${day(30)},overdue-tasks,lending,2\r\n`,
    );
    const res = await runCli(['kpi-history', file, '--source', 'Risk committee pack'], env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(`imported 3 value(s) from ${day(60)} to ${day(30)}`);
    const shown = await runCli(['kpis', '--from', day(90), '--kpi', 'overdue-tasks'], env);
    expect(shown.stdout).toContain(`${day(60)}  Overdue tasks  6  (imported)`);
    const again = await runCli(['kpi-history', file, '--source', 'again'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('was imported before; nothing was imported');
    const header = join(dir, 'bad.csv');
    await writeFile(header, 'date,kpi,value\n2026-01-01,overdue-tasks,1\n');
    const bad = await runCli(['kpi-history', header, '--source', 'x'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('the CSV header must name day');
    const notNumber = join(dir, 'nan.csv');
    await writeFile(notNumber, 'day,kpi,value\n2026-01-01,overdue-tasks,lots\n');
    const nan = await runCli(['kpi-history', notNumber, '--source', 'x'], env);
    expect(nan.code).toBe(2);
    expect(nan.stderr).toContain("line 2: value 'lots' is not a number");
  });
});
