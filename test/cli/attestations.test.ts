import { beforeAll, describe, expect, it } from 'vitest';
import { call, manualClock } from '../helpers/app.ts';
import { listenForCli, runCli } from '../helpers/cli.ts';
import { NAMES, PASSWORD, useGovernedLifecycle } from '../helpers/lifecycle.ts';

describe('steward attestations (real process)', () => {
  const clock = manualClock(Date.parse('2030-03-01T09:00:00Z'));
  const { t } = useGovernedLifecycle('sqlite', { clock });
  const env: Record<string, Record<string, string>> = {};
  beforeAll(async () => {
    env.admin = await listenForCli(t.app);
    // Tier 4 attests every 90 days: move to the day its campaign opens, 30 days before it is due.
    clock.advance(60 * 86_400_000);
    for (const user of ['owner', 'ds']) {
      const token = await call(t.app, {
        method: 'POST',
        url: '/api/v1/tokens',
        body: { name: `${user} cli`, username: NAMES[user] },
      });
      env[user] = { ...env.admin, STEWARD_TOKEN: token.body.token };
    }
  });

  it('runs the campaign, lists, shows status, and attests by e-signature; refuses bad input and non-owners', async () => {
    const forbidden = await runCli(['attestations', 'run'], env.ds!);
    expect(forbidden.code).not.toBe(0);
    expect(forbidden.stderr).toContain('forbidden');
    const ran = await runCli(['attestations', 'run', '--json'], env.admin!);
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout).opened).toHaveLength(2);
    const again = await runCli(['attestations', 'run'], env.admin!);
    expect(again.stdout).toContain('0 opened');
    const listed = await runCli(['attestations', 'list', '--kind=owner', '--json'], env.owner!);
    expect(listed.code, listed.stderr).toBe(0);
    const [owner] = JSON.parse(listed.stdout) as { id: string }[];
    const badKind = await runCli(['attestations', 'list', '--kind=boss'], env.owner!);
    expect(badKind.code).not.toBe(0);
    expect(badKind.stderr).toContain('owner, validator');
    const badDecision = await runCli(
      ['attestations', 'decide', owner!.id, '--decision=maybe', '--password-stdin'],
      env.owner!,
      {
        input: `${PASSWORD('owner')}\n`,
      },
    );
    expect(badDecision.code).not.toBe(0);
    expect(badDecision.stderr).toContain('still-accurate');
    const notOwner = await runCli(
      ['attestations', 'decide', owner!.id, '--decision=still-accurate', '--password-stdin'],
      env.ds!,
      { input: `${PASSWORD('ds')}\n` },
    );
    expect(notOwner.code).not.toBe(0);
    expect(notOwner.stderr).toContain('forbidden');
    const decided = await runCli(
      ['attestations', 'decide', owner!.id, '--decision=still-accurate', '--comment=Unchanged.', '--password-stdin'],
      env.owner!,
      { input: `${PASSWORD('owner')}\n` },
    );
    expect(decided.code, decided.stderr).toBe(0);
    expect(decided.stdout).toContain('decided still-accurate');
    const shown = await runCli(['attestations', 'show', owner!.id], env.owner!);
    expect(shown.stdout).toContain('credit (tier 4)');
    const status = await runCli(['attestations', 'status'], env.owner!);
    expect(status.code, status.stderr).toBe(0);
    // The validator's revalidation is still open.
    expect(status.stdout).toMatch(/credit\s+lending\s+tier 4\s+open/);
  });
});
