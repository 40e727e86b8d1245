import { beforeAll, describe, expect, it } from 'vitest';
import { mcnemar } from '../../src/domain/monitoring/paired.ts';
import { measureStatus } from '../../src/domain/policy/status.ts';
import { monitoringEvidenceOf } from '../../src/features/monitoring/index.ts';
import type { Executor } from '../../src/db/database.ts';

/** One version's monitoring evidence. */
const evidenceOf = async (db: Executor, versionId: string, now: number) =>
  (await monitoringEvidenceOf(db, [versionId], now)).get(versionId)!;
import { call, expectProblem, useCaseBody } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { DAY, jsonl, records, seedReferenceLog, sha, useMonitoredVersion } from '../helpers/monitoring.ts';

type Requirement = { measure: string; status: string; unmet?: string[] };

describe.each(DB_KINDS)('champion/challenger monitoring on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const m = useMonitoredVersion(kind);
    const { t, tok } = m;
    const v2 = '/api/v1/models/pd/versions/2';
    let ids = { v1: '', v2: '' };
    // Day S3: the champion is right on records i % 10 < 7, the challenger on all but i % 10 == 0.
    const day = () => records('s3', m.S3, 300, 21);
    const truth = (i: number, prediction: number) => (i % 10 < 7 ? prediction : 1 - prediction);
    const requirements = async (url: string) =>
      (await call(t.app, { method: 'GET', url: `${url}/requirements` })).body.requirements as Requirement[];
    const requirement = async (url: string, measure: string) =>
      (await requirements(url)).find((r) => r.measure === measure)!;
    const latestComparison = async () => m.windowOf(await m.monitoring(), m.S3)?.comparison;

    beforeAll(async () => {
      const created = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/pd/versions',
        token: tok.ds,
        body: { artifactUri: 's3://m/2', artifactDigest: sha(2) },
      });
      expect(created.status, created.text).toBe(201);
      const elsewhere = await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody('elsewhere', { ownerTeam: 'lending' }),
      });
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/models',
        token: tok.ds,
        body: { name: 'other-pd', useCaseId: elsewhere.body.id },
      });
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/other-pd/versions',
        token: tok.ds,
        body: { artifactUri: 's3://m/9', artifactDigest: sha(9) },
      });
      ids = {
        v1: (await call(t.app, { method: 'GET', url: m.v1 })).body.id,
        v2: (await call(t.app, { method: 'GET', url: v2 })).body.id,
      };
      await seedReferenceLog(m);
    });

    it('refuses a challenger that is unknown, itself, of another use case, or given wrong options; nothing is written', async () => {
      const put = (challenger: unknown, extra: Record<string, unknown> = {}) =>
        call(t.app, {
          method: 'PUT',
          url: `${m.v1}/monitor`,
          token: tok.ds,
          body: m.config({ challenger, ...extra }),
        });
      expectProblem(await put({ model: 'pd', version: 9 }), 404, 'not_found');
      expectProblem(await put({ model: 'nope', version: 1 }), 404, 'not_found');
      const self = await put({ model: 'pd', version: 1 });
      expectProblem(self, 400, 'validation_failed');
      expect(self.body.errors).toContainEqual(expect.objectContaining({ pointer: '/body/challenger' }));
      const foreign = await put({ model: 'other-pd', version: 1 });
      expectProblem(foreign, 400, 'validation_failed');
      expect(foreign.text).toContain('another use case');
      const resamples = await put({ model: 'pd', version: 2, resamples: 5 });
      expectProblem(resamples, 400, 'validation_failed');
      expect(resamples.body.errors[0].pointer).toBe('/body/challenger/resamples');
      const metric = await put({ model: 'pd', version: 2, metrics: ['mae'] });
      expectProblem(metric, 400, 'validation_failed');
      expect(metric.body.errors[0]).toMatchObject({ pointer: '/body/challenger/metrics/0' });
      expect(metric.body.errors[0].message).toContain('accuracy, roc-auc');
      // A monitor family Steward does not compute cannot even be named.
      const declared = await put(undefined, { monitors: ['infrastructure-alerts'] });
      expectProblem(declared, 400, 'validation_failed');
      expect(declared.text).toContain('champion-challenger');
      expectProblem(await call(t.app, { method: 'GET', url: `${m.v1}/monitor` }), 404, 'not_found');
    });

    it('leaves the measure missing, with the reason, while the challenger logged nothing', async () => {
      const put = await call(t.app, {
        method: 'PUT',
        url: `${m.v1}/monitor`,
        token: tok.ds,
        body: m.config({
          challenger: { model: 'pd', version: 2, seed: 7 },
          alertRules: [
            {
              id: 'challenger-wins',
              metric: 'challenger.accuracy.improvement',
              comparator: '>',
              threshold: 0.1,
              severity: 'info',
            },
          ],
        }),
      });
      expect(put.status, put.text).toBe(200);
      expect(put.body.config.challenger).toMatchObject({ model: 'pd', version: 2 });
      expect((await m.post(`${m.v1}/predictions`, jsonl(day()))).status).toBe(200);
      await m.settled(2);
      expect(await latestComparison()).toMatchObject({ status: 'no-challenger-predictions', joint: 0 });
      const cc = await requirement(m.v1, 'monitor-champion-challenger');
      expect(cc.status).toBe('missing');
      expect(cc.unmet!.join()).toContain('challenger pd/2 has no logged predictions');
      // Drift was computed on S3, so that measure is met by the computation itself.
      expect((await requirement(m.v1, 'monitor-drift')).status).toBe('satisfied');
      // Performance needs a labelled window.
      expect((await requirement(m.v1, 'monitor-performance')).status).toBe('missing');
    });

    it('compares both versions on the jointly labelled records once the challenger logs and labels arrive', async () => {
      const shadow = day().map((r, i) => {
        const y = truth(i, r.prediction);
        const prediction = i % 10 === 0 ? 1 - y : y;
        return { ...r, prediction, score: prediction ? 0.6 + (i % 7) / 20 : 0.4 - (i % 7) / 20 };
      });
      // Ten more the champion never saw: not joint, not compared.
      const extra = records('x', m.S3, 10, 5);
      expect((await m.post(`${v2}/predictions`, jsonl([...shadow, ...extra]))).status).toBe(200);
      await m.settled(2);
      expect(await latestComparison()).toMatchObject({ status: 'no-joint-labels', joint: 300, labelled: 0 });
      expect((await requirement(m.v1, 'monitor-champion-challenger')).unmet!.join()).toContain(
        'no jointly labelled records',
      );

      const labels = day().map((r, i) => ({ id: r.id, label: truth(i, r.prediction) }));
      expect((await m.post(`${m.v1}/labels`, jsonl(labels))).status).toBe(200);
      await m.settled(2);
      const c = await latestComparison();
      expect(c).toMatchObject({ status: 'compared', joint: 300, labelled: 300, rows: 300 });
      expect(c.challenger).toMatchObject({ model: 'pd', version: 2, versionId: ids.v2 });
      const acc = c.metrics.accuracy;
      expect(acc).toMatchObject({ champion: 0.7, challenger: 0.9, test: 'mcnemar' });
      expect(acc.improvement).toBeCloseTo(0.2, 12);
      expect(acc.mcnemar).toEqual(mcnemar(30, 90));
      expect(acc.p).toBe(mcnemar(30, 90).exact_p);
      const auc = c.metrics['roc-auc'];
      expect(auc.test).toBe('paired-bootstrap');
      expect(auc.bootstrap).toMatchObject({ seed: 7, resamples: 200 });
      expect(auc.challenger).toBeGreaterThan(auc.champion);

      const reqs = await requirements(m.v1);
      for (const measure of [
        'monitor-champion-challenger',
        'monitor-performance',
        'monitor-drift',
        'monitor-infrastructure',
      ])
        expect(reqs.find((r) => r.measure === measure)?.status, measure).toBe('satisfied');

      // The rule on the comparison fired on the window.
      let alerts: { rule: string; value: number }[] = [];
      for (let i = 0; i < 100 && !alerts.some((a) => a.rule === 'challenger-wins'); i++) {
        alerts = (await call(t.app, { method: 'GET', url: '/api/v1/alerts?model=pd&version=1' })).body.items;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(alerts.find((a) => a.rule === 'challenger-wins')?.value).toBeCloseTo(0.2, 12);
    });

    it('lets a promotion check ask that the challenger beats the champion, and forgets monitoring that stopped', async () => {
      const now = Date.now();
      const beats = (by: number, p: number) => ({
        id: 'challenger-beats-champion',
        title: 'Challenger beats champion',
        description: '',
        consideration: 'monitoring',
        step: 'deployment',
        evidence: [
          {
            kind: 'monitoring' as const,
            monitor: 'champion-challenger',
            beats: { metric: 'accuracy' as const, by, p },
          },
        ],
      });
      const challenger = await evidenceOf(t.database.db, ids.v2, now);
      expect(challenger).toContainEqual(
        expect.objectContaining({
          monitor: 'champion-challenger',
          comparison: expect.objectContaining({ role: 'challenger' }),
        }),
      );
      expect(measureStatus(beats(0.1, 0.05), challenger).status).toBe('satisfied');
      const strict = measureStatus(beats(0.3, 0.05), challenger);
      expect(strict.status).toBe('missing');
      expect(strict.status === 'missing' && strict.unmet[0]).toContain('improvement 0.2000');
      // The champion itself is not a challenger: a beats check never passes on it.
      const champion = await evidenceOf(t.database.db, ids.v1, now);
      expect(measureStatus(beats(0, 1), champion).status).toBe('missing');
      // Read together (a page of the inventory), each version's evidence is what it is read alone;
      // an unknown id has none of the records a version's windows make.
      const together = await monitoringEvidenceOf(t.database.db, [ids.v2, 'no-such-version', ids.v1], now);
      expect(together.get(ids.v1)).toEqual(champion);
      expect(together.get(ids.v2)).toEqual(challenger);
      expect(together.get('no-such-version')!.filter((r) => 'windowsAgo' in r)).toEqual([]);

      // Ten days without data: nothing computed within the last three windows any more.
      const later = await evidenceOf(t.database.db, ids.v1, now + 10 * DAY);
      const drift = {
        id: 'monitor-drift',
        title: 'drift',
        description: '',
        consideration: 'monitoring',
        step: 'monitoring',
        evidence: [{ kind: 'monitoring' as const, monitor: 'input-drift' }],
      };
      const stale = measureStatus(drift, later);
      expect(stale.status).toBe('missing');
      expect(stale.status === 'missing' && stale.unmet[0]).toMatch(/last computed 1[01] windows ago/);
      expect(measureStatus({ ...drift, evidence: [{ ...drift.evidence[0]!, windows: 30 }] }, later).status).toBe(
        'satisfied',
      );
    });
  });
});
