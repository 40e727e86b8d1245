import { beforeAll, describe, expect, it } from 'vitest';
import { listenForCli, runCli } from '../helpers/cli.ts';
import { PASSWORD, useGovernedLifecycle } from '../helpers/lifecycle.ts';

describe('steward findings and exceptions (real process)', () => {
  const { t, as } = useGovernedLifecycle('sqlite');
  const env: Record<string, Record<string, string>> = {};
  const asUser = (user: string) => ({ ...env.admin!, STEWARD_TOKEN: as(user) });
  beforeAll(async () => {
    env.admin = await listenForCli(t.app);
  });

  it('raises, lists, updates and closes a finding by signature', async () => {
    const raised = await runCli(
      [
        'findings',
        'raise',
        '--model=pd',
        '--version=1',
        '--severity=critical',
        '--title=No out-of-time test',
        '--description=The validation sample overlaps the training window.',
        '--owner=dana',
        '--due=2030-06-30',
        '--remediation=Hold out 2024 Q4.',
        '--json',
      ],
      asUser('risk1'),
    );
    expect(raised.code, raised.stderr).toBe(0);
    const id = JSON.parse(raised.stdout).id as string;
    const listed = await runCli(['findings', 'list', '--model=pd', '--version=1', '--status=open'], asUser('ds'));
    expect(listed.stdout).toContain(`${id}  critical  open  pd/1  No out-of-time test`);
    expect(listed.stdout).toContain('blocks production');
    const bad = await runCli(['findings', 'list', '--status=done'], asUser('ds'));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--status must be one of open, remediating, closed');
    const forbidden = await runCli(['findings', 'close', id, '--password-stdin'], asUser('ds'), {
      input: `${PASSWORD('ds')}\n`,
    });
    expect(forbidden.code).not.toBe(0);
    expect(forbidden.stderr).toMatch(/403|forbidden|may not close/);
    const updated = await runCli(['findings', 'update', id, '--status=remediating'], asUser('ds'));
    expect(updated.code, updated.stderr).toBe(0);
    const closed = await runCli(['findings', 'close', id, '--comment=Held out.', '--password-stdin'], asUser('risk2'), {
      input: `${PASSWORD('risk2')}\n`,
    });
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stdout).toContain(`finding ${id} closed`);
  });

  it('requests an exception, refuses self-approval, approves by another validator', async () => {
    const expires = new Date(Date.now() + 10 * 86_400_000).toISOString();
    const requested = await runCli(
      [
        'exceptions',
        'request',
        '--model=pd',
        '--version=2',
        '--measure=doc-model-card',
        '--reason=New template pending.',
        `--expires=${expires}`,
        '--json',
      ],
      asUser('devrisk'),
    );
    expect(requested.code, requested.stderr).toBe(0);
    const id = JSON.parse(requested.stdout).id as string;
    const self = await runCli(['exceptions', 'approve', id, '--password-stdin'], asUser('devrisk'), {
      input: `${PASSWORD('devrisk')}\n`,
    });
    expect(self.code).not.toBe(0);
    expect(self.stderr).toContain('may not approve it');
    const approved = await runCli(['exceptions', 'approve', id, '--password-stdin'], asUser('risk1'), {
      input: `${PASSWORD('risk1')}\n`,
    });
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`exception ${id} approved`);
    const listed = await runCli(['exceptions', 'list', '--model=pd', '--version=2'], asUser('ds'));
    expect(listed.stdout).toContain(`${id}  approved (valid)  pd/2  waives doc-model-card until`);
    const far = await runCli(
      ['exceptions', 'request', '--use-case=credit', '--measure=doc-model-card', '--reason=x', '--expires=2099-01-01'],
      asUser('owner'),
    );
    expect(far.code).not.toBe(0);
    expect(far.stderr).toContain('at most 90 days');
  });
});
