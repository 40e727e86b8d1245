import { beforeAll, describe, expect, it } from 'vitest';
import { call, seedUser } from '../helpers/app.ts';
import { listenForCli, runCli } from '../helpers/cli.ts';
import { sha, useGovernedLifecycle } from '../helpers/lifecycle.ts';

describe('steward dsr (real process)', () => {
  const { t, as } = useGovernedLifecycle('sqlite');
  const env: Record<string, Record<string, string>> = {};
  beforeAll(async () => {
    env.admin = await listenForCli(t.app);
    env.dpo = {
      ...env.admin,
      STEWARD_TOKEN: await seedUser(t.app, 'pia', [{ scope: '*', role: 'risk-audit' }], ['read', 'write', 'admin']),
    };
    env.ds = { ...env.admin, STEWARD_TOKEN: as('ds') };
    const created = await call(t.app, {
      method: 'POST',
      url: '/api/v1/datasets',
      body: {
        name: 'customers',
        ownerTeam: 'lending',
        legalRegion: 'EU',
        provenance: { method: 'extract', source: 'crm', lawfulBasis: 'contract' },
        columns: [{ name: 'email', piiKind: 'direct-identifier' }],
      },
    });
    expect(created.status, created.text).toBe(201);
    await call(t.app, {
      method: 'POST',
      url: '/api/v1/datasets/customers/versions',
      body: { rowCount: 5, digest: sha(700) },
    });
    const v3 = await call(t.app, {
      method: 'POST',
      url: '/api/v1/models/pd/versions',
      token: as('ds'),
      body: {
        artifactUri: 's3://m/3',
        artifactDigest: sha(3),
        datasets: [{ dataset: 'customers', version: 1, role: 'training' }],
      },
    });
    expect(v3.status, v3.text).toBe(201);
  });

  it('creates, lists, shows, extends and closes a request; refuses bad input and other roles', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const created = await runCli(
      ['dsr', 'create', '--subject=TICKET-7', '--type=erasure', '--category=email', `--received=${today}`, '--json'],
      env.dpo,
    );
    expect(created.code, created.stderr).toBe(0);
    const id = JSON.parse(created.stdout).id as string;
    const listed = await runCli(['dsr', 'list'], env.dpo);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`${id}  erasure  in-progress  TICKET-7  email`);
    const shown = await runCli(['dsr', 'show', id], env.dpo);
    expect(shown.stdout).toContain('customers@1');
    expect(shown.stdout).toMatch(/pd\/3 {2}use case credit {2}\(customers training\)/);
    expect(shown.stdout).toContain('dsr-retrain');
    const beyond = await runCli(['dsr', 'extend', id, '--months=3', '--reason=busy'], env.dpo);
    expect(beyond.code).not.toBe(0);
    expect(beyond.stderr).toContain('at most 2 months');
    const extended = await runCli(['dsr', 'extend', id, '--months=2', '--reason=many systems'], env.dpo);
    expect(extended.code, extended.stderr).toBe(0);
    expect(extended.stdout).toContain(`data-subject request ${id} extended: due`);
    const closed = await runCli(
      ['dsr', 'close', id, '--outcome=completed', '--reason=erased; pd/4 retrained'],
      env.dpo,
    );
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stdout).toContain(`data-subject request ${id} completed`);
    const twice = await runCli(['dsr', 'close', id, '--outcome=refused', '--reason=x'], env.dpo);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toMatch(/409|closed already/);
    const type = await runCli(
      ['dsr', 'create', '--subject=T', '--type=delete', '--category=email', `--received=${today}`],
      env.dpo,
    );
    expect(type.code).not.toBe(0);
    expect(type.stderr).toContain('--type must be one of access, erasure, rectification');
    const forbidden = await runCli(['dsr', 'list'], env.ds);
    expect(forbidden.code).not.toBe(0);
    expect(forbidden.stderr).toMatch(/403|may not/);
  });
});
