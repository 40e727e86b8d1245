import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DEFAULT_PACK_FILE } from '../../src/features/policy/pack-file.ts';
import { call, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { listenForCli, runCli } from '../helpers/cli.ts';
import { adHocAnalysis } from '../helpers/policy.ts';

describe('steward policy (real process)', () => {
  const t = useTestApp('sqlite', { teams: ['lending'] });
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'steward-policy-cli-'));
  const stricter = join(dir, 'stricter.yaml');
  const broken = join(dir, 'broken.yaml');

  beforeAll(async () => {
    env = await listenForCli(t.app);
    const pack = parse(readFileSync(DEFAULT_PACK_FILE, 'utf8'));
    pack.version = '1.1.0';
    pack.classification.rules.push({
      id: 'everything-tier-2',
      description: 'Nothing below tier 2.',
      when: { question: 'availability', in: ['ad-hoc', 'scheduled', 'realtime'] },
      tier: 2,
    });
    writeFileSync(stricter, stringify(pack));
    pack.matrix.signoff['3'] = ['no-such-measure'];
    delete pack.matrix.monitoring['1'];
    writeFileSync(broken, stringify(pack));
    const uc = (
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody('cli-policy-uc', { ownerTeam: 'lending' }),
      })
    ).body.id;
    await call(t.app, { method: 'PUT', url: `/api/v1/use-cases/${uc}/assessment`, body: { answers: adHocAnalysis } });
  });

  it('validates packs offline with paths and exit codes', async () => {
    const ok = await runCli(['policy', 'validate', DEFAULT_PACK_FILE]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/valid \(default 1\.0\.0: \d+ rules, \d+ measures, 12 regulation packs\)/);
    const bad = await runCli(['policy', 'validate', broken]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/\/matrix\/signoff\/3\/0: unknown measure 'no-such-measure'/);
    expect(bad.stderr).toMatch(/\/matrix\/monitoring\/1: no cell/);
    const missing = await runCli(['policy', 'validate', join(dir, 'absent.yaml')]);
    expect(missing.code).toBe(2);
    const diff = await runCli(['policy', 'diff', DEFAULT_PACK_FILE, stricter]);
    expect(diff.stdout).toMatch(/added {3}classification.rules everything-tier-2/);
  });

  it('simulates on the server, uploads and activates', async () => {
    const sim = await runCli(['policy', 'simulate', stricter], env);
    expect(sim.stderr).toBe('');
    expect(sim.stdout).toMatch(/cli-policy-uc: tier 1 -> 2; \+\d+ -0 measures/);
    const up = await runCli(['policy', 'upload', stricter], env);
    expect(up.code).toBe(0);
    const id = /as ([0-9a-f-]{36})/.exec(up.stdout)![1]!;
    // Four eyes: the uploader (the admin) may not activate; a risk-audit user signs the activation.
    const self = await runCli(['policy', 'activate', id, '--password-stdin'], env, { input: 'whatever' });
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(/separation_of_duties|uploaded default 1\.1\.0/);
    const risk = await seedUser(t.app, 'cli-risk', [{ scope: '*', role: 'risk-audit' }], ['read', 'write', 'admin']);
    const act = await runCli(
      ['policy', 'activate', id, '--password-stdin', '--comment', 'reviewed the simulation'],
      { ...env, STEWARD_TOKEN: risk },
      { input: 'cli-risk-correct-horse-battery' },
    );
    expect(act.stderr).toBe('');
    expect(act.stdout).toMatch(/active: default 1\.1\.0; 1 use case\(s\) marked for re-evaluation/);
    expect(act.stdout).toMatch(/signed sha256:[0-9a-f]{64}: 1 use case\(s\) change tier, \+\d+ -0 requirements/);
    const again = await runCli(['policy', 'upload', stricter], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/conflict/);
  });
});
