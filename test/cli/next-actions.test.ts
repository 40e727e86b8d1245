import { beforeAll, describe, expect, it } from 'vitest';
import { listenForCli, runCli } from '../helpers/cli.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';

describe('steward next and my-work (real process)', () => {
  const { t, as } = useGovernedLifecycle('sqlite');
  const env: Record<string, Record<string, string>> = {};
  const asUser = (user: string) => ({ ...env.admin!, STEWARD_TOKEN: as(user) });
  beforeAll(async () => {
    env.admin = await listenForCli(t.app);
  });

  it("prints a version's status, progress and each missing item's owners and action", async () => {
    const res = await runCli(['next', '--model=pd', '--version=1'], asUser('ds'));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^status: In development/);
    expect(res.stdout).toMatch(/step: business-scoping; \d+ of \d+ requirements met/);
    expect(res.stdout).toContain(
      '- Business owner sign-off at scoping [business-scoping, missing] who: User olga (business-stakeholder); do: Sign as business-stakeholder',
    );
    const json = JSON.parse((await runCli(['next', '--use-case=credit', '--json'], asUser('ds'))).stdout);
    expect(json).toMatchObject({ useCase: { name: 'credit' }, status: { state: 'in-development' } });
  });

  it('refuses bad arguments and unknown versions', async () => {
    for (const args of [['next'], ['next', '--model=pd'], ['next', '--model=pd', '--version=1', '--use-case=credit']]) {
      const res = await runCli(args, asUser('ds'));
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain('give --model and --version, or --use-case');
    }
    const bad = await runCli(['next', '--model=pd', '--version=x'], asUser('ds'));
    expect(bad.stderr).toContain('--version must be a positive integer');
    const unknown = await runCli(['next', '--model=pd', '--version=9'], asUser('ds'));
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/404|not found/i);
  });

  it('prints my own work', async () => {
    const res = await runCli(['my-work'], asUser('ds'));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/versions:\n {2}pd v2 .*\n {2}pd v1  In development  step business-scoping/);
    expect(res.stdout).toContain('credit (lending)  In development');
  });
});
