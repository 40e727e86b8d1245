import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/demo/seed.ts';
import { combinedStatus, type SubjectStatus } from '../../src/domain/lifecycle/next-actions.ts';
import { DEMO_PASSWORD, PEOPLE, USE_CASES } from '../../src/demo/scenario.ts';
import { call, useTestApp } from '../helpers/app.ts';
import { STEWARD_BIN } from '../helpers/cli.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

const basic = (user: string) => `Basic ${Buffer.from(`${user}:${DEMO_PASSWORD}`).toString('base64')}`;

describe.each(DB_KINDS)('the demo organisation, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'demo', () => {
    const t = useTestApp(kind, { teams: [], monitoring: { pollMs: 100, sweepMs: 200 } });
    beforeAll(async () => {
      await seedDemo(t.app, { token: t.adminToken });
    }, 120_000);

    it('holds a dozen use cases across all four tiers, with people of every role who sign in with the demo password', async () => {
      const overview = (await call(t.app, { method: 'GET', url: '/api/v1/overview?limit=50' })).body;
      expect(overview.total).toBe(USE_CASES.length);
      expect(new Set(overview.items.map((r: { tier: number }) => r.tier))).toEqual(new Set([1, 2, 3, 4]));
      const roles = new Set(PEOPLE.flatMap(([, , r]) => r.map(([, role]) => role)));
      expect(roles).toEqual(
        new Set([
          'business-stakeholder',
          'business-analyst',
          'data-scientist',
          'risk-audit',
          'data-ops',
          'production',
          'viewer',
        ]),
      );
      for (const [username] of PEOPLE) {
        const me = await t.app.inject({
          method: 'GET',
          url: '/api/v1/me',
          headers: { authorization: basic(username) },
        });
        expect(me.statusCode, username).toBe(200);
      }
      // The seeding tokens are revoked once the story is told.
      const tokens = (await call(t.app, { method: 'GET', url: '/api/v1/tokens?username=dana' })).body.items;
      expect(tokens.every((x: { revokedAt: string | null }) => x.revokedAt !== null)).toBe(true);
    });

    it('released the credit scorecard to production with independent signatures, then saw it drift', async () => {
      const promotions = (
        await call(t.app, { method: 'GET', url: '/api/v1/models/credit-scorecard/versions/1/promotions' })
      ).body.items;
      expect(promotions).toContainEqual(expect.objectContaining({ environment: 'production', status: 'completed' }));
      const signers = (
        await call(t.app, { method: 'GET', url: '/api/v1/models/credit-scorecard/versions/1/signatures' })
      ).body.items.map((s: { signer: { username: string } }) => s.signer.username);
      expect(signers).toEqual(expect.arrayContaining(['rita', 'ravi', 'omar', 'pete']));
      // Its robustness measures were met by a run of its real ONNX artefact, not by a document alone.
      const evidence = (
        await call(t.app, { method: 'GET', url: '/api/v1/models/credit-scorecard/versions/1/evidence' })
      ).body.items as { id: string; kind: string; metrics: Record<string, number> }[];
      const run = evidence.find((e) => e.kind === 'robustness')!;
      expect(run.metrics['robustness.auc-drop@0.1sd']).toBeLessThanOrEqual(0.02);
      expect(run.metrics['robustness.auc-drop@1sd']).toBeGreaterThan(run.metrics['robustness.auc-drop@0.1sd']!);
      const requirements = (
        await call(t.app, { method: 'GET', url: '/api/v1/models/credit-scorecard/versions/1/requirements' })
      ).body.requirements as { measure: string; by?: string[] }[];
      for (const m of ['verify-robustness', 'verify-robustness-subgroups', 'aiact-accuracy-robustness'])
        expect(requirements.find((r) => r.measure === m)?.by, m).toContain(run.id);
      let alerts: { rule: string; severity: string }[] = [];
      for (let i = 0; i < 200 && !alerts.some((a) => a.rule === 'input-drift'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        alerts = (await call(t.app, { method: 'GET', url: '/api/v1/alerts?model=credit-scorecard&version=1' })).body
          .items;
      }
      expect(alerts).toContainEqual(expect.objectContaining({ rule: 'input-drift', severity: 'critical' }));
      expect(
        (
          await call(t.app, {
            method: 'GET',
            url: '/api/v1/check?model=credit-scorecard&version=1&environment=production',
          })
        ).body.allowed,
      ).toBe(false);
      const inbox = (
        await t.app.inject({ method: 'GET', url: '/api/v1/tasks', headers: { authorization: basic('rita') } })
      ).json().items as { kind: string; model: string | null }[];
      expect(inbox).toContainEqual(expect.objectContaining({ kind: 're-review', model: 'credit-scorecard' }));
      expect(inbox).toContainEqual(expect.objectContaining({ kind: 'signoff', model: 'triage-cnn' }));
    });

    it('shows one failed check: churn parity below the four-fifths rule, its passing first result in the history', async () => {
      const reqs = (await call(t.app, { method: 'GET', url: '/api/v1/models/churn-gbm/versions/1/requirements' })).body
        .requirements as {
        measure: string;
        status: string;
        failures?: { observed: number; comparator: string; threshold: number; evidence: string }[];
        considered?: { evidence: string; holds: boolean; decides: boolean }[];
      }[];
      const parity = reqs.find((r) => r.measure === 'bias-subgroup-parity')!;
      expect(parity.status).toBe('failed');
      expect(parity.failures![0]).toMatchObject({ comparator: '>=', threshold: 0.8 });
      expect(parity.failures![0]!.observed).toBeLessThan(0.8);
      expect(parity.considered!.map((c) => [c.holds, c.decides])).toEqual([
        [true, true],
        [false, true],
      ]);
      // The released scorecard was aligned with the ethical position: its ai-policy requirement holds.
      const uc = (await call(t.app, { method: 'GET', url: '/api/v1/use-cases?limit=50' })).body.items.find(
        (x: { name: string }) => x.name === 'Credit scoring',
      );
      expect((await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${uc.id}/alignment` })).body.status).toBe(
        'aligned',
      );
    });

    it('traces a data-subject request through the CRM export to the credit scorecard; one request is overdue', async () => {
      const list = (await call(t.app, { method: 'GET', url: '/api/v1/data-subject-requests' })).body;
      expect(list.counts).toEqual({ open: 2, overdue: 1 });
      const erasure = list.items.find((r: { subjectRef: string }) => r.subjectRef === 'CRM-20417');
      expect(erasure).toMatchObject({ type: 'erasure', status: 'in-progress', overdue: false });
      expect(erasure.trace.datasetVersions.map((d: { dataset: string }) => d.dataset)).toEqual([
        'crm-customers',
        'credit-scorecard-training',
      ]);
      expect(erasure.trace.modelVersions.map((m: { model: string }) => m.model)).toContain('credit-scorecard');
      expect(erasure.trace.tasks.map((x: { kind: string }) => x.kind)).toEqual([
        'dsr-erase',
        'dsr-retrain',
        'dsr-document',
      ]);
    });

    it('compares the released scorecard with a challenger in shadow on the same labelled records', async () => {
      type Window = { comparison: { status: string; labelled: number; metrics: Record<string, any> } | null };
      let compared: Window['comparison'] = null;
      for (let i = 0; i < 300 && !compared; i++) {
        const windows = (
          await call(t.app, { method: 'GET', url: '/api/v1/models/credit-scorecard/versions/1/monitoring?limit=50' })
        ).body.items as Window[];
        compared = windows.map((w) => w.comparison).find((c) => c?.status === 'compared') ?? null;
        if (!compared) await new Promise((r) => setTimeout(r, 100));
      }
      expect(compared).toMatchObject({ labelled: 300, metrics: { accuracy: { test: 'mcnemar' } } });
      expect(compared!.metrics.accuracy.challenger).toBeGreaterThan(compared!.metrics.accuracy.champion);
      expect(compared!.metrics['roc-auc'].test).toBe('paired-bootstrap');
      const reqs = (
        await call(t.app, { method: 'GET', url: '/api/v1/models/credit-scorecard/versions/1/requirements' })
      ).body.requirements as { measure: string; status: string }[];
      expect(reqs.find((r) => r.measure === 'monitor-champion-challenger')?.status).toBe('satisfied');
    });

    it('activated its pack by a second person, and released only on documents the right reviewers accepted', async () => {
      const active = (await call(t.app, { method: 'GET', url: '/api/v1/policies/active' })).body;
      expect(active).toMatchObject({ version: '1.0.1', activation: { manifest: { signer: { username: 'ravi' } } } });
      expect(active.createdBy).not.toBe(active.activatedBy);
      const docs = (await call(t.app, { method: 'GET', url: '/api/v1/models/credit-scorecard/versions/1/lifecycle' }))
        .body.documents as {
        kind: string;
        state: string;
        createdBy: string;
        review: { role: string; reviewer: { id: string } } | null;
        acceptance: { acceptedBy: string[] }[];
      }[];
      expect(docs.length).toBeGreaterThan(0);
      for (const d of docs) {
        expect(d.state, d.kind).toBe('accepted');
        expect(d.review!.reviewer.id).not.toBe(d.createdBy);
      }
      // Validation and red-team documents of a tier-4 model were accepted by an independent validator.
      const red = docs.find((d) => d.kind === 'red-team-report')!;
      expect(red.review!.role).toBe('risk-audit');
    });

    it('shows the fraud team a missed KPI, and keeps an intact audit trail', async () => {
      const alerts = (await call(t.app, { method: 'GET', url: '/api/v1/alerts?state=all' })).body.items as {
        rule: string;
        metric: string;
      }[];
      expect(alerts).toContainEqual(
        expect.objectContaining({ rule: 'kpi-missed', metric: 'kpi.fraud-caught-rate.missed' }),
      );
      expect((await call(t.app, { method: 'POST', url: '/api/v1/audit/verification' })).body).toMatchObject({
        ok: true,
      });
    });

    it('measures its programme: imported history beside today’s snapshot, a blocking finding, a waiver, a lapsed training', async () => {
      const from = new Date(Date.now() - 100 * 86_400_000).toISOString().slice(0, 10);
      const history = (
        await call(t.app, { method: 'GET', url: `/api/v1/governance/kpis?from=${from}&kpi=overdue-tasks` })
      ).body.history as { day: string; value: number; source: string }[];
      expect(history.filter((p) => p.source === 'imported').map((p) => p.value)).toEqual([31, 27, 22, 18, 15, 12]);
      expect(history.at(-1)).toMatchObject({ day: new Date().toISOString().slice(0, 10), source: 'computed' });

      const findings = (await call(t.app, { method: 'GET', url: '/api/v1/findings?model=triage-cnn&version=1' })).body
        .items as { severity: string; status: string; blocks: string[] }[];
      expect(findings).toEqual([expect.objectContaining({ severity: 'high', status: 'open', blocks: ['production'] })]);

      const requirements = (
        await call(t.app, { method: 'GET', url: '/api/v1/models/fraud-scorer/versions/1/requirements' })
      ).body.requirements as { status: string; waiver?: { expiresAt: string } }[];
      const waived = requirements.filter((r) => r.status === 'waived');
      expect(waived).toHaveLength(1);
      expect(Date.parse(waived[0]!.waiver!.expiresAt)).toBeGreaterThan(Date.now());

      // Nina's electronic-signature training expired: a signature of hers is refused, naming it.
      const finding = (await call(t.app, { method: 'GET', url: '/api/v1/findings?model=triage-cnn&version=1' })).body
        .items[0].id as string;
      const refused = await t.app.inject({
        method: 'POST',
        url: `/api/v1/findings/${finding}/close`,
        headers: { authorization: basic('nina'), 'content-type': 'application/json' },
        payload: JSON.stringify({ password: DEMO_PASSWORD }),
      });
      expect(refused.statusCode, refused.body).toBe(403);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'training_required' });
      expect(refused.body).toContain('Electronic signatures');
    });

    it('reads the versions of a use case together to the same standing as each read alone', async () => {
      const overview = (await call(t.app, { method: 'GET', url: '/api/v1/overview?limit=200' })).body.items as {
        useCase: { id: string };
      }[];
      type Together = {
        model: string;
        version: number;
        step: string | null;
        status: unknown;
        met: number;
        total: number;
      };
      const seen: string[] = [];
      const states = new Set<string>();
      const standings = new Set<string>();
      let most = 0;
      for (const id of new Set(overview.map((r) => r.useCase.id))) {
        const together = (await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${id}/next-actions` })).body
          .versions as Together[];
        most = Math.max(most, together.length);
        for (const v of together) {
          const alone = (
            await call(t.app, { method: 'GET', url: `/api/v1/models/${v.model}/versions/${v.version}/next-actions` })
          ).body;
          expect({ status: v.status, step: v.step, met: v.met, total: v.total }, `${v.model} v${v.version}`).toEqual({
            status: alone.status,
            step: alone.step,
            met: alone.progress.met,
            total: alone.progress.total,
          });
          seen.push(`${v.model} v${v.version}`);
          states.add((v.status as { state: string }).state);
          standings.add(`${(v.status as { state: string }).state} at ${v.step}, ${v.met} of ${v.total}`);
        }
      }
      // Versions in several standings, several of them read together in one use case: else the
      // comparison proves little.
      expect(seen.length).toBeGreaterThanOrEqual(7);
      expect(most).toBeGreaterThanOrEqual(2);
      expect(states.size).toBeGreaterThanOrEqual(2);
      expect(standings.size).toBeGreaterThanOrEqual(6);
    });

    it('reads every model of the inventory together to the status its use case page gives it', async () => {
      // One overview page holds every use case's models: their governance read in one batch (with
      // each use case's policy, findings and waivers), against each use case's page read alone.
      const rows = (await call(t.app, { method: 'GET', url: '/api/v1/overview?limit=200' })).body.items as {
        useCase: { id: string };
        model: { name: string; status?: SubjectStatus } | null;
      }[];
      let compared = 0;
      const states = new Set<string>();
      for (const id of new Set(rows.map((r) => r.useCase.id))) {
        const versions = (await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${id}/next-actions` })).body
          .versions as { model: string; version: number; status: SubjectStatus }[];
        for (const row of rows.filter((r) => r.useCase.id === id && r.model)) {
          const parts = versions.filter((v) => v.model === row.model!.name);
          if (parts.length === 0) continue;
          const alone = combinedStatus(parts.map((p) => ({ name: `${p.model} v${p.version}`, status: p.status })));
          expect(row.model!.status, row.model!.name).toEqual(alone);
          states.add(alone.state);
          compared++;
        }
      }
      expect(compared).toBeGreaterThanOrEqual(6);
      expect(states.size).toBeGreaterThanOrEqual(2);
    });

    it('seeds nothing into an instance that already holds use cases', async () => {
      const lines: string[] = [];
      await seedDemo(t.app, { token: t.adminToken }, (l) => lines.push(l));
      expect(lines).toEqual(['demo: the instance already holds use cases; nothing seeded']);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/overview' })).body.total).toBe(USE_CASES.length);
    });
  });
});

describe('steward serve --demo (real process)', () => {
  it('starts a new instance with the demo organisation, whose users sign in with the demo password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-demo-'));
    const child = spawn(process.execPath, [STEWARD_BIN, 'serve', '--demo'], {
      env: {
        ...process.env,
        STEWARD_DATA_DIR: dir,
        STEWARD_DATABASE_URL: '',
        PORT: '0',
        HOST: '127.0.0.1',
        STEWARD_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        const timer = setTimeout(() => reject(new Error(`demo did not start: ${err}`)), 90_000);
        child.stderr.on('data', (d) => {
          err += d;
          const m = /Steward demo ready on (http:\/\/\S+):/.exec(err);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.on('exit', (code) => reject(new Error(`demo exited with ${code}: ${err}`)));
      });
      const overview = await fetch(`${url}/api/v1/overview`, { headers: { authorization: basic('admin') } });
      expect(overview.status).toBe(200);
      expect(((await overview.json()) as { total: number }).total).toBe(USE_CASES.length);
      expect((await fetch(`${url}/api/v1/me`, { headers: { authorization: basic('rita') } })).status).toBe(200);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
