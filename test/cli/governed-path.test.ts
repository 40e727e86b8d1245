import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.ts';
import { listenForCli, runCli, type CliResult } from '../helpers/cli.ts';
import { adHocAnalysis } from '../helpers/policy.ts';

const work = mkdtempSync(join(tmpdir(), 'steward-cli-path-'));
const PEOPLE = { dana: 'data-scientist', olga: 'business-stakeholder' } as const;
const password = (user: string) => `${user}-correct-horse-battery`;
const V = ['--model', 'churn-model', '--version', '1'];

const ok = (r: CliResult) => {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
};
const json = (r: CliResult) => JSON.parse(ok(r));

/**
 * A tier-1 model from registration to production with the CLI alone, each person signed in with
 * `steward login`: the same path the API test takes (test/lifecycle/production-path.test.ts), as real processes.
 */
// Each step runs a dozen processes: on a busy machine that outlasts the default 30 s.
describe('the governed path through the CLI only (real processes)', { timeout: 120_000 }, () => {
  const t = useTestApp('sqlite', { teams: [] });
  let url: string;
  let admin: Record<string, string>;
  const as = (user: string) => ({ XDG_CONFIG_HOME: join(work, user) });
  let useCase: string;

  /** Dana records a document; Olga, of the owner's team, accepts it by an e-signature (only then it counts). */
  const addAccepted = async (kind: string) => {
    const added = json(
      await runCli(['documents', 'add', ...V, '--kind', kind, '--title', kind, '--file', '-', '--json'], as('dana'), {
        input: `# ${kind}\n`,
      }),
    );
    const review = json(
      await runCli(
        [
          'documents',
          'review',
          added.id,
          ...V,
          '--decision',
          'accepted',
          '--role',
          'business-stakeholder',
          '--password-stdin',
          '--json',
        ],
        as('olga'),
        { input: password('olga') },
      ),
    );
    expect(review).toMatchObject({ decision: 'accepted', role: 'business-stakeholder' });
  };

  beforeAll(async () => {
    admin = await listenForCli(t.app);
    url = admin.STEWARD_URL!;
  });

  it('sets up the team and its people, who sign in', async () => {
    ok(await runCli(['teams', 'create', 'marketing'], admin));
    for (const [user, role] of Object.entries(PEOPLE)) {
      ok(
        await runCli(
          [
            'users',
            'create',
            '--username',
            user,
            '--display-name',
            user,
            '--role',
            `marketing:${role}`,
            '--password-stdin',
          ],
          admin,
          { input: password(user) },
        ),
      );
      ok(
        await runCli(['login', '--url', url, '--username', user, '--password-stdin'], as(user), {
          input: password(user),
        }),
      );
    }
  });

  it('registers and assesses the use case, whose owner signs its scoping', async () => {
    useCase = json(
      await runCli(
        [
          'use-cases',
          'create',
          '--name',
          'churn',
          '--objective',
          'which customers to call this week',
          '--owner-team',
          'marketing',
          '--consumers',
          'internal-few',
          '--region',
          'EU',
          '--sector',
          'other',
          '--json',
        ],
        as('olga'),
      ),
    ).id;
    const answers = join(work, 'answers.json');
    writeFileSync(answers, JSON.stringify(adHocAnalysis));
    expect(ok(await runCli(['use-cases', 'assess', useCase, '--answers', answers], as('olga')))).toMatch(/tier 1/);
    const scoping = json(await runCli(['requirements', '--use-case', useCase, '--json'], as('olga')));
    expect(scoping.gates[0]).toMatchObject({ step: 'business-scoping', passed: false });
    expect(scoping.gates[0].blockers.every((b: { signoff: boolean }) => b.signoff)).toBe(true);
    const signed = await runCli(
      [
        'sign',
        '--use-case',
        useCase,
        '--role',
        'business-stakeholder',
        '--meaning',
        'approve',
        '--comment',
        'scoped',
        '--password-stdin',
      ],
      as('olga'),
      { input: password('olga') },
    );
    expect(ok(signed)).toMatch(/signed \(approve as business-stakeholder\)/);
    expect(ok(await runCli(['transition', '--use-case', useCase, '--to', 'development'], as('olga')))).toBe(
      'now at step development\n',
    );
  });

  it('registers the model and version, records documents and an evaluation, and moves through its gates', async () => {
    ok(await runCli(['models', 'create', '--name', 'churn-model', '--use-case', useCase], as('dana')));
    const artifact = join(work, 'model.bin');
    writeFileSync(artifact, 'a model');
    ok(
      await runCli(
        [
          'versions',
          'create',
          '--model',
          'churn-model',
          '--artifact-uri',
          's3://m/churn/1',
          '--artifact-file',
          artifact,
        ],
        as('dana'),
      ),
    );
    expect(json(await runCli(['models', 'get', 'churn-model', '--json'], as('dana')))).toMatchObject({
      latestVersion: 1,
    });
    expect(json(await runCli(['versions', 'list', '--model', 'churn-model', '--json'], as('dana')))).toHaveLength(1);
    ok(await runCli(['transition', ...V, '--to', 'development'], as('dana')));

    // Not yet: the blocked request names its blockers, and can be withdrawn.
    const early = await runCli(['promote', ...V, '--env', 'production', '--reason', 'too soon', '--json'], as('dana'));
    expect(early.code).toBe(1);
    const blocked = JSON.parse(early.stdout);
    expect(blocked.status).toBe('blocked');
    expect(json(await runCli(['promotions', 'cancel', blocked.id, ...V, '--json'], as('dana'))).status).toBe(
      'cancelled',
    );

    const gates = json(await runCli(['requirements', ...V, '--json'], as('dana'))).gates as {
      step: string;
      blockers: { detail: string[] }[];
    }[];
    const development = gates.find((g) => g.step === 'development')!;
    for (const d of development.blockers.flatMap((b) => b.detail)) {
      const kind = /^a '([a-z0-9.-]+)' document/.exec(d)?.[1];
      if (kind) await addAccepted(kind);
    }
    const data = join(work, 'eval.csv');
    writeFileSync(
      data,
      `y,yhat,sex\n${Array.from({ length: 200 }, (_, i) => `${i % 2},${i % 10 === 0 ? 1 - (i % 2) : i % 2},${i % 4 < 2 ? 'F' : 'M'}`).join('\n')}\n`,
    );
    const evaluated = json(
      await runCli(
        [
          'evaluate',
          '--upload',
          ...V,
          '--data',
          data,
          '--task',
          'binary-classification',
          '--label',
          'y',
          '--prediction',
          'yhat',
          '--sensitive',
          'sex',
          '--json',
        ],
        as('dana'),
      ),
    );
    expect(evaluated).toMatchObject({ kind: 'evaluation', model: 'churn-model', version: 1 });
    expect(evaluated.metrics['demographic-parity-ratio']).toBeGreaterThan(0.8);
    // The upload reports how the version's checks now stand, as the server judges them.
    expect(evaluated.checks).toContainEqual(
      expect.objectContaining({ measure: 'bias-subgroup-parity', status: 'satisfied' }),
    );
    const after = json(await runCli(['requirements', ...V, '--json'], as('dana'))).gates;
    expect(after.find((g: { step: string }) => g.step === 'development')).toMatchObject({ passed: true, blockers: [] });

    ok(await runCli(['transition', ...V, '--to', 'deployment'], as('dana')));
    const deployment = after.find((g: { step: string }) => g.step === 'deployment');
    for (const d of deployment.blockers.flatMap((b: { detail: string[] }) => b.detail)) {
      const kind = /^a '([a-z0-9.-]+)' document/.exec(d)?.[1];
      if (kind) await addAccepted(kind);
    }
  });

  it('is promoted to production, its deployment verified, and the check allows it', async () => {
    const before = await runCli(['check', ...V, '--env', 'production'], as('dana'));
    expect(before.code).toBe(1);
    const released = await runCli(
      ['promote', ...V, '--env', 'production', '--reason', 'first release', '--json'],
      as('dana'),
    );
    expect(json(released)).toMatchObject({ status: 'completed', reasons: [] });
    const promotions = json(await runCli(['promotions', 'list', ...V, '--json'], as('dana')));
    expect(promotions.map((p: { status: string }) => p.status).sort()).toEqual(['cancelled', 'completed']);
    const [deployment] = json(await runCli(['deployments', 'list', ...V, '--json'], as('dana')));
    expect(deployment).toMatchObject({ environment: 'production', verifiedBy: null });
    // Verifying a deployment is the model team's, not the business owner's.
    const refused = await runCli(['deployments', 'verify', deployment.id, ...V], as('olga'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/forbidden/);
    ok(await runCli(['deployments', 'verify', deployment.id, ...V], as('dana')));
    expect(json(await runCli(['deployments', 'list', ...V, '--json'], as('dana')))[0].verifiedBy).not.toBeNull();
    const allowed = await runCli(['check', ...V, '--env', 'production', '--json'], as('dana'));
    expect(json(allowed)).toEqual({ allowed: true, reasons: [] });
    // What is left for the team lands in their inboxes.
    const tasks = json(await runCli(['tasks', '--json'], as('dana')));
    expect(tasks).toContainEqual(expect.objectContaining({ model: 'churn-model', version: 1, step: 'deployment' }));
    // The count is the server's, with the listing's filters.
    expect(json(await runCli(['tasks', '--count', '--json'], as('dana')))).toEqual({ count: tasks.length });
    expect(json(await runCli(['alerts', 'list', ...V, '--json'], as('dana')))).toEqual([]);
  });
});
