import { beforeAll, describe, expect, it } from 'vitest';
import { createProfileBuilder, postProfile } from '../../src/client/profile.ts';
import { call, expectProblem } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { DAY, jsonl, PASSWORD, records, seedReferenceLog, useMonitoredVersion } from '../helpers/monitoring.ts';

describe.each(DB_KINDS)('production monitoring: drift and performance on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const m = useMonitoredVersion(kind);
    const { t, tok, v1, today, R, S1, S2, S3, post, settled, windowOf, config } = m;
    let useCase = '';
    beforeAll(async () => {
      useCase = m.useCase;
      await seedReferenceLog(m);
    });

    it('configures a monitor with a frozen reference, refusing configurations that cannot work', async () => {
      const put = (body: unknown, token = tok.ds) => call(t.app, { method: 'PUT', url: `${v1}/monitor`, token, body });
      const unknownMonitor = await put(config({ monitors: ['input-drift', 'crystal-ball'] }));
      expectProblem(unknownMonitor, 400, 'validation_failed');
      // Only families Steward computes can be named; the refusal lists them.
      expect(unknownMonitor.text).toContain('champion-challenger');
      expectProblem(await put(config({ sensitive: ['income'] })), 400, 'validation_failed');
      expectProblem(
        await put(
          config({ reference: { from: new Date(R - 5 * DAY).toISOString(), to: new Date(R - 4 * DAY).toISOString() } }),
        ),
        400,
        'validation_failed',
      );
      expectProblem(await put(config({ features: { age: 'ordinal' } })), 400, 'validation_failed');
      expectProblem(await put(config(), tok.outsider), 403, 'forbidden');
      expectProblem(
        await call(t.app, {
          method: 'PUT',
          url: '/api/v1/models/pd/versions/7/monitor',
          token: tok.ds,
          body: config(),
        }),
        404,
        'not_found',
      );
      expectProblem(await call(t.app, { method: 'GET', url: `${v1}/monitor` }), 404, 'not_found');
      const monitor = await put(config());
      expect(monitor.status, monitor.text).toBe(200);
      expect(monitor.body.reference).toMatchObject({
        rows: 602,
        columns: { age: { type: 'numerical', n: 602, missing: 0 }, region: { type: 'categorical', n: 602 } },
      });
      expect(monitor.body.reference.columns.age.profileEdges).toHaveLength(9);
      expect((await call(t.app, { method: 'GET', url: `${v1}/monitor` })).body.id).toBe(monitor.body.id);
      // The configuration is recorded as evidence, but naming monitors satisfies nothing: the pack's
      // drift and performance measures wait for windows computed recently (the reference day is not).
      expect(
        (await call(t.app, { method: 'GET', url: `${v1}/evidence` })).body.items.map((e: { kind: string }) => e.kind),
      ).toContain('monitoring');
      const requirements = (await call(t.app, { method: 'GET', url: `${v1}/requirements` })).body.requirements;
      const status = (id: string) => requirements.find((r: { measure: string }) => r.measure === id)?.status;
      expect([status('monitor-drift'), status('monitor-performance')]).toEqual(['missing', 'missing']);
    });

    it('computes drift per window against the reference and raises a critical drift alert that makes approvals stale', async () => {
      const review = await call(t.app, {
        method: 'POST',
        url: `${v1}/signatures`,
        token: tok.risk,
        body: { role: 'risk-audit', meaning: 'review', comment: 'looked at it', password: PASSWORD('rita') },
      });
      expect(review.status, review.text).toBe(201);
      const logged = await post(
        `${v1}/predictions`,
        jsonl([...records('s1', S1, 300, 11), ...records('s2', S2, 300, 3, 15)]),
      );
      expect(logged.body).toMatchObject({ accepted: 600, rejected: 0 });
      const m = await settled(3);
      const calm = windowOf(m, S1);
      const drifted = windowOf(m, S2);
      expect(calm.rows).toBe(300);
      expect(calm.drift, JSON.stringify(calm.drift.decisions)).toMatchObject({ from: 'records', dataset_drift: false });
      expect(drifted.drift).toMatchObject({
        from: 'records',
        number_of_columns: 2,
        number_of_drifted_columns: 2,
        dataset_drift: true,
      });
      // The reference has 602 values: Evidently's rules pick KS for age and chi-square for region.
      expect(drifted.drift.columns.age.decision).toMatchObject({ stattest: 'ks', drift_detected: true });
      expect(drifted.drift.columns.region.decision).toMatchObject({ stattest: 'chisquare', drift_detected: true });
      expect(m.health).toBe('alerting');
      // Health shows on the model and in the inventory list.
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/pd' })).body.health).toBe('alerting');
      expect(
        (await call(t.app, { method: 'GET', url: `/api/v1/models?useCaseId=${useCase}` })).body.items.map(
          (x: { health: string }) => x.health,
        ),
      ).toEqual(['alerting']);
      const alerts = (await call(t.app, { method: 'GET', url: '/api/v1/alerts?model=pd&version=1' })).body.items;
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({
        rule: 'input-drift',
        metric: 'drift.dataset',
        severity: 'critical',
        state: 'open',
        value: 1,
        window: new Date(S2).toISOString(),
      });
      // The monitoring row of the RACI: production is accountable and responsible and gets the task.
      const inbox = (await call(t.app, { method: 'GET', url: '/api/v1/tasks?assignee=me', token: tok.prod })).body
        .items;
      expect(
        inbox.some((task: { title: string }) => task.title.startsWith('Alert (critical): Input drift on pd/1')),
      ).toBe(true);
      // The drift alert is evidence against the version: the review signed before it is stale now.
      const signature = (await call(t.app, { method: 'GET', url: `${v1}/signatures` })).body.items.find(
        (x: { id: string }) => x.id === review.body.id,
      );
      expect(signature.status).toBe('stale');
      expect(signature.changes).toContainEqual(expect.objectContaining({ what: 'evidence', change: 'added' }));
    });

    it('computes performance once labels arrive, recomputing the window, and alerts on decay even when newer windows have no labels yet', async () => {
      // Ground truth for S1 arrives late (S2 is newer and unlabelled) and disagrees with 40% of
      // S1's predictions: accuracy 0.6 against 0.9 at evaluation.
      const truth = records('s1', S1, 300, 11).map((r, i) => ({
        id: r.id,
        label: i % 5 < 2 ? 1 - r.prediction : r.prediction,
      }));
      const sent = await post(`${v1}/labels`, jsonl([...truth, { id: 'never-logged', label: 1 }]));
      expect(sent.body).toMatchObject({
        accepted: 300,
        duplicates: 0,
        rejected: 1,
        reasons: [
          { record: 301, id: 'never-logged', reason: 'no prediction with this id was logged for this version' },
        ],
      });
      expect((await post(`${v1}/labels`, jsonl(truth))).body).toMatchObject({ accepted: 0, duplicates: 300 });
      // The same labels as CSV text are the same labels.
      const csv = `id,label\n${truth
        .slice(0, 20)
        .map((x) => `${x.id},${x.label}`)
        .join('\n')}\n`;
      expect((await post(`${v1}/labels`, csv, 'text/csv')).body).toMatchObject({ accepted: 0, duplicates: 20 });
      const m = await settled(3);
      const w = windowOf(m, S1);
      expect(w.labelled).toBe(300);
      expect(w.performance.metrics.accuracy).toBeCloseTo(0.6, 12);
      expect(windowOf(m, S2).labelled).toBe(0);
      const decay = (await call(t.app, { method: 'GET', url: '/api/v1/alerts?model=pd&version=1' })).body.items.find(
        (a: { rule: string }) => a.rule === 'accuracy-decay',
      );
      expect(decay).toMatchObject({
        metric: 'performance.accuracy.decay',
        severity: 'critical',
        state: 'open',
        window: new Date(S1).toISOString(),
      });
      expect(decay.value).toBeCloseTo(0.3, 12);
    });

    it('computes drift from mergeable producer profiles when only profiles arrive for a window', async () => {
      const edges = (await call(t.app, { method: 'GET', url: `${v1}/monitor` })).body.reference.columns.age
        .profileEdges;
      const rows = records('s3', S3, 400, 14);
      const half = (from: number, to: number) => {
        const b = createProfileBuilder(
          { age: { type: 'numerical', edges }, region: { type: 'categorical' } },
          { start: new Date(S3 + from * 3_600_000).toISOString(), end: new Date(S3 + to * 3_600_000).toISOString() },
        );
        for (const r of rows.slice(from * 16, to * 16 + (to === 24 ? 16 : 0))) b.add(r.features);
        return b.build();
      };
      const a = half(0, 12);
      const b = half(12, 24);
      // The client helper, over real HTTP.
      const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
      expect(await postProfile({ url, token: tok.ds!, model: 'pd', version: 1, profile: a })).toMatchObject({
        kind: 'profile',
        accepted: a.count,
        duplicate: false,
      });
      await expect(postProfile({ url, token: tok.outsider!, model: 'pd', version: 1, profile: a })).rejects.toThrow(
        /403 forbidden/,
      );
      expect((await call(t.app, { method: 'POST', url: `${v1}/profiles`, token: tok.ds, body: a })).body).toMatchObject(
        { accepted: 0, duplicate: true },
      );
      expect(
        (await call(t.app, { method: 'POST', url: `${v1}/profiles?key=half-2`, token: tok.ds, body: b })).body
          .duplicate,
      ).toBe(false);
      expectProblem(
        await call(t.app, { method: 'POST', url: `${v1}/profiles?key=half-2`, token: tok.ds, body: a }),
        409,
        'conflict',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: `${v1}/profiles`, token: tok.ds, body: { ...a, count: a.count + 1 } }),
        400,
        'validation_failed',
      );
      const shifted = structuredClone(a);
      const shiftedEdges = (shifted.features.age as { histogram: { edges: number[] } }).histogram.edges;
      shiftedEdges[0] = shiftedEdges[0]! - 1;
      expectProblem(
        await call(t.app, { method: 'POST', url: `${v1}/profiles`, token: tok.ds, body: shifted }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${v1}/profiles`,
          token: tok.ds,
          body: {
            ...a,
            features: {
              ...a.features,
              income: { type: 'categorical', count: a.count, missing: 0, categories: { x: a.count } },
            },
          },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${v1}/profiles`,
          token: tok.ds,
          body: {
            ...a,
            features: {
              region: { type: 'numerical', count: a.count, missing: 0, histogram: { edges: [], counts: [a.count] } },
            },
          },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${v1}/profiles`,
          token: tok.ds,
          body: { ...a, window: { start: new Date(S3).toISOString(), end: new Date(S3 + 2 * DAY).toISOString() } },
        }),
        400,
        'validation_failed',
      );
      const m = await settled(4);
      const w = windowOf(m, S3);
      expect(w.rows).toBe(a.count + b.count);
      expect(w.drift, JSON.stringify(w.drift.decisions)).toMatchObject({ from: 'profiles', dataset_drift: false });
      expect(w.drift.columns.age.decision.stattest).toBe('psi');
      expect(w.drift.columns.age.n_current).toBe(a.count + b.count);
    });

    it('reads windows larger than one page, records with equal timestamps included, exactly once each', async () => {
      const T = today - 5 * DAY;
      const rows = records('bulk', T, 5500, 31).map((r, i) => ({
        ...r,
        timestamp: new Date(T + (i % 10) * 1000).toISOString(),
      }));
      for (let i = 0; i < rows.length; i += 1500)
        expect((await post(`${v1}/predictions`, jsonl(rows.slice(i, i + 1500)))).body.rejected).toBe(0);
      const m = await settled(5);
      const w = windowOf(m, T);
      expect(w.rows).toBe(5500);
      expect(w.drift.columns.age.n_current).toBe(5500);
      expect(w.drift.columns.region.n_current).toBe(5500);
    });
  });
});
