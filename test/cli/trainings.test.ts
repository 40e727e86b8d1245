import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedUser, useTestApp } from '../helpers/app.ts';
import { listenForCli, runCli } from '../helpers/cli.ts';
import { daysAgo } from '../trainings/helpers.ts';

describe('steward trainings (real process)', () => {
  const t = useTestApp('sqlite', { teams: ['lending'] });
  let admin: Record<string, string>;
  let ann: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'steward-trainings-cli-'));

  beforeAll(async () => {
    admin = await listenForCli(t.app);
    const token = await seedUser(t.app, 'ann', [{ scope: 'lending', role: 'data-scientist' }]);
    ann = { ...admin, STEWARD_TOKEN: token };
  });

  it('lists the trainings, records one’s own completion and shows it', async () => {
    const list = await runCli(['trainings', 'list'], ann);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('enforced from: not enforced');
    expect(list.stdout).toMatch(/eu-ai-act-literacy\s+365 days {2}EU AI Act AI literacy/);
    const rec = await runCli(['trainings', 'record', 'eu-ai-act-literacy', daysAgo(3), '--certificate', 'C-1'], ann);
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.stdout).toBe(`recorded: ann completed eu-ai-act-literacy on ${daysAgo(3)}\n`);
    const show = await runCli(['trainings', 'show'], ann);
    expect(show.stdout).toContain(`current  eu-ai-act-literacy`);
    expect(show.stdout).toContain(`expires ${daysAgo(3 - 365)}`);
    const bad = await runCli(['trainings', 'record', 'eu-ai-act-literacy', 'yesterday'], ann);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("'yesterday' is not a date");
  });

  it('imports a CSV all or nothing, reports a team and acknowledges the pack', async () => {
    const badFile = join(dir, 'bad.csv');
    writeFileSync(
      badFile,
      `username,training,completedOn\nann,electronic-signatures,${daysAgo(1)}\nzed,x,2020-01-01\n`,
    );
    const bad = await runCli(['trainings', 'import', badFile], admin);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("line 3: unknown user 'zed'");
    const goodFile = join(dir, 'good.csv');
    writeFileSync(goodFile, `ann,electronic-signatures,${daysAgo(1)}\n`);
    const good = await runCli(['trainings', 'import', goodFile], admin);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toBe('imported 1 completion(s)\n');
    const report = await runCli(['trainings', 'report', 'lending'], ann);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('1/1 current');
    const ack = await runCli(['trainings', 'acknowledge', '--password-stdin'], ann, {
      input: 'ann-correct-horse-battery',
    });
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toMatch(/^acknowledged pack .*: signed sha256:[0-9a-f]{64}\n$/);
  });
});
